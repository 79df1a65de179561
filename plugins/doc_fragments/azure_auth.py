# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Authentication options shared by every module of the collection."""

    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to sign in to Azure.
      - V(auto) picks the first method whose options (or environment variables) are set, in this order.
        (1) A service principal with a client secret (O(client_id), O(secret), O(tenant)).
        (2) A service principal with a certificate (O(client_id), O(certificate_path), O(tenant)).
        (3) Workload identity federation (O(client_id), O(federated_token_file), O(tenant)).
        (4) A user name and password (O(ad_user), O(password)).
        (5) The Azure CLI, when C(az) is on E(PATH).
        (6) A managed identity, when its endpoint is advertised in the environment (E(IDENTITY_ENDPOINT) or
        E(MSI_ENDPOINT), as on App Service, Azure Arc and Cloud Shell). On a virtual machine, use V(msi) explicitly.
      - A method whose selecting option is set but that lacks the others (for example O(secret) without
        O(tenant)) fails with a message naming what is missing, rather than falling through to the next method.
      - Without any of these, the task fails with a message listing the ways to provide credentials.
      - V(env) is like V(auto) but never falls back to the Azure CLI or a managed identity.
      - V(cli) uses the account of C(az login).
      - V(msi) uses the managed identity of the machine, VM or pod; O(client_id) selects a user-assigned identity.
      - V(workload_identity) uses a federated token file, as in Kubernetes workload identity or CI OIDC.
      - Falls back to the E(AZURE_AUTH_SOURCE) environment variable.
    type: str
    choices: [auto, env, cli, msi, workload_identity]
    default: auto
  subscription_id:
    description:
      - The Azure subscription to work in (a GUID). Required.
      - Falls back to E(AZURE_SUBSCRIPTION_ID), which AWX's Azure credential sets.
    type: str
  tenant:
    description:
      - The Entra ID tenant (directory) id, or its domain name such as C(contoso.onmicrosoft.com).
      - Falls back to E(AZURE_TENANT) (AWX) or E(AZURE_TENANT_ID) (azure-identity).
    type: str
    aliases: [tenant_id]
  client_id:
    description:
      - The application (client) id of the service principal, or of a user-assigned managed identity.
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - The client secret of the service principal. Never shown in output, diffs or returned values.
      - Falls back to E(AZURE_SECRET) (AWX) or E(AZURE_CLIENT_SECRET) (azure-identity).
      - Mutually exclusive with O(certificate_path) and O(federated_token_file).
    type: str
  certificate_path:
    description:
      - Path to a PEM or PKCS12 file with the service principal's certificate and private key.
      - Mutually exclusive with O(secret) and O(federated_token_file).
      - Falls back to E(AZURE_CERTIFICATE_PATH) or E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  certificate_password:
    description:
      - Password of the certificate file, if any.
      - Falls back to E(AZURE_CERTIFICATE_PASSWORD) or E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  federated_token_file:
    description:
      - Path to a file holding a federated identity token (workload identity federation), such as the one
        Kubernetes workload identity projects into a pod. The file is read again when the token expires.
      - Falls back to E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  ad_user:
    description:
      - User name for sign-in with a password, as AWX's Azure credential injects it when it has no client and tenant.
      - Does not work for accounts that require multi-factor authentication; Microsoft deprecates this flow.
        Without O(client_id), the Azure CLI's public client id is used; O(tenant) defaults to C(organizations).
      - Falls back to E(AZURE_AD_USER) (AWX) or E(AZURE_USERNAME).
    type: str
  password:
    description:
      - Password of O(ad_user).
      - Falls back to E(AZURE_PASSWORD).
    type: str
  cloud_environment:
    description:
      - The Azure cloud.
      - V(AzureCloud), V(AzureChinaCloud), V(AzureUSGovernment), or the https URL of an ARM endpoint (or of its
        C(/metadata/endpoints) document) for any other cloud, such as Azure Stack Hub or a private cloud. The
        login, ARM and Microsoft Graph endpoints and token audiences are then read from that metadata.
      - Falls back to E(AZURE_CLOUD_ENVIRONMENT).
      - Certificates of private clouds are trusted through E(REQUESTS_CA_BUNDLE) (and E(SSL_CERT_FILE) for Microsoft Graph).
    type: str
    default: AzureCloud
  token_cache:
    description:
      - Keep the access tokens this task gets in azure-identity's persistent token cache, so that the next tasks of
        the run (other module processes) reuse them instead of signing in again, as the Azure CLI does with its own
        cache. Only access tokens are kept, never a secret, certificate or password.
      - The cache is the OS keyring where azure-identity finds one (macOS keychain, Windows DPAPI), else the file
        C(~/.IdentityService/twinops.digital_twins.<digest of the sign-in endpoint>.nocae), readable by its owner only (mode 0600). In an execution
        environment it lives as long as the job's container.
      - Applies to sign-in with a secret, a certificate, workload identity or a password; the Azure CLI and managed
        identities have their own token handling.
      - Falls back to E(TWINOPS_TOKEN_CACHE).
    type: bool
    default: false
requirements:
  - python >= 3.10
  - azure-core >= 1.30.0
  - azure-identity >= 1.16.1
  - azure-mgmt-digitaltwins >= 7.0.0
  - azure-mgmt-authorization >= 4.0.0
  - azure-mgmt-resource >= 23.1.0
  - msgraph-sdk >= 1.5.0
notes:
  - The requirements are the collection's C(requirements.txt), installed on the host that runs the task with
    C(pip install -r requirements.txt) (execution environments get them from ansible-builder). A task that
    finds any of them missing fails before doing anything, naming every missing library.
    Each task imports only the libraries it uses; C(msgraph-sdk) only when a name must be looked up in Microsoft Graph.
  - Set the authentication options once for all modules of the collection with
    C(module_defaults) and the action group C(group/twinops.digital_twins.all).
  - The authentication options are checked before any request is sent. One credential and one token are used
    per task.
  - Every error message carries Azure's error code and request id when Azure sent them; the Python traceback is
    shown at C(-vvv).
"""
