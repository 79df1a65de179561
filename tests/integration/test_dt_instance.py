# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""twinops.digital_twins.dt_instance against the emulator: every option in the four-run pattern."""

from __future__ import annotations

import re

import pytest
from conftest import write_requests  # pylint: disable=import-error

RG = "rg-twins"
# Values only Azure assigns: None in a check-mode prediction of a create or update.
SERVER_ASSIGNED = ("host_name", "endpoint", "created_time", "updated_time")


@pytest.fixture
def run(run_module):
    return run_module


def four_runs(run, writes, module, expect_change=True, **args):
    """check -> apply -> idempotent check -> idempotent apply; returns the four results.

    Asserts no write request in check mode or on runs with nothing to change, and that check mode predicted the
    applied state (keys Azure assigns are None in the prediction).
    """
    results = []
    for check, changed in ((True, expect_change), (False, expect_change), (True, False), (False, False)):
        before = len(writes())
        result = run(module, check=check, **args)
        assert not result.get("failed"), result
        assert result["changed"] is changed, (check, result)
        if check or not changed:
            assert len(writes()) == before, writes()[before:]
        results.append(result)
    key = "instance" if module == "dt_instance" else "resource_group"
    predicted, applied = results[0][key], results[1][key]
    assert set(predicted) == set(applied)
    for name, value in predicted.items():
        if value is None and name in SERVER_ASSIGNED + ("provisioning_state",):
            continue
        if name == "identity":
            assert value["type"] == applied["identity"]["type"]
            if value["principal_id"] is not None:
                assert value["principal_id"] == applied["identity"]["principal_id"]
            continue
        assert value == applied[name], name
    # the idempotent runs return what the apply returned (an instance's lastUpdatedTime may move when its operation ends)
    for later in results[2:]:
        assert _same_but_times(later[key], applied) if module == "dt_instance" else later[key] == applied
    assert results[0]["diff"]["after"].keys() == results[1]["diff"]["after"].keys()
    return results


def warnings_of(result):
    """Warning texts, whether ansible-core returns strings or (2.19+) warning summaries."""
    texts = []
    for warning in result.get("warnings", []):
        texts.append(warning if isinstance(warning, str) else warning.get("event", {}).get("msg", ""))
    return texts


TRACEBACKS = {"_ansible_tracebacks_for": ["error"]}


def _same_but_times(left, right):
    return {k: v for k, v in left.items() if k != "updated_time"} == {k: v for k, v in right.items() if k != "updated_time"}


def emulator_instance(emu, name):
    for body in emu.state()["instances"]:
        if body["name"] == name:
            return body
    return None


@pytest.fixture
def group(run, emu):
    emu.settings(provisioning_delay_seconds=0)
    result = run("resource_group", name=RG, location="westus2")
    assert not result.get("failed"), result
    return RG


def test_create_minimal(run, emu, group, writes):
    results = four_runs(run, writes, "dt_instance", name="dt-min", resource_group=group, location="westus2")
    instance = results[1]["instance"]
    assert instance["host_name"] == "dt-min.api.wus2.digitaltwins.azure.net"
    assert instance["endpoint"] == "https://dt-min.api.wus2.digitaltwins.azure.net"
    assert instance["provisioning_state"] == "Succeeded"
    assert instance["identity"] == {"type": "None", "principal_id": None, "tenant_id": None, "user_assigned_identities": {}}
    assert instance["tags"] == {} and instance["public_network_access"] == "Enabled"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", instance["created_time"])
    # check mode: null for what only Azure assigns, never an invented value
    predicted = results[0]["instance"]
    assert [predicted[key] for key in SERVER_ASSIGNED] == [None] * 4
    assert predicted["id"] == instance["id"]
    assert [(w["method"], w["status"]) for w in writes()] == [("PUT", 201)]
    body = emulator_instance(emu, "dt-min")
    assert body["location"] == "westus2" and body["properties"]["provisioningState"] == "Succeeded"


