# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import warnings

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from azure import identity

from ansible_collections.twinops.digital_twins.plugins.module_utils._auth import (
    AUTH_ARGUMENT_SPEC,
    AUTH_MUTUALLY_EXCLUSIVE,
    NO_CREDENTIALS_MESSAGE,
    build_credential,
    resolve_subscription,
    select_method,
    token_cache_name,
    validate_auth_params,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._cloud import KNOWN_CLOUDS, Cloud
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

SUB = "5ab5c000-0000-4000-8000-000000000001"
TENANT = "7e57e000-0000-4000-8000-000000000001"
CLIENT = "a0700000-0000-4000-8000-0000000000c1"
PRIVATE = Cloud("Private", "https://login.private.test", "https://arm.private.test/", "https://management.azure.com/",
                None, None, custom=True)


def no_az(_name):
    return None


def parse(monkeypatch, env, **params):
    """Validate ``params`` with the shared spec under exactly the AZURE_* environment ``env``."""
    for key in list(os.environ):
        if key.startswith(("AZURE_", "IDENTITY_", "MSI_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = ArgumentSpecValidator(AUTH_ARGUMENT_SPEC, mutually_exclusive=AUTH_MUTUALLY_EXCLUSIVE).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


class TestEnvironmentFallbacks:
    def test_awx_names(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_SUBSCRIPTION_ID": SUB, "AZURE_CLIENT_ID": CLIENT, "AZURE_SECRET": "s3cret",
                                     "AZURE_TENANT": TENANT, "AZURE_CLOUD_ENVIRONMENT": "AzureChinaCloud"})
        assert (params["subscription_id"], params["client_id"], params["secret"], params["tenant"]) == (SUB, CLIENT, "s3cret", TENANT)
        assert params["cloud_environment"] == "AzureChinaCloud"
        assert select_method(params, which=no_az) == "secret"

    def test_azure_identity_names(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": TENANT})
        assert (params["secret"], params["tenant"]) == ("s", TENANT)

    def test_awx_name_wins_over_azure_identity_name(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_SECRET": "awx", "AZURE_CLIENT_SECRET": "sdk", "AZURE_TENANT": "t-awx",
                                     "AZURE_TENANT_ID": "t-sdk"})
        assert (params["secret"], params["tenant"]) == ("awx", "t-awx")

    def test_option_wins_over_environment(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_SECRET": "env"}, secret="option", tenant_id=TENANT)
        assert params["secret"] == "option"
        assert params["tenant"] == TENANT

    def test_user_and_password_names(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_AD_USER": "ops@contoso.com", "AZURE_PASSWORD": "pw"})
        assert select_method(params, which=no_az) == "password"
        params = parse(monkeypatch, {"AZURE_USERNAME": "ops@contoso.com", "AZURE_PASSWORD": "pw"})
        assert params["ad_user"] == "ops@contoso.com"

    def test_certificate_and_federated_token_names(self, monkeypatch, tmp_path):
        pem = tmp_path / "c.pem"
        pem.write_text("x")
        params = parse(monkeypatch, {"AZURE_CLIENT_CERTIFICATE_PATH": str(pem), "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw",
                                     "AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT})
        assert (params["certificate_path"], params["certificate_password"]) == (str(pem), "pw")
        assert select_method(params, which=no_az) == "certificate"
        params = parse(monkeypatch, {"AZURE_FEDERATED_TOKEN_FILE": str(pem), "AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT})
        assert select_method(params, which=no_az) == "workload_identity"

    def test_auth_source_from_environment(self, monkeypatch):
        params = parse(monkeypatch, {"AZURE_AUTH_SOURCE": "msi"})
        assert select_method(params, which=no_az) == "msi"

    def test_defaults(self, monkeypatch):
        params = parse(monkeypatch, {})
        assert params["auth_source"] == "auto"
        assert params["cloud_environment"] == "AzureCloud"

    def test_secret_and_certificate_are_mutually_exclusive(self, monkeypatch):
        monkeypatch.delenv("AZURE_SECRET", raising=False)
        result = ArgumentSpecValidator(AUTH_ARGUMENT_SPEC, mutually_exclusive=AUTH_MUTUALLY_EXCLUSIVE).validate(
            {"secret": "s", "certificate_path": "/x"})
        assert result.error_messages

    def test_secrets_are_no_log(self):
        assert {name for name, spec in AUTH_ARGUMENT_SPEC.items() if spec.get("no_log")} == \
            {"secret", "certificate_password", "password"}


class TestSelectMethod:
    def base(self, **extra):
        params = {name: None for name in AUTH_ARGUMENT_SPEC}
        params.update(auth_source="auto", cloud_environment="AzureCloud", subscription_id=SUB)
        params.update(extra)
        return params

    def test_no_credentials_lists_every_way(self):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(), which=no_az, environ={})
        message = str(info.value)
        assert message.startswith(NO_CREDENTIALS_MESSAGE)
        for words in ("AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT", "certificate_path", "federated_token_file",
                      "ad_user and password", "az login", "auth_source=msi", "module_defaults"):
            assert words in message
        assert info.value.code == "NoCredentials"

    def test_auto_order(self):
        full = dict(client_id=CLIENT, tenant=TENANT, secret="s", certificate_path="/c", federated_token_file="/f",
                    ad_user="u", password="p")
        assert select_method(self.base(**full), which=no_az) == "secret"
        full.pop("secret")
        assert select_method(self.base(**full), which=no_az) == "certificate"
        full.pop("certificate_path")
        assert select_method(self.base(**full), which=no_az) == "workload_identity"
        full.pop("federated_token_file")
        assert select_method(self.base(**full), which=no_az) == "password"

    def test_auto_falls_back_to_cli_then_msi(self):
        assert select_method(self.base(), which=lambda name: "/usr/bin/az", environ={}) == "cli"
        assert select_method(self.base(), which=no_az, environ={"IDENTITY_ENDPOINT": "http://localhost:42"}) == "msi"
        assert select_method(self.base(), which=no_az, environ={"MSI_ENDPOINT": "http://localhost:42"}) == "msi"

    def test_env_never_falls_back(self):
        with pytest.raises(DigitalTwinsError, match="No Azure credentials"):
            select_method(self.base(auth_source="env"), which=lambda name: "/usr/bin/az",
                          environ={"IDENTITY_ENDPOINT": "http://x"})

    @pytest.mark.parametrize("given, missing", [
        (dict(secret="s"), "client_id and tenant"),
        (dict(secret="s", client_id=CLIENT), "tenant"),
        (dict(certificate_path="/c", tenant=TENANT), "client_id"),
        (dict(federated_token_file="/f", client_id=CLIENT), "tenant"),
        (dict(ad_user="u"), "password"),
        (dict(password="p"), "ad_user"),
    ])
    def test_partial_credentials_name_what_is_missing(self, given, missing):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(**given), which=lambda name: "/usr/bin/az")
        assert "needs %s" % missing in str(info.value)

    def test_explicit_sources(self):
        assert select_method(self.base(auth_source="cli"), which=lambda name: "/usr/bin/az") == "cli"
        assert select_method(self.base(auth_source="msi"), which=no_az) == "msi"
        with pytest.raises(DigitalTwinsError, match="needs client_id and tenant and federated_token_file"):
            select_method(self.base(auth_source="workload_identity"), which=no_az)


class TestValidate:
    def test_subscription_must_be_a_guid(self):
        with pytest.raises(DigitalTwinsError, match="must be a GUID"):
            validate_auth_params({"subscription_id": "my-subscription"})
        validate_auth_params({"subscription_id": SUB})

    def test_tenant_id_or_domain(self):
        validate_auth_params({"tenant": TENANT})
        validate_auth_params({"tenant": "contoso.onmicrosoft.com"})
        with pytest.raises(DigitalTwinsError, match="neither a tenant id"):
            validate_auth_params({"tenant": "https://login.microsoftonline.com/x"})

    def test_files_must_exist(self, tmp_path):
        with pytest.raises(DigitalTwinsError, match="certificate_path .* does not exist"):
            validate_auth_params({"certificate_path": str(tmp_path / "nope.pem")})
        with pytest.raises(DigitalTwinsError, match="federated_token_file .* does not exist"):
            validate_auth_params({"federated_token_file": str(tmp_path)})

    def test_subscription_required(self):
        with pytest.raises(DigitalTwinsError, match="subscription_id.*AZURE_SUBSCRIPTION_ID"):
            resolve_subscription({"subscription_id": None})
        assert resolve_subscription({"subscription_id": " %s " % SUB}) == SUB


class TestBuildCredential:
    def params(self, **extra):
        params = {name: None for name in AUTH_ARGUMENT_SPEC}
        params.update(client_id=CLIENT, tenant=TENANT)
        params.update(extra)
        return params

    def test_secret_on_public_cloud_keeps_instance_discovery(self):
        credential = build_credential(self.params(secret="s"), KNOWN_CLOUDS["AzureCloud"], "secret")
        assert isinstance(credential, identity.ClientSecretCredential)
        assert credential._authority == "https://login.microsoftonline.com"  # pylint: disable=protected-access
        assert credential._instance_discovery is None  # pylint: disable=protected-access

    def test_private_cloud_authority_and_no_instance_discovery(self):
        credential = build_credential(self.params(secret="s"), PRIVATE, "secret")
        assert credential._authority == "https://login.private.test"  # pylint: disable=protected-access
        assert credential._instance_discovery is False  # pylint: disable=protected-access

    def test_workload_identity(self, tmp_path):
        token = tmp_path / "token"
        token.write_text("eyJ")
        credential = build_credential(self.params(federated_token_file=str(token)), PRIVATE, "workload_identity")
        assert isinstance(credential, identity.WorkloadIdentityCredential)

    def test_password_without_deprecation_noise(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            credential = build_credential(self.params(client_id=None, ad_user="u@contoso.com", password="p"),
                                          KNOWN_CLOUDS["AzureCloud"], "password")
        assert isinstance(credential, identity.UsernamePasswordCredential)

    def test_cli_and_msi(self):
        assert isinstance(build_credential(self.params(), KNOWN_CLOUDS["AzureCloud"], "cli"), identity.AzureCliCredential)
        assert isinstance(build_credential(self.params(), KNOWN_CLOUDS["AzureCloud"], "msi"), identity.ManagedIdentityCredential)

    def test_token_cache_only_when_asked(self):
        cached = build_credential(self.params(secret="s", token_cache=True), PRIVATE, "secret")
        options = cached._cache_options  # pylint: disable=protected-access
        assert options.name.startswith("twinops.digital_twins.") and options.allow_unencrypted_storage
        assert options.name == token_cache_name("https://login.private.test/")
        assert token_cache_name("https://127.0.0.1:1000/") != token_cache_name("https://127.0.0.1:2000/")
        plain = build_credential(self.params(secret="s", token_cache=False), PRIVATE, "secret")
        assert plain._cache_options is None  # pylint: disable=protected-access

    def test_token_cache_is_ignored_by_methods_with_their_own(self):
        assert isinstance(build_credential(self.params(token_cache=True), KNOWN_CLOUDS["AzureCloud"], "msi"),
                          identity.ManagedIdentityCredential)


class TestEveryCombination:
    """Each way the sign-in options can be incomplete or contradictory gives one clear error, checked before any
    request, that names what is missing (and never echoes a secret)."""

    def base(self, **extra):
        params = {name: None for name in AUTH_ARGUMENT_SPEC}
        params.update(auth_source="auto", cloud_environment="AzureCloud", subscription_id=SUB)
        params.update(extra)
        return params

    def test_nothing_at_all_names_the_subscription_and_every_way_in_one_message(self):
        with pytest.raises(DigitalTwinsError) as info:
            resolve_subscription(self.base(subscription_id=None), which=no_az, environ={})
        message = str(info.value)
        assert info.value.code == "NoCredentials"
        assert "no subscription_id and no way to sign in" in message
        for words in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT", "certificate_path",
                      "federated_token_file", "ad_user and password", "az login", "auth_source=msi",
                      "module_defaults for group/twinops.digital_twins.all"):
            assert words in message

    def test_no_subscription_and_a_half_service_principal_name_both(self):
        with pytest.raises(DigitalTwinsError) as info:
            resolve_subscription(self.base(subscription_id=None, secret="s3cret"), which=no_az, environ={})
        message = str(info.value)
        assert "subscription_id is required" in message and "AZURE_SUBSCRIPTION_ID" in message
        assert "needs client_id and tenant as well" in message
        assert "s3cret" not in message

    def test_no_subscription_with_working_sign_in_names_only_the_subscription(self):
        with pytest.raises(DigitalTwinsError) as info:
            resolve_subscription(self.base(subscription_id=None, secret="s", client_id=CLIENT, tenant=TENANT),
                                 which=no_az, environ={})
        assert str(info.value).startswith("subscription_id is required")
        assert "Also" not in str(info.value)

    @pytest.mark.parametrize("given, words", [
        (dict(client_id=CLIENT), "client_id is set, but none of secret, certificate_path or federated_token_file"),
        (dict(tenant=TENANT), "tenant is set, but none of secret"),
        (dict(client_id=CLIENT, tenant=TENANT), "client_id and tenant are set, but none of secret"),
    ])
    def test_a_service_principal_without_its_secret(self, given, words):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(**given), which=no_az, environ={})
        assert words in str(info.value)
        assert "(6) a managed identity" in str(info.value)
        assert info.value.code == "NoCredentials"

    @pytest.mark.parametrize("given, missing", [
        (dict(secret="s"), "client_id and tenant"),
        (dict(secret="s", tenant=TENANT), "client_id"),
        (dict(certificate_path="/c"), "client_id and tenant"),
        (dict(certificate_path="/c", client_id=CLIENT), "tenant"),
        (dict(federated_token_file="/f"), "client_id and tenant"),
        (dict(federated_token_file="/f", tenant=TENANT), "client_id"),
        (dict(ad_user="u", client_id=CLIENT), "password"),
        (dict(password="p", tenant=TENANT), "ad_user"),
    ])
    def test_a_method_that_lacks_a_piece(self, given, missing):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(**given), which=no_az, environ={})
        assert "needs %s as well" % missing in str(info.value)
        for secret in ("s", "p"):
            assert "'%s'" % secret not in str(info.value)

    @pytest.mark.parametrize("given", [dict(certificate_password="pw"),
                                       dict(certificate_password="pw", secret="s", client_id=CLIENT, tenant=TENANT),
                                       dict(certificate_password="pw", auth_source="msi")])
    def test_certificate_password_without_certificate(self, given):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(**given), which=no_az, environ={})
        assert "certificate_password is set" in str(info.value) and "certificate_path is not" in str(info.value)
        assert "pw" not in str(info.value)

    def test_cli_without_az_on_path(self):
        with pytest.raises(DigitalTwinsError) as info:
            select_method(self.base(auth_source="cli"), which=no_az, environ={})
        assert "'az' is not on the PATH" in str(info.value) and "az login" in str(info.value)

    def test_workload_identity_source_needs_all_three(self):
        with pytest.raises(DigitalTwinsError, match="needs tenant and federated_token_file as well"):
            select_method(self.base(auth_source="workload_identity", client_id=CLIENT), which=no_az)

    def test_env_source_with_only_a_client_id(self):
        with pytest.raises(DigitalTwinsError, match="client_id is set, but none of secret"):
            select_method(self.base(auth_source="env", client_id=CLIENT), which=lambda name: "/usr/bin/az",
                          environ={"IDENTITY_ENDPOINT": "http://x"})

    def test_methods_that_are_complete(self):
        assert select_method(self.base(secret="s", client_id=CLIENT, tenant=TENANT), which=no_az) == "secret"
        assert select_method(self.base(certificate_path="/c", certificate_password="pw", client_id=CLIENT,
                                       tenant=TENANT), which=no_az) == "certificate"
        assert select_method(self.base(ad_user="u", password="p"), which=no_az) == "password"


def _certificate_files(tmp_path):
    """A self-signed certificate with its key: unencrypted, encrypted with "right", and the certificate alone."""
    import datetime  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "twinops-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    files = {}
    for label, encryption in (("plain", serialization.NoEncryption()),
                              ("encrypted", serialization.BestAvailableEncryption(b"right"))):
        path = tmp_path / ("%s.pem" % label)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
                         + cert_pem)
        files[label] = str(path)
    files["certificate-only"] = str(tmp_path / "certificate-only.pem")
    (tmp_path / "certificate-only.pem").write_bytes(cert_pem)
    files["junk"] = str(tmp_path / "junk.pem")
    (tmp_path / "junk.pem").write_text("not a certificate")
    return files


@pytest.fixture(scope="module", name="files")
def certificate_files(tmp_path_factory):
    return _certificate_files(tmp_path_factory.mktemp("certificates"))


class TestCertificate:
    def params(self, path, password=None):
        params = {name: None for name in AUTH_ARGUMENT_SPEC}
        params.update(client_id=CLIENT, tenant=TENANT, certificate_path=path, certificate_password=password)
        return params

    def test_loads_with_and_without_password(self, files):
        for path, password in ((files["plain"], None), (files["encrypted"], "right")):
            credential = build_credential(self.params(path, password), KNOWN_CLOUDS["AzureCloud"], "certificate")
            assert isinstance(credential, identity.CertificateCredential)

    @pytest.mark.parametrize("label, password, words", [
        ("plain", "n0t-needed", "certificate_password is set, but the private key in certificate_path"),
        ("encrypted", None, "is encrypted: give its password with certificate_password"),
        ("encrypted", "wr0ng-password", "certificate_password does not decrypt the private key"),
        ("certificate-only", None, "does not hold a certificate and its private key"),
        ("junk", None, "does not hold a certificate and its private key"),
    ])
    def test_clear_errors_never_a_type_error(self, files, label, password, words):
        with pytest.raises(DigitalTwinsError) as info:
            build_credential(self.params(files[label], password), KNOWN_CLOUDS["AzureCloud"], "certificate")
        message = str(info.value)
        assert words in message
        assert files[label] in message
        assert info.value.code == "InvalidCertificate"
        if password:
            assert password not in message
