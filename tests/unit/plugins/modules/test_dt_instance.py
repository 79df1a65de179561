# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dt_instance, dt_instance_info and resource_group modules end to end, with SDK clients replaced by fakes."""

from __future__ import annotations

import contextlib
import io
import json
from types import SimpleNamespace

import pytest
from ansible.module_utils import basic
from azure.mgmt.digitaltwins import models as dt_models

from ansible_collections.twinops.digital_twins.plugins.module_utils import _clients
from ansible_collections.twinops.digital_twins.plugins.modules import dt_instance, dt_instance_info, resource_group
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import (
    RG,
    SUB,
    TENANT,
    FakeDigitalTwinsClient,
    http_error,
    instance_body,
)

SECRET = "unit-test-secret-value"


@pytest.fixture
def azure(monkeypatch):
    """Credentials in the environment, and AzureSession handing out fakes instead of SDK clients."""
    for key in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    monkeypatch.setenv("AZURE_CLIENT_ID", "c")
    monkeypatch.setenv("AZURE_SECRET", SECRET)
    monkeypatch.setenv("AZURE_TENANT", TENANT)
    clients = SimpleNamespace(digitaltwins=FakeDigitalTwinsClient(), resource=None)
    monkeypatch.setattr(_clients.AzureSession, "client", lambda self, kind: getattr(clients, kind))
    monkeypatch.setattr(_clients.AzureSession, "models", lambda self, kind: dt_models)
    return clients


def run(module, check=False, diff=True, **args):
    args.update(_ansible_check_mode=check, _ansible_diff=diff)
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
    if hasattr(basic, "_ANSIBLE_PROFILE"):
        basic._ANSIBLE_PROFILE = "legacy"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module.main()
    basic._ANSIBLE_ARGS = None
    return json.loads(out.getvalue())


def test_create_check_mode_then_apply(azure):
    checked = run(dt_instance, check=True, name="dt1", resource_group=RG, location="westus2", tags={"a": "b"})
    assert checked["changed"] is True
    assert checked["instance"]["host_name"] is None
    assert checked["diff"]["before"] == {}
    assert azure.digitaltwins.writes() == []
    applied = run(dt_instance, name="dt1", resource_group=RG, location="westus2", tags={"a": "b"})
    assert applied["changed"] is True
    assert applied["instance"]["host_name"] == "dt1.api.wus2.digitaltwins.azure.net"
    assert {k: v for k, v in checked["diff"]["after"].items() if v is not None} == \
        {k: v for k, v in applied["diff"]["after"].items() if k not in ("host_name", "endpoint")}
    again = run(dt_instance, name="dt1", resource_group=RG, location="westus2", tags={"a": "b"})
    assert again["changed"] is False
    assert len(azure.digitaltwins.writes()) == 1


def test_no_diff_key_without_diff_mode(azure):
    result = run(dt_instance, diff=False, check=True, name="dt1", resource_group=RG, location="westus2")
    assert "diff" not in result


def test_failure_carries_code_and_request_id_but_no_secret(azure, monkeypatch):
    def forbidden(rg, name):
        raise http_error(403, "AuthorizationFailed", "The client 'c' with secret %s has no access." % SECRET,
                         headers={"x-ms-request-id": "req-1"})
    monkeypatch.setattr(azure.digitaltwins, "do_get", forbidden)
    result = run(dt_instance, name="dt1", resource_group=RG, location="westus2")
    assert result["failed"] is True
    assert result["error_code"] == "AuthorizationFailed"
    assert result["request_id"] == "req-1" and result["status_code"] == 403
    assert result["msg"].startswith("Could not read instance 'dt1' in resource group 'rg-twins': The client")
    assert SECRET not in json.dumps(result)


def test_validation_before_any_call(azure):
    result = run(dt_instance, name="no_underscores", resource_group=RG, location="westus2")
    assert result["failed"] and result["error_code"] == "InvalidName"
    assert azure.digitaltwins.calls == []


def test_identity_choices_are_enforced_by_ansible(azure):
    result = run(dt_instance, name="dt1", resource_group=RG, identity={"type": "Managed"})
    assert result["failed"] and "identity" in result["msg"]
    assert azure.digitaltwins.calls == []


def test_check_mode_with_missing_resource_group_warns(azure, monkeypatch):
    # Recorded at the wrapper: once controller code is imported (the inventory plugin's tests), ansible-core routes
    # module warnings elsewhere than the result's "warnings".
    from ansible_collections.twinops.digital_twins.plugins.module_utils import _module
    warned = []
    monkeypatch.setattr(_module.AzureDTModule, "warn", lambda self, message: warned.append(message))
    azure.digitaltwins.rg_missing = True
    result = run(dt_instance, check=True, name="dt1", resource_group="rg-later", location="westus2")
    assert result["changed"] is True
    assert warned and "rg-later" in warned[0]
    failed = run(dt_instance, name="dt1", resource_group="rg-later", location="westus2")
    assert failed["failed"] and failed["error_code"] == "ResourceGroupNotFound"


def test_info_shapes_match(azure):
    azure.digitaltwins.instances = {"dt1": instance_body("dt1"), "dt2": instance_body("dt2", rg="rg-other")}
    everything = run(dt_instance_info)
    assert [i["name"] for i in everything["instances"]] == ["dt2", "dt1"]  # rg-other sorts before rg-twins
    one = run(dt_instance_info, name="dt1", resource_group=RG)
    assert one["instances"] == [everything["instances"][1]]
    assert one["changed"] is False


class FakeGroups:
    def __init__(self):
        self.groups = {}
        self.calls = []

    def get(self, name):
        self.calls.append(("get", name))
        if name.lower() not in self.groups:
            raise http_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % name)
        return self.groups[name.lower()]

    def create_or_update(self, name, body):
        self.calls.append(("create_or_update", name, body))
        group = SimpleNamespace(id="/subscriptions/%s/resourceGroups/%s" % (SUB, name), name=name,
                                location=body["location"], tags=body.get("tags") or {},
                                properties=SimpleNamespace(provisioning_state="Succeeded"))
        self.groups[name.lower()] = group
        return group

    def update(self, name, body):
        self.calls.append(("update", name, body))
        self.groups[name.lower()].tags = body["tags"]
        return self.groups[name.lower()]


def test_resource_group_create_and_tags(azure):
    groups = FakeGroups()
    regions = SimpleNamespace(resource_type="resourceGroups", locations=["North Europe", "West US 2"])
    azure.resource = SimpleNamespace(resource_groups=groups,
                                     providers=SimpleNamespace(get=lambda namespace: SimpleNamespace(resource_types=[regions])))
    checked = run(resource_group, check=True, name="rg1", location="North Europe", tags={"a": 1})
    created = run(resource_group, name="rg1", location="North Europe", tags={"a": 1})
    assert checked["resource_group"] == created["resource_group"] == {
        "id": "/subscriptions/%s/resourceGroups/rg1" % SUB, "name": "rg1", "location": "northeurope", "tags": {"a": "1"},
        "provisioning_state": "Succeeded"}
    expected = ("create_or_update", "rg1", {"location": "northeurope", "tags": {"a": "1"}})
    assert [c for c in groups.calls if c[0] != "get"] == [expected]
    merged = run(resource_group, name="rg1", tags={"b": "2"}, purge_tags=False)
    assert merged["changed"] and merged["resource_group"]["tags"] == {"a": "1", "b": "2"}
    assert groups.calls[-1] == ("update", "rg1", {"tags": {"a": "1", "b": "2"}})
