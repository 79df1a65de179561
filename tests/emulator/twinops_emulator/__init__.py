"""Local emulator of the Azure control plane (ARM, Entra ID token endpoint, Microsoft Graph) for tests."""
