# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The authentication options of the modules, for plugins that read them from their configuration file and
    from environment variables (inventory plugins): same names, same variables, same order."""

    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to sign in to Azure, as for the modules (see M(twinops.digital_twins.dt_instance)).
      - V(auto) picks the first method whose options (or environment variables) are set, in this order.
        (1) A service principal with a client secret (O(client_id), O(secret), O(tenant)).
        (2) A service principal with a certificate (O(client_id), O(certificate_path), O(tenant)).
        (3) Workload identity federation (O(client_id), O(federated_token_file), O(tenant)).
        (4) A user name and password (O(ad_user), O(password)).
        (5) The Azure CLI, when C(az) is on E(PATH).
        (6) A managed identity, when its endpoint is advertised in the environment (E(IDENTITY_ENDPOINT) or
        E(MSI_ENDPOINT)). On a virtual machine, use V(msi) explicitly.
      - V(env) is like V(auto) but never falls back to the Azure CLI or a managed identity.
      - V(cli) uses the account of C(az login); V(msi) the managed identity of the machine, VM or pod
        (O(client_id) selects a user-assigned identity); V(workload_identity) a federated token file.
    type: str
    choices: [auto, env, cli, msi, workload_identity]
    default: auto
    env:
      - name: AZURE_AUTH_SOURCE
  tenant:
    description:
      - The Entra ID tenant (directory) id, or its domain name such as C(contoso.onmicrosoft.com).
    type: str
    aliases: [tenant_id]
    env:
      - name: AZURE_TENANT_ID
      - name: AZURE_TENANT
  client_id:
    description:
      - The application (client) id of the service principal, or of a user-assigned managed identity.
    type: str
    env:
      - name: AZURE_CLIENT_ID
  secret:
    description:
      - The client secret of the service principal. Prefer the environment variables (AWX's Azure credential sets
        them) to writing it into the inventory file. Never shown in output.
      - Mutually exclusive with O(certificate_path) and O(federated_token_file).
    type: str
    env:
      - name: AZURE_CLIENT_SECRET
      - name: AZURE_SECRET
  certificate_path:
    description:
      - Path to a PEM or PKCS12 file with the service principal's certificate and private key.
    type: path
    env:
      - name: AZURE_CLIENT_CERTIFICATE_PATH
      - name: AZURE_CERTIFICATE_PATH
  certificate_password:
    description:
      - Password of the certificate file, if any.
    type: str
    env:
      - name: AZURE_CLIENT_CERTIFICATE_PASSWORD
      - name: AZURE_CERTIFICATE_PASSWORD
  federated_token_file:
    description:
      - Path to a file holding a federated identity token (workload identity federation).
    type: path
    env:
      - name: AZURE_FEDERATED_TOKEN_FILE
  ad_user:
    description:
      - User name for sign-in with a password, as AWX's Azure credential injects it when it has no client and tenant.
        Does not work for accounts that require multi-factor authentication.
    type: str
    env:
      - name: AZURE_USERNAME
      - name: AZURE_AD_USER
  password:
    description:
      - Password of O(ad_user).
    type: str
    env:
      - name: AZURE_PASSWORD
  cloud_environment:
    description:
      - The Azure cloud. V(AzureCloud), V(AzureChinaCloud), V(AzureUSGovernment), or the https URL of an ARM endpoint
        (or of its C(/metadata/endpoints) document) for any other cloud, such as Azure Stack Hub or a private cloud.
      - Certificates of private clouds are trusted through E(REQUESTS_CA_BUNDLE).
    type: str
    default: AzureCloud
    env:
      - name: AZURE_CLOUD_ENVIRONMENT
  token_cache:
    description:
      - Keep the access tokens in azure-identity's persistent token cache (see the modules' O(token_cache)), so that
        the modules of the run reuse the inventory's sign-in.
    type: bool
    default: false
    env:
      - name: TWINOPS_TOKEN_CACHE
requirements:
  - python >= 3.10
  - azure-identity >= 1.16.1
notes:
  - An option set in the inventory file wins over its environment variables. Of two variables for the same option,
    the one listed last wins (for example E(AZURE_TENANT) over E(AZURE_TENANT_ID)), as in the modules, where AWX's
    names come first.
"""
