# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Authentication options shared by every module, and the azure-identity credential they select."""

from __future__ import annotations

import hashlib
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
    token_cache=dict(type="bool", fallback=(env_fallback, ["TWINOPS_TOKEN_CACHE"]), default=False),
)

# Name of azure-identity's persistent token cache (on Linux ~/.IdentityService/<name>.<cloud digest>.nocae, mode
# 0600). One cache per sign-in endpoint (scheme, host and port): MSAL keys tokens by host alone, so two clouds on one
# host (private clouds, test endpoints) would otherwise share entries.
TOKEN_CACHE_NAME = "twinops.digital_twins"
# The sign-in methods whose azure-identity credential can keep its tokens in the persistent cache.
CACHEABLE_METHODS = ("secret", "certificate", "workload_identity", "password")

AUTH_MUTUALLY_EXCLUSIVE = [["secret", "certificate_path", "federated_token_file"]]

# azure-identity's public client id for the Azure CLI, used for username/password sign-in when no client_id is given.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

SIGN_IN_WAYS = (
    "(1) a service principal with a secret: client_id, secret and tenant, or AZURE_CLIENT_ID, AZURE_SECRET and "
    "AZURE_TENANT as AWX's Azure credential injects them (AZURE_CLIENT_SECRET and AZURE_TENANT_ID also work); "
    "(2) a service principal with a certificate: client_id, certificate_path and tenant (AZURE_CLIENT_CERTIFICATE_PATH), "
    "plus certificate_password when its private key is encrypted; "
    "(3) workload identity federation: client_id, federated_token_file and tenant (AZURE_FEDERATED_TOKEN_FILE); "
    "(4) a user name and password: ad_user and password (AZURE_AD_USER, AZURE_PASSWORD); "
    "(5) the Azure CLI after 'az login' (auth_source=cli); "
    "(6) a managed identity (auth_source=msi)."
)
SET_ONCE = "Set them once for all tasks with module_defaults for group/twinops.digital_twins.all."
SUBSCRIPTION_SOURCES = ("the option subscription_id, module_defaults for group/twinops.digital_twins.all, "
                        "or the environment variable AZURE_SUBSCRIPTION_ID")

NO_CREDENTIALS_MESSAGE = ("No Azure credentials were found. Provide them in one of these ways: %s %s"
                          % (SIGN_IN_WAYS, SET_ONCE))
NOTHING_GIVEN_MESSAGE = (
    "No Azure credentials were found: there is no subscription_id and no way to sign in. Give the subscription "
    "(%s) and sign in in one of these ways: %s %s" % (SUBSCRIPTION_SOURCES, SIGN_IN_WAYS, SET_ONCE))


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
    "certificate_path": "AZURE_CERTIFICATE_PATH or AZURE_CLIENT_CERTIFICATE_PATH",
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
    if params.get("certificate_password") and not params.get("certificate_path"):
        raise DigitalTwinsError(
            "certificate_password is set (option, or AZURE_CERTIFICATE_PASSWORD / AZURE_CLIENT_CERTIFICATE_PASSWORD) "
            "but certificate_path is not: give the certificate file with certificate_path (or %s), or remove "
            "certificate_password." % _ENV_NAMES["certificate_path"], code="IncompleteCredentials")
    if source == "cli":
        if not which("az"):
            raise DigitalTwinsError(
                "auth_source=cli signs in with the Azure CLI, but 'az' is not on the PATH of the host that runs the "
                "task. Install the Azure CLI there and run 'az login', or choose another way to sign in: %s"
                % SIGN_IN_WAYS, code="NoCredentials")
        return source
    if source == "msi":
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
    given = [name for name in ("client_id", "tenant") if params.get(name)]
    if given:
        # A service principal that is half there: say what would complete it, then every way to sign in.
        raise DigitalTwinsError(
            "No Azure credentials were found: %s %s set, but none of secret, certificate_path or federated_token_file (or %s; %s; %s), so there is no "
            "way to sign in. Provide credentials in one of these ways: %s %s"
            % (" and ".join(given), "is" if len(given) == 1 else "are", _ENV_NAMES["secret"],
               _ENV_NAMES["certificate_path"], _ENV_NAMES["federated_token_file"], SIGN_IN_WAYS, SET_ONCE),
            code="NoCredentials")
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


