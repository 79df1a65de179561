# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""twinops.digital_twins.resource_group against the emulator."""

from __future__ import annotations

import pytest
from test_dt_instance import four_runs, run  # noqa: F401  pylint: disable=import-error,unused-import

# The emulator does not serve GET /subscriptions/{sub}/resourceGroups/{rg}/resources (what
# ResourceManagementClient.resources.list_by_resource_group sends; real ARM does), so state=absent without force,
# which lists the group's resources first, cannot run against it yet. strict: these start failing once it does.


def emulator_group(emu, name):
    for body in emu.state()["resource_groups"]:
        if body["name"].lower() == name.lower():
            return body
    return None


def test_create_with_tags(run, emu, writes):
    results = four_runs(run, writes, "resource_group", name="rg-new", location="West Europe", tags={"env": "prod", "n": 1})
    group = results[1]["resource_group"]
    assert group == {"id": "/subscriptions/%s/resourceGroups/rg-new" % emu.state()["subscription_id"], "name": "rg-new",
                     "location": "westeurope", "tags": {"env": "prod", "n": "1"}, "provisioning_state": "Succeeded"}
    assert results[0]["resource_group"] == group  # nothing about a resource group is unknown before it exists
    assert results[1]["diff"] == {"before": {}, "after": {k: v for k, v in group.items() if k != "provisioning_state"}}
    assert emulator_group(emu, "rg-new")["tags"] == {"env": "prod", "n": "1"}
    assert [(w["method"], w["status"]) for w in writes()] == [("PUT", 201)]


def test_tags_merge_and_purge(run, emu, writes):
    run("resource_group", name="rg-tags", location="westus2", tags={"a": "1"})
    mark = len(writes())
    results = four_runs(run, writes, "resource_group", name="rg-tags", tags={"b": "2"}, purge_tags=False)
    assert results[1]["resource_group"]["tags"] == {"a": "1", "b": "2"}
    assert results[1]["diff"]["before"]["tags"] == {"a": "1"}
    four_runs(run, writes, "resource_group", name="rg-tags", tags={"c": "3"})
    assert emulator_group(emu, "rg-tags")["tags"] == {"c": "3"}
    # no tags option: tags are left alone
    assert run("resource_group", name="rg-tags")["changed"] is False
    assert [w["method"] for w in writes()[mark:]] == ["PATCH", "PATCH"]


def test_location_is_create_only(run, emu, writes):
    run("resource_group", name="rg-loc", location="westus2")
    mark = len(writes())
    assert run("resource_group", name="rg-loc", location="West US 2")["changed"] is False
    for check in (True, False):
        result = run("resource_group", check=check, name="rg-loc", location="eastus")
        assert result["failed"] and result["error_code"] == "LocationIsCreateOnly"
        assert "is in westus2; location eastus was requested" in result["msg"]
    assert len(writes()) == mark


def test_match_location_false_converges_a_group_in_another_region(run, emu, writes):
    run("resource_group", name="rg-anywhere", location="westeurope", tags={"a": "1"})
    mark = len(writes())
    results = four_runs(run, writes, "resource_group", name="rg-anywhere", location="eastus", match_location=False,
                        tags={"a": "2"})
    for result in results:
        assert result["resource_group"]["location"] == "westeurope" and result["resource_group"]["tags"] == {"a": "2"}
    assert results[1]["diff"]["before"]["location"] == results[1]["diff"]["after"]["location"] == "westeurope"
    assert [w["method"] for w in writes()[mark:]] == ["PATCH"]
    assert emulator_group(emu, "rg-anywhere")["location"] == "westeurope"
    # location still creates a group that does not exist
    created = run("resource_group", name="rg-anywhere-2", location="eastus", match_location=False)
    assert created["changed"] and created["resource_group"]["location"] == "eastus"


def test_location_required_to_create(run, emu, writes):
    result = run("resource_group", name="rg-nowhere")
    assert result["failed"] and "location is required to create it" in result["msg"]
    assert writes() == []


@pytest.mark.parametrize("check", [True, False])
def test_location_not_offered_fails_before_any_write(run, emu, writes, check):
    result = run("resource_group", check=check, name="rg-mars", location="mars")
    assert result["failed"] and result["error_code"] == "LocationNotAvailableForResourceGroup", result
    assert "not offered in location 'mars'" in result["msg"] and "westus2" in result["msg"]
    assert writes() == []
    assert run("resource_group", check=True, name="rg-mars", state="absent")["changed"] is False


