# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication (shared by every module) against the emulator's Entra ID, and module_defaults in real playbooks."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from test_dt_instance import TRACEBACKS, run  # noqa: F401  pylint: disable=import-error,unused-import

WRONG_SECRET = "not-the-secret-" + uuid.uuid4().hex


def automation(emu):
    return [sp for sp in emu.seed["service_principals"] if sp["key"] == "automation"][0]


def tokens(requests):
    return [r for r in requests if "/oauth2/" in r["path"] and r["method"] == "POST"]


def signed_in_ok(result):
    assert not result.get("failed"), result
    assert result["changed"] is False and result["instances"] == []


def test_secret_with_awx_variables_uses_one_token(run, emu):
    result = run("dt_instance_info")
    signed_in_ok(result)
    log = emu.requests()
    assert len(tokens(log)) == 1
    assert [r["caller_oid"] for r in log if r["path"].startswith("/subscriptions/")] == [automation(emu)["id"]]
    assert automation(emu)["secret"] not in json.dumps(result)


def test_token_cache_signs_in_once_for_many_tasks(run, emu, tmp_path):
    """token_cache: the second task (another module process in a real run) reuses the first one's token; the cache
    holds no secret and only its owner can read it."""
    env = {"HOME": str(tmp_path)}
    for attempt in range(3):
        signed_in_ok(run("dt_instance_info", env=env, token_cache=True))
        assert attempt < 3
    assert len(tokens(emu.requests())) == 1
    [cache] = (tmp_path / ".IdentityService").glob("twinops.digital_twins.*.nocae")
    assert cache.stat().st_mode & 0o077 == 0
    assert automation(emu)["secret"] not in cache.read_text()
    signed_in_ok(run("dt_instance_info", env=env))  # without the option: its own sign-in
    assert len(tokens(emu.requests())) == 2


def test_secret_with_azure_identity_variables(run, emu):
    env = {"AZURE_SECRET": None, "AZURE_TENANT": None, "AZURE_CLIENT_SECRET": automation(emu)["secret"],
           "AZURE_TENANT_ID": emu.state()["tenant_id"]}
    signed_in_ok(run("dt_instance_info", env=env))


