# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest
from azure.core import exceptions as azure_exceptions
from azure.mgmt.digitaltwins import models

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import Deadline
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import (
    InstanceRequest,
    changes_for,
    ensure_absent,
    ensure_present,
    find_by_name,
    get_instance,
    identity_differs,
    list_instances,
    normalise_identity_type,
    predict_identity,
    to_dict,
    validate_identity,
    validate_name,
    wait_while_busy,
)
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import (
    RG,
    SUB,
    TENANT,
    FakeDigitalTwinsClient,
    FakeResponse,
    instance_body,
    model,
)

UAI_A = "/subscriptions/%s/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a" % SUB
UAI_B = "/subscriptions/%s/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b" % SUB
SYSTEM = {"type": "SystemAssigned", "principalId": "9a000000-0000-4000-8000-000000000001", "tenantId": TENANT}
SERVER_ASSIGNED = ("host_name", "endpoint", "created_time", "updated_time")


def request(**extra):
    values = dict(subscription_id=SUB, resource_group=RG, name="dt1", location="westus2")
    values.update(extra)
    return InstanceRequest(**values)


def current_of(client, name="dt1"):
    return get_instance(client, RG, name)


class TestValidation:
    @pytest.mark.parametrize("name", ["abc", "a-b", "A1-b2-C3", "x" * 63])
    def test_good_names(self, name):
        assert validate_name(name) == name

    @pytest.mark.parametrize("name, words", [
        ("ab", "it has 2 characters"), ("x" * 64, "it has 64 characters"), ("-abc", "hyphen"), ("abc-", "hyphen"),
        ("my_twins", "'_'"), ("my.twins", "'.'"), ("", "it has 0 characters"), (None, "it has 0 characters"),
    ])
    def test_bad_names(self, name, words):
        with pytest.raises(DigitalTwinsError) as info:
            validate_name(name)
        assert words in str(info.value)
        assert "3-63 letters, digits and hyphens" in str(info.value)

    def test_identity_type_normalised(self):
        assert normalise_identity_type("systemassigned, userassigned") == "SystemAssigned,UserAssigned"
        assert normalise_identity_type("none") == "None"
        with pytest.raises(DigitalTwinsError, match="is not one of"):
            normalise_identity_type("Managed")

    @pytest.mark.parametrize("identity, words", [
        ({"type": "UserAssigned", "user_assigned_identities": []}, "needs at least one id"),
        ({"type": "SystemAssigned", "user_assigned_identities": [UAI_A]}, "only allowed with"),
        ({"type": "UserAssigned", "user_assigned_identities": ["my-identity"]}, "not the resource id"),
        ({"type": "UserAssigned", "user_assigned_identities": [UAI_A, UAI_A.upper()]}, "same identity twice"),
    ])
    def test_bad_identity(self, identity, words):
        with pytest.raises(DigitalTwinsError, match=words):
            validate_identity(identity)

    def test_good_identity(self):
        assert validate_identity(None) is None
        assert validate_identity({"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [UAI_A]}) == \
            {"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [UAI_A]}


class TestToDict:
    def test_full_instance(self):
        body = instance_body(tags={"env": "prod"}, identity={
            "type": "SystemAssigned,UserAssigned", "principalId": "p", "tenantId": TENANT,
            "userAssignedIdentities": {UAI_A: {"clientId": "c", "principalId": "u"}}}, location="West US 2")
        state = to_dict(model(body))
        assert state == {
            "id": body["id"], "name": "dt1", "resource_group": RG, "location": "westus2",
            "host_name": "dt1.api.wus2.digitaltwins.azure.net", "endpoint": "https://dt1.api.wus2.digitaltwins.azure.net",
            "provisioning_state": "Succeeded",
            "identity": {"type": "SystemAssigned,UserAssigned", "principal_id": "p", "tenant_id": TENANT,
                         "user_assigned_identities": {UAI_A: {"client_id": "c", "principal_id": "u"}}},
            "tags": {"env": "prod"}, "public_network_access": "Enabled",
            "created_time": "2026-11-26T22:00:00Z", "updated_time": "2026-11-26T22:00:01.500000Z",
        }

    def test_provisioning_instance_without_identity(self):
        state = to_dict(model(instance_body(state="Provisioning", host=False)))
        assert state["host_name"] is None and state["endpoint"] is None
        assert state["identity"] == {"type": "None", "principal_id": None, "tenant_id": None, "user_assigned_identities": {}}
        assert state["tags"] == {}

    def test_host_name_with_scheme_as_in_the_spec_examples(self):
        body = instance_body()
        body["properties"]["hostName"] = "https://dt1.api.wus2.digitaltwins.azure.net/"
        state = to_dict(model(body))
        assert state["host_name"] == "dt1.api.wus2.digitaltwins.azure.net"
        assert state["endpoint"] == "https://dt1.api.wus2.digitaltwins.azure.net"

    def test_absent(self):
        assert to_dict(None) == {}


class TestIdentityPrediction:
    def test_keeps_system_principal_when_adding_user_identities(self):
        current = to_dict(model(instance_body(identity=SYSTEM)))["identity"]
        desired = validate_identity({"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [UAI_A]})
        predicted = predict_identity(current, desired)
        assert predicted["principal_id"] == SYSTEM["principalId"]
        assert predicted["user_assigned_identities"] == {UAI_A: {"client_id": None, "principal_id": None}}

    def test_new_system_identity_is_unknown(self):
        predicted = predict_identity(None, validate_identity({"type": "SystemAssigned"}))
        assert predicted == {"type": "SystemAssigned", "principal_id": None, "tenant_id": None, "user_assigned_identities": {}}

    def test_differs_case_insensitively(self):
        current = {"type": "UserAssigned", "user_assigned_identities": {UAI_A.lower(): {}}}
        assert not identity_differs(current, validate_identity({"type": "UserAssigned", "user_assigned_identities": [UAI_A]}))
        assert identity_differs(current, validate_identity({"type": "UserAssigned", "user_assigned_identities": [UAI_B]}))
        assert not identity_differs(current, None)


class TestEnsurePresentCreate:
    def test_check_mode_sends_no_write_and_predicts(self):
        client = FakeDigitalTwinsClient()
        req = request(location="West US 2", tags={"env": "prod"}, identity=validate_identity({"type": "SystemAssigned"}),
                      public_network_access="Disabled")
        changed, predicted = ensure_present(client, models, req, None, check_mode=True)
        assert changed
        assert client.writes() == []
        assert [call[0] for call in client.calls] == ["check_name_availability"]
        assert predicted["id"] == "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1" % (SUB, RG)
        assert predicted["location"] == "westus2"
        assert predicted["provisioning_state"] == "Succeeded"
        for key in SERVER_ASSIGNED:
            assert predicted[key] is None
        assert predicted["identity"]["principal_id"] is None

    def test_prediction_matches_the_real_run(self):
        req = request(tags={"env": "prod"}, identity=validate_identity({"type": "SystemAssigned"}))
        dummy, predicted = ensure_present(FakeDigitalTwinsClient(), models, req, None, check_mode=True)
        client = FakeDigitalTwinsClient()
        changed, actual = ensure_present(client, models, req, None, check_mode=False)
        assert changed
        for key, value in predicted.items():
            if key in SERVER_ASSIGNED or key == "identity":
                continue
            assert actual[key] == value, key
        assert actual["identity"]["type"] == predicted["identity"]["type"]
        assert actual["host_name"] and actual["identity"]["principal_id"]

    def test_put_carries_only_what_was_given(self):
        client = FakeDigitalTwinsClient()
        ensure_present(client, models, request(), None, check_mode=False)
        (name, args, kwargs), = client.writes()
        assert name == "begin_create_or_update"
        assert args[:2] == (RG, "dt1")
        assert args[2].serialize() == {"location": "westus2"}
        assert kwargs == {"polling": True}

    def test_name_taken_fails_before_any_write(self):
        client = FakeDigitalTwinsClient(taken=["dt1"])
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(), None, check_mode=False)
        assert "already taken" in str(info.value) and "Pick another name" in str(info.value)
        assert info.value.code == "NameNotAvailable"
        assert client.writes() == []

    def test_location_required_to_create(self):
        client = FakeDigitalTwinsClient()
        with pytest.raises(DigitalTwinsError, match="location is required to create it"):
            ensure_present(client, models, request(location=None), None, check_mode=True)
        assert client.calls == []

    def test_no_wait_returns_what_azure_said(self):
        client = FakeDigitalTwinsClient()
        changed, state = ensure_present(client, models, request(wait=False), None, check_mode=False)
        assert client.writes()[0][2] == {"polling": False}
        assert state["provisioning_state"] == "Provisioning"
        dummy, predicted = ensure_present(FakeDigitalTwinsClient(), models, request(wait=False), None, check_mode=True)
        assert predicted["provisioning_state"] is None

    def test_failed_provisioning_is_a_failure(self):
        response = FakeResponse(200, {"status": "Failed", "error": {"code": "ProvisioningFailed", "message": "Boom."}},
                                headers={"x-ms-request-id": "r-7"})
        client = FakeDigitalTwinsClient(poller_error=azure_exceptions.HttpResponseError(response=response))
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(), None, check_mode=False)
        assert info.value.code == "ProvisioningFailed"
        assert "ended with status Failed: Boom." in str(info.value)
        assert info.value.request_id == "r-7"

    def test_timeout(self):
        client = FakeDigitalTwinsClient(hang=True)
        with pytest.raises(DigitalTwinsError, match="Timed out after 5 s waiting for instance 'dt1' in resource group"):
            ensure_present(client, models, request(), None, check_mode=False, deadline=Deadline(5))


class TestEnsurePresentUpdate:
    def existing(self, **body):
        return FakeDigitalTwinsClient({"dt1": instance_body(**body)})

    def test_nothing_to_change_sends_nothing(self):
        client = self.existing(tags={"env": "prod"}, identity=SYSTEM, access="Disabled")
        req = request(location="West US 2", tags={"env": "prod"}, identity=validate_identity({"type": "SystemAssigned"}),
                      public_network_access="Disabled")
        current = current_of(client)
        for check_mode in (True, False):
            changed, state = ensure_present(client, models, req, current, check_mode)
            assert not changed
            assert state == current
        assert client.writes() == []

    def test_location_change_is_an_error(self):
        client = self.existing()
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(location="eastus"), current_of(client), check_mode=True)
        assert "is in westus2; location eastus was requested" in str(info.value)
        assert info.value.code == "LocationIsCreateOnly"
        assert client.writes() == []

    def test_patch_only_what_differs(self):
        client = self.existing(tags={"env": "dev"}, identity=SYSTEM, access="Enabled")
        current = current_of(client)
        changed, state = ensure_present(client, models, request(tags={"env": "prod"}), current, check_mode=False)
        assert changed
        (name, args, kwargs), = client.writes()
        assert name == "begin_update"
        assert args[2].serialize() == {"tags": {"env": "prod"}}
        assert state["identity"]["type"] == "SystemAssigned"
        assert state["public_network_access"] == "Enabled"

    def test_unmentioned_identity_and_network_access_are_kept(self):
        client = self.existing(identity=SYSTEM, access="Disabled")
        changed, dummy = ensure_present(client, models, request(location=None), current_of(client), check_mode=False)
        assert not changed
        assert client.writes() == []

    def test_network_access_and_identity_patch(self):
        client = self.existing(identity=SYSTEM)
        req = request(public_network_access="Disabled",
                      identity=validate_identity({"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [UAI_A]}))
        current = current_of(client)
        dummy, predicted = ensure_present(client, models, req, current, check_mode=True)
        assert client.writes() == []
        changed, actual = ensure_present(client, models, req, current, check_mode=False)
        body = client.writes()[0][1][2].serialize()
        assert body == {"identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {UAI_A: {}}},
                        "properties": {"publicNetworkAccess": "Disabled"}}
        assert predicted["identity"]["principal_id"] == actual["identity"]["principal_id"] == SYSTEM["principalId"]
        assert predicted["public_network_access"] == actual["public_network_access"] == "Disabled"
        assert predicted["updated_time"] is None

    def test_merge_tags_without_purge(self):
        client = self.existing(tags={"a": "1"})
        changed, state = ensure_present(client, models, request(tags={"b": "2"}, purge_tags=False), current_of(client), False)
        assert changed and state["tags"] == {"a": "1", "b": "2"}
        assert changes_for(to_dict(model(instance_body(tags={"a": "1", "b": "2"}))), request(tags={"b": "2"}, purge_tags=False)) == {}

    def test_failed_instance_is_put_again_with_its_settings(self):
        client = self.existing(state="Failed", identity=SYSTEM, access="Disabled", tags={"a": "1"}, host=False)
        changed, state = ensure_present(client, models, request(location=None), current_of(client), check_mode=False)
        assert changed
        (name, args, dummy), = client.writes()
        assert name == "begin_create_or_update"
        body = args[2].serialize()
        assert body["identity"]["type"] == "SystemAssigned"
        assert body["properties"]["publicNetworkAccess"] == "Disabled"
        assert body["tags"] == {"a": "1"}
        assert body["location"] == "westus2"
        assert state["provisioning_state"] == "Succeeded"


class TestEnsureAbsent:
    def test_absent_is_no_change(self):
        client = FakeDigitalTwinsClient()
        assert ensure_absent(client, request(), None, check_mode=False) == (False, {})
        assert client.calls == []

    def test_check_mode_sends_no_write(self):
        client = FakeDigitalTwinsClient({"dt1": instance_body()})
        assert ensure_absent(client, request(), current_of(client), check_mode=True) == (True, {})
        assert client.writes() == []

    def test_delete_waits_unless_told_not_to(self):
        client = FakeDigitalTwinsClient({"dt1": instance_body()})
        assert ensure_absent(client, request(wait=False), current_of(client), check_mode=False) == (True, {})
        assert client.writes()[0][2] == {"polling": False}

    def test_deleting_instance_is_waited_for(self, monkeypatch):
        client = FakeDigitalTwinsClient({"dt1": instance_body(state="Deleting")})
        current = current_of(client)
        reads = {"n": 0}
        original = client.do_get

        def get(rg, name):
            reads["n"] += 1
            if reads["n"] >= 2:
                client.instances.clear()
            return original(rg, name)

        monkeypatch.setattr(client, "do_get", get)
        monkeypatch.setattr("time.sleep", lambda seconds: None)
        assert ensure_absent(client, request(), current, check_mode=False) == (False, {})
        assert client.writes() == []


class TestReads:
    def test_missing_rg_raises_with_code(self):
        client = FakeDigitalTwinsClient(rg_missing=True)
        with pytest.raises(DigitalTwinsError) as info:
            get_instance(client, RG, "dt1")
        assert info.value.code == "ResourceGroupNotFound"

    def test_list_sorted_and_find_by_name(self):
        client = FakeDigitalTwinsClient({"b": instance_body("b", rg="rg2"), "a": instance_body("a", rg="rg2"),
                                         "z": instance_body("z", rg="rg1")})
        assert [(i["resource_group"], i["name"]) for i in list_instances(client)] == [("rg1", "z"), ("rg2", "a"), ("rg2", "b")]
        assert find_by_name(client, "A")["name"] == "a"
        assert find_by_name(client, "nope") is None

    def test_ambiguous_name_lists_the_groups(self):
        client = FakeDigitalTwinsClient()
        client.instances = {"1": instance_body("dt1", rg="rg-b"), "2": instance_body("dt1", rg="rg-a")}
        with pytest.raises(DigitalTwinsError, match="resource groups rg-a, rg-b; set resource_group"):
            find_by_name(client, "dt1")

    def test_wait_while_busy(self, monkeypatch):
        bodies = [instance_body(state="Updating"), instance_body(state="Succeeded")]
        client = FakeDigitalTwinsClient({"dt1": bodies[0]})
        current = current_of(client)
        monkeypatch.setattr(client, "do_get", lambda rg, name: model(bodies.pop(0) if len(bodies) > 1 else bodies[0]))
        monkeypatch.setattr("time.sleep", lambda seconds: None)
        assert wait_while_busy(client, request(), current, Deadline(60))["provisioning_state"] == "Succeeded"
        assert wait_while_busy(client, request(wait=False), current, Deadline(60)) is current


def test_fake_instances_are_not_shared():
    body = instance_body()
    client = FakeDigitalTwinsClient({"dt1": copy.deepcopy(body)})
    ensure_present(client, models, request(tags={"x": "y"}), current_of(client), check_mode=False)
    assert body["tags"] is None


# ---- a name taken by the declared instance itself; merged tag limits; what a failed create returns -----------------

class TestNameTakenByTheInstanceItself:
    def test_instance_created_meanwhile_in_the_group_is_converged(self):
        # The first read saw no instance (current=None), a concurrent run created it since: the name is taken by it.
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags={"env": "dev"})}, taken=["dt1"])
        changed, state = ensure_present(client, models, request(tags={"env": "prod"}), None, check_mode=False)
        assert changed and state["tags"] == {"env": "prod"}
        assert [call[0] for call in client.writes()] == ["begin_update"]

    def test_check_mode_predicts_from_the_instance_found(self):
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags={"env": "prod"})}, taken=["dt1"])
        changed, state = ensure_present(client, models, request(tags={"env": "prod"}), None, check_mode=True)
        assert not changed and state["tags"] == {"env": "prod"} and state["host_name"]
        assert client.writes() == []

    def test_taken_elsewhere_is_still_a_conflict(self):
        client = FakeDigitalTwinsClient(taken=["dt1"])
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(), None, check_mode=False)
        assert info.value.code == "NameNotAvailable"
        assert [call[0] for call in client.calls] == ["check_name_availability", "get"]


