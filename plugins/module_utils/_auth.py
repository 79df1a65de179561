# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Authentication options shared by every module, and the azure-identity credential they select."""

from __future__ import annotations

import os
import shutil
import warnings

from ansible.module_utils.basic import env_fallback

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import TENANT_DOMAIN_RE, is_guid

AUTH_SOURCES = ["auto", "env", "cli", "msi", "workload_identity"]

# Environment variables are read in the order given: AWX's Azure credential names first, then azure-identity's.
AUTH_ARGUMENT_SPEC = dict(
    auth_source=dict(type="str", choices=AUTH_SOURCES, fallback=(env_fallback, ["AZURE_AUTH_SOURCE"]), default="auto"),
    subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
    tenant=dict(type="str", aliases=["tenant_id"], fallback=(env_fallback, ["AZURE_TENANT", "AZURE_TENANT_ID"])),
    client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
    secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_SECRET", "AZURE_CLIENT_SECRET"])),
    certificate_path=dict(type="path", fallback=(env_fallback, ["AZURE_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"])),
    certificate_password=dict(type="str", no_log=True,
                              fallback=(env_fallback, ["AZURE_CERTIFICATE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD"])),
    federated_token_file=dict(type="path", no_log=False, fallback=(env_fallback, ["AZURE_FEDERATED_TOKEN_FILE"])),
    ad_user=dict(type="str", fallback=(env_fallback, ["AZURE_AD_USER", "AZURE_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_PASSWORD"])),
    cloud_environment=dict(type="str", fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"]), default="AzureCloud"),
)

AUTH_MUTUALLY_EXCLUSIVE = [["secret", "certificate_path", "federated_token_file"]]

# azure-identity's public client id for the Azure CLI, used for username/password sign-in when no client_id is given.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

NO_CREDENTIALS_MESSAGE = (
    "No Azure credentials were found. Provide them in one of these ways: "
    "(1) a service principal with a secret: client_id, secret and tenant, or AZURE_CLIENT_ID, AZURE_SECRET and "
    "AZURE_TENANT as AWX's Azure credential injects them (AZURE_CLIENT_SECRET and AZURE_TENANT_ID also work); "
    "(2) a service principal with a certificate: client_id, certificate_path and tenant (AZURE_CLIENT_CERTIFICATE_PATH); "
    "(3) workload identity federation: client_id, federated_token_file and tenant (AZURE_FEDERATED_TOKEN_FILE); "
    "(4) a user name and password: ad_user and password (AZURE_AD_USER, AZURE_PASSWORD); "
    "(5) the Azure CLI after 'az login' (auth_source=cli); "
    "(6) a managed identity (auth_source=msi). "
    "Set them once for all tasks with module_defaults for group/twinops.digital_twins.all."
)


# The methods auth_source=auto and env pick from, in order: (method, the option that selects it, what it also needs).
_EXPLICIT_METHODS = (
    ("secret", "secret", ("client_id", "tenant")),
    ("certificate", "certificate_path", ("client_id", "tenant")),
    ("workload_identity", "federated_token_file", ("client_id", "tenant")),
    ("password", "ad_user", ("password",)),
)

_ENV_NAMES = {
    "client_id": "AZURE_CLIENT_ID",
    "tenant": "AZURE_TENANT or AZURE_TENANT_ID",
    "secret": "AZURE_SECRET or AZURE_CLIENT_SECRET",
    "certificate_path": "AZURE_CLIENT_CERTIFICATE_PATH",
    "federated_token_file": "AZURE_FEDERATED_TOKEN_FILE",
    "ad_user": "AZURE_AD_USER",
    "password": "AZURE_PASSWORD",
}


def _identity():
    try:
        from azure import identity
    except ImportError:
        raise DigitalTwinsError("The Python library azure-identity is required on the host that runs the task "
                                "(pip install azure-identity).") from None
    return identity


def _missing(params, names, method):
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise DigitalTwinsError(
            "Sign-in with %s needs %s as well (options, or the environment variables %s)."
            % (_DESCRIPTIONS[method], " and ".join(missing), "; ".join(_ENV_NAMES.get(name, name) for name in missing)))


_DESCRIPTIONS = {
    "secret": "a client secret",
    "certificate": "a client certificate",
    "workload_identity": "a federated token file (workload identity)",
    "password": "a user name and password",
    "cli": "the Azure CLI",
    "msi": "a managed identity",
}


def select_method(params, which=shutil.which, environ=None):
    """The sign-in method for ``params``, checked without any request; raises DigitalTwinsError when none applies.

    ``auth_source=auto`` order: a client secret, a client certificate, a federated token file, a user name and
    password, then the Azure CLI when ``az`` is on PATH, then a managed identity when its endpoint is advertised
    (IDENTITY_ENDPOINT or MSI_ENDPOINT). ``env`` stops after the user name and password.
    """
    environ = os.environ if environ is None else environ
    source = params.get("auth_source") or "auto"
    if source in ("cli", "msi"):
        return source
    if source == "workload_identity":
        _missing(params, ("client_id", "tenant", "federated_token_file"), "workload_identity")
        return "workload_identity"
    for method, selector, needs in _EXPLICIT_METHODS:
        if params.get(selector):
            _missing(params, needs, method)
            return method
    if params.get("password"):
        _missing(params, ("ad_user",), "password")
    if source == "auto":
        if which("az"):
            return "cli"
        if environ.get("IDENTITY_ENDPOINT") or environ.get("MSI_ENDPOINT"):
            return "msi"
    raise DigitalTwinsError(NO_CREDENTIALS_MESSAGE, code="NoCredentials")


def validate_auth_params(params):
    """Checks of the authentication options that need no request."""
    subscription = params.get("subscription_id")
    if subscription and not is_guid(subscription.strip()):
        raise DigitalTwinsError("subscription_id %r is not a subscription id: it must be a GUID such as "
                                "00000000-0000-0000-0000-000000000000." % subscription)
    tenant = params.get("tenant")
    if tenant and not TENANT_DOMAIN_RE.match(tenant.strip()):
        raise DigitalTwinsError("tenant %r is neither a tenant id (GUID) nor a domain name such as contoso.onmicrosoft.com."
                                % tenant)
    for option in ("certificate_path", "federated_token_file"):
        path = params.get(option)
        if path and not os.path.isfile(path):
            raise DigitalTwinsError("%s %s does not exist or is not a file." % (option, path))
        if path and not os.access(path, os.R_OK):
            raise DigitalTwinsError("%s %s cannot be read by the user running the task." % (option, path))


def build_credential(params, cloud, method=None):
    """Return an azure-identity credential for the options in ``params`` on ``cloud``."""
    method = method or select_method(params)
    identity = _identity()
    common = dict(authority=cloud.authority)
    if cloud.custom:
        # Instance discovery asks login.microsoftonline.com about the authority, which a private cloud is not known to.
        common["disable_instance_discovery"] = True
    if method == "secret":
        return identity.ClientSecretCredential(params["tenant"], params["client_id"], params["secret"], **common)
    if method == "certificate":
        return identity.CertificateCredential(params["tenant"], params["client_id"], params["certificate_path"],
                                              password=params.get("certificate_password"), **common)
    if method == "workload_identity":
        return identity.WorkloadIdentityCredential(tenant_id=params["tenant"], client_id=params["client_id"],
                                                   token_file_path=params["federated_token_file"], **common)
    if method == "password":
        with warnings.catch_warnings():
            # azure-identity deprecates this flow (no MFA); it is kept for AWX credentials that carry a user name.
            warnings.simplefilter("ignore", DeprecationWarning)
            return identity.UsernamePasswordCredential(params.get("client_id") or AZURE_CLI_CLIENT_ID, params["ad_user"],
                                                       params["password"], tenant_id=params.get("tenant") or "organizations",
                                                       **common)
    if method == "cli":
        return identity.AzureCliCredential(tenant_id=params.get("tenant"))
    return identity.ManagedIdentityCredential(client_id=params.get("client_id"))


def describe_method(method):
    """Words for a sign-in method, for messages."""
    return _DESCRIPTIONS.get(method, method)


def resolve_subscription(params):
    """The subscription id to work in; a clear error when none is given."""
    subscription = (params.get("subscription_id") or "").strip()
    if not subscription:
        raise DigitalTwinsError("subscription_id is required: set it as an option, in module_defaults for "
                                "group/twinops.digital_twins.all, or as AZURE_SUBSCRIPTION_ID.")
    return subscription