def test_create_with_every_option(run, emu, group, writes):
    args = dict(name="dt-full", resource_group=group, location="West US 2", tags={"env": "prod", "n": 5},
                identity={"type": "SystemAssigned"}, public_network_access="Disabled")
    results = four_runs(run, writes, "dt_instance", **args)
    instance = results[1]["instance"]
    assert instance["location"] == "westus2"
    assert instance["tags"] == {"env": "prod", "n": "5"}
    assert instance["public_network_access"] == "Disabled"
    assert instance["identity"]["type"] == "SystemAssigned"
    assert instance["identity"]["principal_id"] and instance["identity"]["tenant_id"] == emu.state()["tenant_id"]
    assert results[0]["instance"]["identity"]["principal_id"] is None
    body = emulator_instance(emu, "dt-full")
    assert body["tags"] == {"env": "prod", "n": "5"}
    assert body["properties"]["publicNetworkAccess"] == "Disabled"
    assert body["identity"]["principalId"] == instance["identity"]["principal_id"]
    assert results[1]["diff"] == {"before": {}, "after": {k: v for k, v in instance.items()
                                                          if k not in ("provisioning_state", "created_time", "updated_time")}}


def test_tags_merge_then_purge(run, emu, group, writes):
    run("dt_instance", name="dt-tags", resource_group=group, location="westus2", tags={"a": "1"})
    mark = len(writes())
    results = four_runs(run, writes, "dt_instance", name="dt-tags", resource_group=group, tags={"b": "2"}, purge_tags=False)
    assert results[1]["instance"]["tags"] == {"a": "1", "b": "2"}
    assert results[1]["diff"]["before"]["tags"] == {"a": "1"}
    assert results[1]["diff"]["after"]["tags"] == {"a": "1", "b": "2"}
    results = four_runs(run, writes, "dt_instance", name="dt-tags", resource_group=group, tags={"b": "2"})
    assert results[1]["instance"]["tags"] == {"b": "2"}
    assert emulator_instance(emu, "dt-tags")["tags"] == {"b": "2"}
    results = four_runs(run, writes, "dt_instance", name="dt-tags", resource_group=group, tags={})
    assert emulator_instance(emu, "dt-tags")["tags"] is None
    assert [w["method"] for w in writes()[mark:]] == ["PATCH", "PATCH", "PATCH"]


def test_update_never_resets_what_is_not_mentioned(run, emu, group, writes):
    created = run("dt_instance", name="dt-keep", resource_group=group, location="westus2",
                  identity={"type": "SystemAssigned"}, public_network_access="Disabled")["instance"]
    mark = len(writes())
    results = four_runs(run, writes, "dt_instance", name="dt-keep", resource_group=group, tags={"owner": "ops"})
    assert [w["method"] for w in writes()[mark:]] == ["PATCH"]
    instance = results[1]["instance"]
    assert instance["identity"]["principal_id"] == created["identity"]["principal_id"]
    assert instance["public_network_access"] == "Disabled"
    assert results[0]["instance"]["identity"] == created["identity"]
    # the diff shows only the tags changing
    diff = results[1]["diff"]
    assert {k for k in diff["after"] if diff["after"][k] != diff["before"].get(k)} == {"tags"}