class TestMergedTagLimits:
    @pytest.mark.parametrize("check_mode", [True, False])
    def test_merge_past_50_tags_is_refused_before_any_write(self, check_mode):
        existing = {"k%02d" % i: "v" for i in range(45)}
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags=existing)})
        new = {"n%02d" % i: "v" for i in range(10)}
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(tags=new, purge_tags=False), current_of(client), check_mode=check_mode)
        assert info.value.code == "TooManyTags"
        assert "55 tags (45 existing + 10 new)" in info.value.message
        assert client.writes() == []

    def test_merge_to_exactly_50_is_fine(self):
        existing = {"k%02d" % i: "v" for i in range(45)}
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags=existing)})
        changed, state = ensure_present(client, models, request(tags={"n%d" % i: "v" for i in range(5)}, purge_tags=False),
                                        current_of(client), check_mode=False)
        assert changed and len(state["tags"]) == 50


class TestFailedCreateSaysItCreated:
    def test_failed_provisioning_returns_created_and_the_instance(self):
        response = FakeResponse(200, {"status": "Failed", "error": {"code": "ProvisioningFailed", "message": "Boom."}})
        client = FakeDigitalTwinsClient(poller_error=azure_exceptions.HttpResponseError(response=response))
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(), None, check_mode=False)
        result = info.value.to_result()
        assert result["created"] is True and result["changed"] is True
        assert result["instance"]["id"].endswith("/digitalTwinsInstances/dt1")
        assert "This task created the instance" in str(info.value)

    def test_failed_update_does_not_claim_a_create(self):
        response = FakeResponse(200, {"status": "Failed", "error": {"code": "ProvisioningFailed", "message": "Boom."}})
        client = FakeDigitalTwinsClient({"dt1": instance_body()}, poller_error=azure_exceptions.HttpResponseError(response=response))
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, models, request(tags={"a": "b"}), current_of(client), check_mode=False)
        assert "created" not in info.value.to_result()