@pytest.mark.parametrize("args, words", [
    (dict(name="bad/name"), "not a valid resource group name"),
    (dict(name="ends-with-dot."), "not a valid resource group name"),
    (dict(name="x" * 91), "not a valid resource group name"),
    (dict(name="rg-ok", location="West-Europe"), "not an Azure region name"),
    (dict(name="rg-ok", tags={"k": "v" * 257}), "longer than 256"),
])
def test_bad_input_fails_before_any_request(run, emu, args, words):
    start = emu.requests()
    result = run("resource_group", **args)
    assert result["failed"] and words in result["msg"], result["msg"]
    assert emu.requests() == start


def test_absent_when_missing(run, emu, writes):
    for check in (True, False):
        result = run("resource_group", check=check, name="rg-never", state="absent")
        assert result["changed"] is False and result["resource_group"] == {}
    assert writes() == []


def test_force_deletes_a_group_with_resources(run, emu, writes):
    emu.settings(provisioning_delay_seconds=0)
    run("resource_group", name="rg-full", location="westus2")
    run("dt_instance", name="dt-in-full", resource_group="rg-full", location="westus2")
    mark = len(writes())
    results = []
    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        result = run("resource_group", check=check, name="rg-full", state="absent", force=True)
        assert not result.get("failed"), result
        assert result["changed"] is changed and result["resource_group"] == {}
        results.append(result)
    assert [w["method"] for w in writes()[mark:]] == ["DELETE"]
    assert results[0]["diff"]["before"]["name"] == "rg-full" and results[0]["diff"]["after"] == {}
    assert emulator_group(emu, "rg-full") is None
    assert not [i for i in emu.state()["instances"] if i["name"] == "dt-in-full"]


def test_force_delete_without_wait(run, emu, writes):
    emu.settings(provisioning_delay_seconds=3)
    run("resource_group", name="rg-slow", location="westus2")
    result = run("resource_group", name="rg-slow", state="absent", force=True, wait=False)
    assert result["changed"] is True
    assert emulator_group(emu, "rg-slow")["properties"]["provisioningState"] == "Deleting"


def test_delete_timeout(run, emu, writes):
    emu.settings(provisioning_delay_seconds=5)
    run("resource_group", name="rg-late", location="westus2")
    result = run("resource_group", name="rg-late", state="absent", force=True, wait_timeout=1)
    assert result["failed"] and result["error_code"] == "OperationTimedOut"
    assert "continues in Azure" in result["msg"]


def test_absent_refuses_a_group_with_resources(run, emu, writes):
    emu.settings(provisioning_delay_seconds=0)
    run("resource_group", name="rg-busy", location="westus2")
    run("dt_instance", name="dt-keeps", resource_group="rg-busy", location="westus2")
    mark = len(writes())
    for check in (True, False):
        result = run("resource_group", check=check, name="rg-busy", state="absent")
        assert result["failed"] and result["error_code"] == "ResourceGroupNotEmpty"
        assert "dt-keeps (Microsoft.DigitalTwins/digitalTwinsInstances)" in result["msg"]
        assert "force=true" in result["msg"]
    assert len(writes()) == mark


def test_absent_empty_group(run, emu, writes):
    run("resource_group", name="rg-empty", location="westus2")
    mark = len(writes())
    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        result = run("resource_group", check=check, name="rg-empty", state="absent")
        assert not result.get("failed"), result
        assert result["changed"] is changed
    assert [w["method"] for w in writes()[mark:]] == ["DELETE"]


def test_present_waits_for_a_deletion_in_progress(run, emu, writes):
    emu.settings(provisioning_delay_seconds=2)
    run("resource_group", name="rg-again", location="westus2")
    assert run("resource_group", name="rg-again", state="absent", force=True, wait=False)["changed"] is True
    assert run("resource_group", name="rg-again", state="absent", wait=False)["changed"] is False
    result = run("resource_group", name="rg-again", location="westus2")
    assert result["changed"] is True and result["resource_group"]["provisioning_state"] == "Succeeded"
    assert [w["method"] for w in writes()] == ["PUT", "DELETE", "PUT"]