def token_cache_name(authority):
    """The persistent cache name for a sign-in endpoint."""
    digest = hashlib.sha256((authority or "").rstrip("/").lower().encode("utf-8")).hexdigest()[:12]
    return "%s.%s" % (TOKEN_CACHE_NAME, digest)


def build_credential(params, cloud, method=None):
    """Return an azure-identity credential for the options in ``params`` on ``cloud``."""
    method = method or select_method(params)
    identity = _identity()
    common = dict(authority=cloud.authority)
    if params.get("token_cache") and method in CACHEABLE_METHODS:
        # One sign-in for the module processes of a run: the tokens (never the secret) go to azure-identity's
        # persistent cache, in the OS keyring where there is one, else in a file only the user can read.
        common["cache_persistence_options"] = identity.TokenCachePersistenceOptions(
            name=token_cache_name(cloud.authority), allow_unencrypted_storage=True)
    if cloud.custom:
        # Instance discovery asks login.microsoftonline.com about the authority, which a private cloud is not known to.
        common["disable_instance_discovery"] = True
    if method == "secret":
        return identity.ClientSecretCredential(params["tenant"], params["client_id"], params["secret"], **common)
    if method == "certificate":
        try:
            return identity.CertificateCredential(params["tenant"], params["client_id"], params["certificate_path"],
                                                  password=params.get("certificate_password"), **common)
        except (TypeError, ValueError) as exc:
            raise certificate_error(params, exc) from None
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


def certificate_error(params, exc):
    """A clear error for a certificate azure-identity could not load (never the password itself)."""
    path = params.get("certificate_path")
    text = str(exc).lower()
    password_vars = "certificate_password (AZURE_CERTIFICATE_PASSWORD or AZURE_CLIENT_CERTIFICATE_PASSWORD)"
    if "not encrypted" in text:
        message = ("certificate_password is set, but the private key in certificate_path %s is not encrypted: remove %s."
                   % (path, password_vars))
    elif "is encrypted" in text or ("password" in text and not params.get("certificate_password")):
        message = ("The private key in certificate_path %s is encrypted: give its password with %s."
                   % (path, password_vars))
    elif "password" in text or "decrypt" in text:
        message = ("certificate_password does not decrypt the private key in certificate_path %s: check %s."
                   % (path, password_vars))
    else:
        message = ("certificate_path %s does not hold a certificate and its private key in PEM or PKCS#12 format "
                   "(%s)." % (path, str(exc).rstrip(".")))
    return DigitalTwinsError(message, code="InvalidCertificate")


def resolve_subscription(params, which=shutil.which, environ=None):
    """The subscription id to work in; a clear error when none is given.

    Without one, the same message also names what the sign-in lacks, so that a task without any credentials
    says everything that is missing at once.
    """
    subscription = (params.get("subscription_id") or "").strip()
    if not subscription:
        try:
            select_method(params, which=which, environ=environ)
        except DigitalTwinsError as error:
            if error.message in (NO_CREDENTIALS_MESSAGE,):
                raise DigitalTwinsError(NOTHING_GIVEN_MESSAGE, code="NoCredentials") from None
            raise DigitalTwinsError("subscription_id is required (%s). Also: %s" % (SUBSCRIPTION_SOURCES, error.message),
                                    code=error.code or "NoCredentials") from None
        raise DigitalTwinsError("subscription_id is required: set it as an option, in module_defaults for "
                                "group/twinops.digital_twins.all, or as AZURE_SUBSCRIPTION_ID.")
    return subscription