def test_network_access_and_identities(run, emu, group, writes):
    run("dt_instance", name="dt-id", resource_group=group, location="westus2", identity={"type": "SystemAssigned"})
    principal = emulator_instance(emu, "dt-id")["identity"]["principalId"]
    uai = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/dt-egress" % (
        emu.state()["subscription_id"], group)
    results = four_runs(run, writes, "dt_instance", name="dt-id", resource_group=group, public_network_access="Disabled",
                        identity={"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [uai]})
    instance = results[1]["instance"]
    assert instance["identity"]["principal_id"] == principal == results[0]["instance"]["identity"]["principal_id"]
    assert list(instance["identity"]["user_assigned_identities"]) == [uai]
    assert instance["identity"]["user_assigned_identities"][uai]["principal_id"]
    assert instance["public_network_access"] == "Disabled"
    results = four_runs(run, writes, "dt_instance", name="dt-id", resource_group=group, identity={"type": "None"},
                        public_network_access="Enabled")
    assert results[1]["instance"]["identity"]["type"] == "None"
    assert results[0]["instance"]["identity"] == {"type": "None", "principal_id": None, "tenant_id": None,
                                                  "user_assigned_identities": {}}
    assert (emulator_instance(emu, "dt-id").get("identity") or {"type": "None"})["type"] == "None"


def test_location_is_create_only(run, emu, group, writes):
    run("dt_instance", name="dt-loc", resource_group=group, location="westus2")
    mark = len(writes())
    same = run("dt_instance", name="dt-loc", resource_group=group, location="West US 2")
    assert same["changed"] is False
    for check in (True, False):
        result = run("dt_instance", check=check, name="dt-loc", resource_group=group, location="eastus", tags={"a": "b"})
        assert result["failed"]
        assert result["error_code"] == "LocationIsCreateOnly"
        assert "is in westus2; location eastus was requested" in result["msg"]
    assert len(writes()) == mark


@pytest.mark.parametrize("name", ["ab", "-dt", "dt-", "dt_1", "x" * 64])
def test_name_rules_checked_before_any_request(run, emu, name):
    start = emu.requests()
    result = run("dt_instance", name=name, resource_group="rg-twins", location="westus2")
    assert result["failed"] and result["error_code"] == "InvalidName"
    assert "3-63 letters, digits and hyphens" in result["msg"]
    assert emu.requests() == start


@pytest.mark.parametrize("args, words", [
    (dict(resource_group="rg/bad"), "not a valid resource group name"),
    (dict(location="west-us"), "not an Azure region name"),
    (dict(tags={"a/b": "c"}), "does not allow in tag names"),
    (dict(identity={"type": "UserAssigned"}), "needs at least one id"),
    (dict(wait_timeout=0), "wait_timeout must be a positive"),
    (dict(env={"AZURE_SUBSCRIPTION_ID": "prod"}), "must be a GUID"),
])
def test_bad_input_fails_before_any_request(run, emu, args, words):
    start = emu.requests()
    params = dict(name="dt-bad", resource_group="rg-twins", location="westus2")
    params.update(args)
    result = run("dt_instance", **params)
    assert result["failed"] and words in result["msg"], result["msg"]
    assert emu.requests() == start


def test_name_taken_elsewhere(run, emu, group, writes):
    run("resource_group", name="rg-other", location="westus2")
    run("dt_instance", name="dt-taken", resource_group="rg-other", location="westus2")
    mark = len(writes())
    for check in (True, False):
        result = run("dt_instance", check=check, name="dt-taken", resource_group=group, location="westus2")
        assert result["failed"] and result["error_code"] == "NameNotAvailable"
        assert "already taken" in result["msg"] and "Pick another name" in result["msg"]
    assert len(writes()) == mark


def test_region_without_digital_twins(run, emu, group, writes):
    """The region is checked against the resource provider before anything is written, in check mode too."""
    for check in (True, False):
        result = run("dt_instance", check=check, name="dt-region", resource_group=group, location="brazilsouth")
        assert result["failed"], result
        assert result["error_code"] == "LocationNotAvailableForResourceType"
        assert "not offered in location 'brazilsouth'" in result["msg"]
        assert "Pick one of the regions that offer it: " in result["msg"]
        assert "westus2" in result["msg"] and "swedencentral" in result["msg"]
    assert writes() == []
    assert emulator_instance(emu, "dt-region") is None


def test_region_check_is_skipped_when_the_provider_cannot_be_read(run, emu, group):
    """A caller that may not read the provider still gets ARM's own answer to the PUT, with its request id."""
    emu.inject_fault(path_regex=r"/providers/Microsoft\.DigitalTwins$", method="GET", kind="status", status=403,
                     error_code="AuthorizationFailed", count=1)
    result = run("dt_instance", name="dt-region", resource_group=group, location="brazilsouth", **TRACEBACKS)
    assert result["failed"] and result["error_code"] == "LocationNotAvailableForResourceType"
    assert result["request_id"] and "Pick one of the regions that offer it: " in result["msg"]
    assert "Traceback" not in result["msg"] and "Traceback" in result["exception"]
    assert emulator_instance(emu, "dt-region") is None


def test_missing_resource_group(run, emu, writes):
    result = run("dt_instance", name="dt-norg", resource_group="rg-missing", location="westus2")
    assert result["failed"] and result["error_code"] == "ResourceGroupNotFound"
    assert "twinops.digital_twins.resource_group" in result["msg"]
    checked = run("dt_instance", check=True, name="dt-norg", resource_group="rg-missing", location="westus2")
    assert checked["changed"] is True and not checked.get("failed")
    assert "does not exist (yet)" in warnings_of(checked)[0]
    absent = run("dt_instance", name="dt-norg", resource_group="rg-missing", state="absent")
    assert absent["changed"] is False and absent["instance"] == {}
    assert writes() == []


def test_failed_provisioning_is_reported_and_rerun_converges(run, emu, group, writes):
    emu.set_behaviour(instance_name="dt-fail", provisioning_result="Failed")
    result = run("dt_instance", name="dt-fail", resource_group=group, location="westus2", identity={"type": "SystemAssigned"})
    assert result["failed"]
    assert result["error_code"] == "ProvisioningFailed"
    assert "ended with status Failed" in result["msg"] and result["request_id"]
    assert emulator_instance(emu, "dt-fail")["properties"]["provisioningState"] == "Failed"
    again = run("dt_instance", name="dt-fail", resource_group=group, location="westus2", identity={"type": "SystemAssigned"})
    assert again["changed"] is True and again["instance"]["provisioning_state"] == "Succeeded"
    assert again["instance"]["identity"]["type"] == "SystemAssigned"
    assert run("dt_instance", name="dt-fail", resource_group=group)["changed"] is False


def test_wait_timeout_then_rerun_converges(run, emu, group, writes):
    emu.set_behaviour(instance_name="dt-slow", provisioning_delay_seconds=4)
    result = run("dt_instance", name="dt-slow", resource_group=group, location="westus2", wait_timeout=1)
    assert result["failed"] and result["error_code"] == "OperationTimedOut"
    assert "Timed out after 1 s" in result["msg"] and "continues in Azure" in result["msg"]
    assert emulator_instance(emu, "dt-slow")["properties"]["provisioningState"] == "Provisioning"
    again = run("dt_instance", name="dt-slow", resource_group=group, location="westus2")
    assert again["changed"] is False
    assert again["instance"]["provisioning_state"] == "Succeeded"
    assert [w["method"] for w in writes()] == ["PUT"]


def test_no_wait(run, emu, group, writes):
    emu.set_behaviour(instance_name="dt-nowait", provisioning_delay_seconds=3)
    checked = run("dt_instance", check=True, name="dt-nowait", resource_group=group, location="westus2", wait=False)
    assert checked["instance"]["provisioning_state"] is None
    result = run("dt_instance", name="dt-nowait", resource_group=group, location="westus2", wait=False)
    assert result["changed"] and result["instance"]["provisioning_state"] == "Provisioning"
    assert result["instance"]["host_name"] is None
    # returned at once: Azure still provisions (a poller thread of an earlier in-process test may still be polling,
    # so the request log is not the evidence here; the emulator's state is)
    assert emulator_instance(emu, "dt-nowait")["properties"]["provisioningState"] == "Provisioning"
    done = run("dt_instance", name="dt-nowait", resource_group=group, location="westus2")
    assert done["changed"] is False and done["instance"]["provisioning_state"] == "Succeeded"


def test_absent(run, emu, group, writes):
    run("dt_instance", name="dt-gone", resource_group=group, location="westus2")
    mark = len(writes())
    results = []
    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        result = run("dt_instance", check=check, name="dt-gone", resource_group=group, state="absent")
        assert result["changed"] is changed and result["instance"] == {}
        results.append(result)
    assert [w["method"] for w in writes()[mark:]] == ["DELETE"]
    assert results[0]["diff"]["after"] == {} and results[0]["diff"]["before"]["name"] == "dt-gone"
    assert emulator_instance(emu, "dt-gone") is None


def test_absent_no_wait(run, emu, group, writes):
    run("dt_instance", name="dt-bye", resource_group=group, location="westus2")
    emu.settings(deletion_delay_seconds=3)
    result = run("dt_instance", name="dt-bye", resource_group=group, state="absent", wait=False)
    assert result["changed"] is True
    assert emulator_instance(emu, "dt-bye")["properties"]["provisioningState"] == "Deleting"
    again = run("dt_instance", name="dt-bye", resource_group=group, state="absent")
    assert again["changed"] is False
    assert emulator_instance(emu, "dt-bye") is None
    assert [w["method"] for w in writes()][-1:] == ["DELETE"]


def test_throttling_burst_succeeds(run, emu, group, writes):
    emu.inject_fault(path_regex="digitalTwinsInstances/dt-busy", kind="status", status=429, retry_after=1, count=3)
    result = run("dt_instance", name="dt-busy", resource_group=group, location="westus2")
    assert not result.get("failed"), result
    assert result["instance"]["provisioning_state"] == "Succeeded"
    statuses = [r["status"] for r in emu.requests() if r["path"].endswith("dt-busy")]
    assert statuses.count(429) == 3
    assert statuses[-1] == 200


def test_forbidden_caller(run, emu, group, writes):
    no_rights = [sp for sp in emu.seed["service_principals"] if sp["key"] == "no_graph"][0]
    env = {"AZURE_CLIENT_ID": no_rights["app_id"], "AZURE_SECRET": no_rights["secret"]}
    result = run("dt_instance", env=env, name="dt-403", resource_group=group, location="westus2")
    assert result["failed"] and result["error_code"] == "AuthorizationFailed"
    assert result["status_code"] == 403 and result["request_id"]
    assert "Contributor or Owner" in result["msg"]
    assert "exception" not in result  # tracebacks only when asked for (-vvv on older cores, DISPLAY_TRACEBACK on 2.19+)
    assert emulator_instance(emu, "dt-403") is None


def test_network_failure_is_short(run, emu, group, writes):
    emu.inject_fault(path_regex="digitalTwinsInstances/dt-net", kind="drop", count=20)
    result = run("dt_instance", name="dt-net", resource_group=group, location="westus2", **TRACEBACKS)
    assert result["failed"] and result["error_code"] == "ConnectionError"
    assert "Traceback" not in result["msg"] and len(result["msg"]) < 400, result["msg"]
    assert "Traceback" in result["exception"]


def test_one_token_and_no_redundant_requests(run, emu, group, writes):
    start = emu.requests()
    mark = start[-1]["seq"]
    run("dt_instance", name="dt-lean", resource_group=group, location="westus2")
    run("dt_instance", name="dt-lean", resource_group=group, location="westus2")
    log = emu.requests(since=mark)
    tokens = [r for r in log if "/oauth2/" in r["path"]]
    assert len(tokens) == 2  # one per task (process)
    second = log[[i for i, r in enumerate(log) if "/oauth2/" in r["path"]][1]:]
    arm = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in second if r["path"].startswith("/subscriptions/")]
    assert arm == [("GET", "dt-lean")]
    assert write_requests(second) == []


def test_absent_waits_for_a_running_provisioning(run, emu, group, writes):
    emu.set_behaviour(instance_name="dt-young", provisioning_delay_seconds=3)
    run("dt_instance", name="dt-young", resource_group=group, location="westus2", wait=False)
    result = run("dt_instance", name="dt-young", resource_group=group, state="absent")
    assert not result.get("failed"), result
    assert result["changed"] is True and emulator_instance(emu, "dt-young") is None
    assert [(w["method"], w["status"]) for w in writes()] == [("PUT", 201), ("DELETE", 202)]