class TestQueries:
    def test_find_instances(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import find_instances
        client = FakeDigitalTwinsClient({"dt1": instance_body(), "dt2": instance_body("dt2")})
        assert [i["name"] for i in find_instances(client, "dt1", RG)] == ["dt1"]
        assert [i["name"] for i in find_instances(client, "DT2")] == ["dt2"]
        assert find_instances(client, "nope", RG) == []
        assert find_instances(FakeDigitalTwinsClient(rg_missing=True), "dt1", RG) == []

    def test_read_current_tolerates_a_missing_group_only_in_check_mode_or_absent(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import read_current
        warnings = []
        client = FakeDigitalTwinsClient(rg_missing=True)
        assert read_current(client, request(), True, False, warnings.append, Deadline(5)) is None
        assert "does not exist (yet)" in warnings[0]
        assert read_current(client, request(), False, True, warnings.append, Deadline(5)) is None
        assert len(warnings) == 1
        with pytest.raises(DigitalTwinsError) as info:
            read_current(client, request(), False, False, warnings.append, Deadline(5))
        assert info.value.code == "ResourceGroupNotFound"


class TestListForm:
    def items(self, *requests):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import Item
        return [Item(index, request=req) for index, req in enumerate(requests)]

    def test_check_mode_predicts_each_item_and_sends_no_write(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags={"a": "1"})})
        items = self.items(request(tags={"a": "2"}), request(name="dt2"), request(name="dt3", location=None))
        ensure_many(client, models, items, True, Deadline(60))
        assert client.writes() == []
        assert [(i.changed, i.verb) for i in items[:2]] == [(True, "update"), (True, "create")]
        assert items[0].after["tags"] == {"a": "2"} and items[1].after["provisioning_state"] == "Succeeded"
        assert "location is required" in str(items[2].error)
        # one list for the group, one name check for the one create
        assert [c[0] for c in client.calls].count("list_by_resource_group") == 1
        assert [c[0] for c in client.calls].count("check_name_availability") == 1

    def test_submits_without_waiting_and_isolates_a_failure(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient(taken=["dt9"])
        items = self.items(request(name="dt1", wait=False), request(name="dt9", wait=False), request(name="dt2", wait=False))
        ensure_many(client, models, items, False, Deadline(60), wait=False)
        assert [c[2] for c in client.writes()] == [{"polling": False}, {"polling": False}]
        assert items[1].error.code == "NameNotAvailable" and items[0].error is None and items[2].error is None
        result = items[0].result()
        assert result["changed"] and result["msg"] == "created" and result["instance"]["provisioning_state"] == "Provisioning"
        assert items[1].result()["failed"] and not items[1].result()["changed"]

    def test_check_mode_says_a_missing_group_in_the_item_not_as_a_warning(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient(rg_missing=True, taken=["dt-taken"])
        items = self.items(request(name="dt1"), request(name="dt-taken"), request(name="dt3", location=None))
        items.append(self.items(request(name="dt4"))[0])
        items[3].index, items[3].absent = 3, True
        ensure_many(client, models, items, True, Deadline(60))
        first = items[0].result()
        assert first["msg"] == ("would be created (resource group '%s' does not exist yet: an earlier task must create "
                                "it)" % RG)
        assert first["changed"] and not first["failed"] and first["created"] is False  # check mode creates nothing
        # a name taken elsewhere is reported as such, not as the missing group it cannot be read from
        assert items[1].error.code == "NameNotAvailable" and items[1].result()["created"] is False
        assert "location is required" in items[2].result()["msg"]
        assert items[3].result()["msg"] == "unchanged" and not items[3].result()["changed"]
        assert [c[0] for c in client.calls].count("get") == 0

    def test_a_real_run_fails_the_items_of_a_missing_group(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient(rg_missing=True)
        items = ensure_many(client, models, self.items(request(name="dt1")), False, Deadline(60))
        assert items[0].error.code == "ResourceGroupNotFound" and items[0].result()["created"] is False
        assert client.writes() == []

    def test_every_item_says_whether_this_run_created_it(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient({"dt1": instance_body(tags={"a": "1"})}, taken=["dt9"])
        requests = (request(name="dt1", wait=False), request(name="dt2", wait=False), request(name="dt9", wait=False))
        predicted = ensure_many(client, models, self.items(*requests), True, Deadline(60), wait=False)
        applied = ensure_many(client, models, self.items(*requests), False, Deadline(60), wait=False)
        assert [item.result()["created"] for item in predicted] == [False, False, False]  # check mode creates nothing
        assert [item.result()["changed"] for item in predicted] == [False, True, False]
        assert [item.result()["created"] for item in applied] == [False, True, False]
        again = ensure_many(client, models, self.items(*requests[:2]), False, Deadline(60), wait=False)
        assert [item.result()["created"] for item in again] == [False, False]

    def test_a_create_that_fails_after_the_put_says_created(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import ensure_many
        client = FakeDigitalTwinsClient(poller_error=azure_exceptions.HttpResponseError(message="boom"))
        items = ensure_many(client, models, self.items(request(name="dt1", wait=False)), False, Deadline(60), wait=False)
        result = items[0].result()
        assert result["failed"] and result["created"] is True