def test_secret_as_options(run, emu):
    env = {name: None for name in ("AZURE_SECRET", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID")}
    sp = automation(emu)
    signed_in_ok(run("dt_instance_info", env=env, client_id=sp["app_id"], secret=sp["secret"],
                     tenant=emu.state()["tenant_id"], subscription_id=emu.state()["subscription_id"]))


def test_certificate(run, emu):
    pem = os.path.join(emu.state_dir, automation(emu)["certificate_file"])
    assert os.path.exists(pem)
    result = run("dt_instance_info", env={"AZURE_SECRET": None, "AZURE_CLIENT_CERTIFICATE_PATH": pem})
    signed_in_ok(result)
    assert [r["caller_oid"] for r in emu.requests() if r["path"].startswith("/subscriptions/")] == [automation(emu)["id"]]


def test_workload_identity(run, emu, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text(emu.federated_token(automation(emu)["app_id"]))
    env = {"AZURE_SECRET": None, "AZURE_FEDERATED_TOKEN_FILE": str(token_file)}
    signed_in_ok(run("dt_instance_info", env=env))
    signed_in_ok(run("dt_instance_info", env=env, auth_source="workload_identity"))


def test_workload_identity_with_a_foreign_token(run, emu, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
    result = run("dt_instance_info", env={"AZURE_SECRET": None, "AZURE_FEDERATED_TOKEN_FILE": str(token_file)})
    assert result["failed"] and result["msg"].startswith("Could not sign in to Azure: AADSTS700027: Client assertion failed")
    assert result["error_code"] == "AADSTS700027" and result["request_id"]
    assert not [r for r in emu.requests() if r["path"].startswith("/subscriptions/")]


def test_wrong_secret(run, emu):
    result = run("dt_instance_info", env={"AZURE_SECRET": WRONG_SECRET}, **TRACEBACKS)
    assert result["failed"]
    assert result["error_code"] == "AADSTS7000215", result["msg"]
    assert result["msg"].startswith("Could not sign in to Azure: AADSTS7000215")
    assert "Check the credentials" in result["msg"]
    assert WRONG_SECRET not in json.dumps(result)
    assert "\n" not in result["msg"]
    assert not [r for r in emu.requests() if r["path"].startswith("/subscriptions/")]


def test_unknown_tenant(run, emu):
    tenant = str(uuid.uuid4())
    result = run("dt_instance_info", env={"AZURE_TENANT": tenant})
    assert result["failed"]
    assert result["msg"] == ("Could not sign in to Azure: the login endpoint %s does not know tenant '%s'. (code: TenantNotFound) "
                             "Check tenant / AZURE_TENANT (the directory id or domain) and cloud_environment."
                             % (emu.env["AZURE_CLOUD_ENVIRONMENT"].rstrip("/"), tenant))
    assert not [r for r in emu.requests() if r["path"].startswith("/subscriptions/")]


def test_no_credentials_lists_the_ways(run, emu):
    env = {"AZURE_CLIENT_ID": None, "AZURE_SECRET": None, "AZURE_TENANT": None, "PATH": "/nonexistent"}
    result = run("dt_instance", env=env, name="dt-x", resource_group="rg", location="westus2")
    assert result["failed"] and result["error_code"] == "NoCredentials"
    for words in ("AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT", "certificate_path", "federated_token_file",
                  "ad_user and password", "az login", "auth_source=msi", "group/twinops.digital_twins.all"):
        assert words in result["msg"]
    assert emu.requests() == []


def test_nothing_at_all_says_everything_in_one_message(run, emu):
    env = {"AZURE_SUBSCRIPTION_ID": None, "AZURE_CLIENT_ID": None, "AZURE_SECRET": None, "AZURE_TENANT": None,
           "PATH": "/nonexistent"}
    result = run("dt_instance", env=env, name="dt-x", resource_group="rg", location="westus2")
    assert result["failed"] and result["error_code"] == "NoCredentials"
    for words in ("no subscription_id and no way to sign in", "AZURE_SUBSCRIPTION_ID",
                  "AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT", "certificate_path", "federated_token_file",
                  "ad_user and password", "az login", "auth_source=msi", "group/twinops.digital_twins.all"):
        assert words in result["msg"]
    assert emu.requests() == []


@pytest.mark.parametrize("env, words", [
    ({"AZURE_TENANT": None}, "needs tenant as well"),
    ({"AZURE_CLIENT_ID": None}, "needs client_id as well"),
    ({"AZURE_SUBSCRIPTION_ID": None}, "subscription_id is required"),
    ({"AZURE_CLOUD_ENVIRONMENT": "AzureMoonCloud"}, "neither a known cloud"),
    ({"AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent.pem", "AZURE_SECRET": None}, "does not exist"),
])
def test_incomplete_settings_fail_before_any_request(run, emu, env, words):
    result = run("dt_instance_info", env=env)
    assert result["failed"] and words in result["msg"], result["msg"]
    assert emu.requests() == []


def test_cli_without_az(run, emu):
    result = run("dt_instance_info", env={"PATH": "/nonexistent"}, auth_source="cli")
    assert result["failed"] and "'az' is not on the PATH" in result["msg"]
    assert "Azure CLI" in result["msg"]
    assert emu.requests() == []


def test_unreachable_cloud_metadata_url(run, emu):
    result = run("dt_instance_info", env={"AZURE_CLOUD_ENVIRONMENT": "https://127.0.0.1:1"})
    assert result["failed"] and result["error_code"] == "ConnectionError"
    assert result["msg"].startswith("Could not read the cloud metadata from https://127.0.0.1:1/metadata/endpoints")
    assert "Connection refused" in result["msg"] and len(result["msg"]) < 400


def test_cloud_environment_as_metadata_url(run, emu):
    url = emu.env["AZURE_CLOUD_ENVIRONMENT"].rstrip("/") + "/metadata/endpoints?api-version=2019-05-01"
    signed_in_ok(run("dt_instance_info", env={"AZURE_CLOUD_ENVIRONMENT": url}))
    metadata = [r for r in emu.requests() if r["path"] == "/metadata/endpoints"]
    assert [r["query"] for r in metadata] == ["api-version=2019-05-01"]


def test_untrusted_certificate(run, emu):
    result = run("dt_instance_info", env={"REQUESTS_CA_BUNDLE": None, "SSL_CERT_FILE": None, "CURL_CA_BUNDLE": None})
    assert result["failed"] and result["error_code"] == "ConnectionError"
    assert "certificate verify failed" in result["msg"] and "REQUESTS_CA_BUNDLE" in result["msg"]


PLAYBOOK = """
- name: Set up an instance with credentials from module_defaults
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/twinops.digital_twins.all:
      subscription_id: "{{ sub }}"
      tenant: "{{ tenant }}"
      client_id: "{{ client }}"
      secret: "{{ secret }}"
  tasks:
    - name: Resource group
      twinops.digital_twins.resource_group:
        name: rg-play
        location: westus2
    - name: Instance
      twinops.digital_twins.dt_instance:
        name: dt-play
        resource_group: rg-play
        location: westus2
        tags:
          owner: ops
      register: twins
    - name: Read it back
      twinops.digital_twins.dt_instance_info:
        name: dt-play
      register: found
    - name: Check the returned facts
      ansible.builtin.assert:
        that:
          - ansible_check_mode or found.instances | length == 1
          - ansible_check_mode or found.instances[0].endpoint == twins.instance.endpoint
"""


def playbook_env(emu):
    """Only the cloud and its CA come from the environment; the credentials come from module_defaults."""
    return {"AZURE_CLIENT_ID": None, "AZURE_SECRET": None, "AZURE_TENANT": None, "AZURE_SUBSCRIPTION_ID": None}


def playbook_vars(emu, secret=None):
    sp = automation(emu)
    return {"sub": emu.state()["subscription_id"], "tenant": emu.state()["tenant_id"], "client": sp["app_id"],
            "secret": secret or sp["secret"]}


def test_module_defaults_group(run_playbook, emu):
    emu.settings(provisioning_delay_seconds=0)
    first = run_playbook(PLAYBOOK, extra_vars=playbook_vars(emu), env=playbook_env(emu))
    assert first.rc == 0, first.output
    assert first.recap()["localhost"]["changed"] == 2
    second = run_playbook(PLAYBOOK, extra_vars=playbook_vars(emu), env=playbook_env(emu))
    assert second.rc == 0, second.output
    assert second.recap()["localhost"]["changed"] == 0


def test_check_diff_output(run_playbook, emu):
    emu.settings(provisioning_delay_seconds=0)
    result = run_playbook(PLAYBOOK, check=True, diff=True, extra_vars=playbook_vars(emu), env=playbook_env(emu))
    assert result.rc == 0, result.output
    assert result.recap()["localhost"]["changed"] == 2
    assert '"name": "dt-play"' in result.stdout and '"owner": "ops"' in result.stdout
    assert "--- before" in result.stdout and "+++ after" in result.stdout
    assert '+    "name": "dt-play",' in result.stdout and '+    "location": "westus2",' in result.stdout
    assert automation(emu)["secret"] not in result.output
    assert emu.state()["instances"] == []
    assert not [r for r in emu.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]


def test_wrong_secret_in_a_verbose_playbook_is_never_shown(run_playbook, emu):
    result = run_playbook(PLAYBOOK, extra_vars=playbook_vars(emu, secret=WRONG_SECRET), env=playbook_env(emu),
                          args=("-vvv",))
    assert result.rc != 0
    assert "AADSTS7000215" in result.output
    assert WRONG_SECRET not in result.output
