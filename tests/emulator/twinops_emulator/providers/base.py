"""The interface every emulated resource provider implements (see tests/emulator/README.md, "Adding a provider")."""


class Provider:
    """One resource provider: its REST routes, the ids it holds, its state and how that state changes over time.

    The app serves `routes` and `admin_routes`; the state calls the hooks below for every registered provider, in
    registry order. Every hook runs under `state.lock`. Defaults do nothing, so a provider implements only what it has.
    """

    name = ''           # the namespace, e.g. Microsoft.DigitalTwins (GET /subscriptions/{sub}/providers/{name})
    order = 50          # hooks run in this order (Microsoft.Resources first, Microsoft.Authorization last)
    routes = ()          # web.Route entries of its REST surface
    admin_routes = ()    # web.Route entries under /_emulator (seeding, behaviours)

    def reset(self, state):
        """Create this provider's part of `state` (on start and on every POST /_emulator/reset)."""

    def registration(self, state, sub):
        """Its body for GET /subscriptions/{sub}/providers/{name} (None: not served)."""
        return None

    def find(self, state, sub, rg, namespace, pairs):
        """Whether the resource `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/...]`
        (`pairs` = [type, name, ...]) exists: True, False (a type this provider emulates, not found) or None (not its type)."""
        return None

    def resources(self, state, sub, rg=None):
        """Generic resource bodies ({id, name, type, location, tags}) this provider holds in the subscription, or in one
        resource group when `rg` is given, as GET .../resources lists them."""
        return []

    def advance(self, state, now):
        """Apply whatever long-running work of this provider is due at `now` (state is computed lazily on access)."""

    def scope_deleted(self, state, scope):
        """`scope` (a resource group or resource id) is gone: drop what this provider holds at or below it."""

    def dump(self, state, call):
        """This provider's entries in GET /_emulator/state."""
        return {}
