# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""twinops.digital_twins.dt_instance list form (``instances``) against the emulator."""

from __future__ import annotations

import time

import pytest

RG = "rg-fleet"
RG2 = "rg-fleet-2"
SERVER_ASSIGNED = ("host_name", "endpoint", "created_time", "updated_time", "provisioning_state")


@pytest.fixture
def run(run_module):
    return run_module


@pytest.fixture
def groups(run):
    for name in (RG, RG2):
        assert not run("resource_group", name=name, location="westus2").get("failed")


def fleet(count=10):
    return [dict(name="dt-fleet-%02d" % i, resource_group=RG if i % 2 else RG2, location="westus2",
                 tags={"index": str(i)}, public_network_access="Disabled" if i % 3 == 0 else None)
            for i in range(count)]


def _by_name(result):
    return {item["name"]: item for item in result["instances"]}


def _matches(predicted, applied):
    for key, value in predicted.items():
        if key in SERVER_ASSIGNED and value is None:
            continue
        if key == "identity":
            assert value["type"] == applied["identity"]["type"]
            continue
        assert applied[key] == value, key


def test_four_runs_of_ten_instances(run, writes, groups, emu):
    emu.settings(provisioning_delay_seconds=2)
    items = fleet()
    results = []
    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        before = len(writes())
        started = time.monotonic()
        result = run("dt_instance", check=check, instances=items)
        elapsed = time.monotonic() - started
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is changed
        assert [item["changed"] for item in result["instances"]] == [changed] * len(items)
        assert not any(item["failed"] for item in result["instances"])
        if check or not changed:
            assert len(writes()) == before, writes()[before:]
        else:
            # one PUT per instance, all sent before the first one finished provisioning: together, not one by one
            assert len(writes()) - before == len(items)
            assert elapsed < 2 * 2 + 8, elapsed
        results.append(result)
    predicted, applied = _by_name(results[0]), _by_name(results[1])
    for name, item in predicted.items():
        assert item["msg"] == "created" and applied[name]["msg"] == "created"
        _matches(item["instance"], applied[name]["instance"])
        assert applied[name]["instance"]["provisioning_state"] == "Succeeded"
        assert item["diff"]["before"] == {} and set(item["diff"]["after"]) == set(applied[name]["diff"]["after"])
    assert {i["name"] for i in emu.state()["instances"]} >= set(predicted)
    assert [item["msg"] for item in results[3]["instances"]] == ["unchanged"] * len(items)


def test_update_and_delete_predicted_and_applied(run, writes, groups):
    items = fleet(3)
    assert not run("dt_instance", instances=items).get("failed")
    changed = [dict(items[0], tags={"index": "0", "new": "yes"}, purge_tags=False),
               dict(items[1], state="absent"),
               items[2]]
    before = len(writes())
    check = run("dt_instance", check=True, instances=changed)
    assert len(writes()) == before
    applied = run("dt_instance", instances=changed)
    assert [i["msg"] for i in check["instances"]] == ["updated", "deleted", "unchanged"]
    assert [i["msg"] for i in applied["instances"]] == ["updated", "deleted", "unchanged"]
    assert check["instances"][0]["instance"]["tags"] == applied["instances"][0]["instance"]["tags"] == {"index": "0", "new": "yes"}
    assert applied["instances"][1]["instance"] == {} and run("dt_instance_info", name=items[1]["name"])["instances"] == []
    assert not run("dt_instance", instances=changed)["changed"]


def test_one_bad_item_fails_alone(run, groups, emu):
    items = fleet(4)
    items[1] = dict(items[1], name="dt_fleet_bad")                 # bad input: fails before any request
    items[2] = dict(items[2], location="westus")                     # region without the service
    items.append(dict(name="dt-fleet-x", resource_group=RG, location="westus2", public_network_access="Maybe"))
    result = run("dt_instance", instances=items)
    assert result["failed"]
    assert result["msg"].startswith("3 of 5 instances failed: ")
    assert "dt_fleet_bad" in result["msg"] and "westus" in result["msg"] and "public_network_access" in result["msg"]
    outcome = [(i["name"], i["changed"], i["failed"]) for i in result["instances"]]
    assert outcome == [("dt-fleet-00", True, False), ("dt_fleet_bad", False, True), ("dt-fleet-02", False, True),
                       ("dt-fleet-03", True, False), ("dt-fleet-x", False, True)]
    names = {i["name"] for i in emu.state()["instances"]}
    assert {"dt-fleet-00", "dt-fleet-03"} <= names and not names & {"dt-fleet-02", "dt-fleet-x"}


def test_failed_provisioning_fails_its_item_and_says_created(run, groups, emu):
    emu.set_behaviour(instance_name="dt-fleet-01", provisioning_result="Failed")
    result = run("dt_instance", instances=fleet(2))
    assert result["failed"] and result["msg"].startswith("1 of 2 instances failed")
    good, bad = result["instances"]
    assert not good["failed"] and good["instance"]["provisioning_state"] == "Succeeded"
    assert bad["failed"] and bad["created"] is True and bad["instance"]["provisioning_state"] == "Failed"
    # the re-run re-provisions it
    again = run("dt_instance", instances=fleet(2))
    assert not again.get("failed") and [i["msg"] for i in again["instances"]] == ["unchanged", "re-provisioned"]


def test_list_and_single_form_are_exclusive(run):
    result = run("dt_instance", name="dt-x", resource_group=RG, instances=[])
    assert result["failed"] and "mutually exclusive" in result["msg"]
    result = run("dt_instance", location="westus2")
    assert result["failed"] and "name, instances" in result["msg"]


def test_duplicate_names_fail_the_later_item(run, groups):
    items = [dict(name="dt-fleet-dup", resource_group=RG, location="westus2"),
             dict(name="DT-FLEET-DUP", resource_group=RG2, location="westus2")]
    result = run("dt_instance", check=True, instances=items)
    assert result["failed"] and [i["failed"] for i in result["instances"]] == [False, True]
    assert "declared twice" in result["instances"][1]["msg"]


def last_seq(emu):
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def arm_requests(emu, mark):
    """The ARM requests after ``mark`` as (method, path without query); sign-in and metadata left out."""
    return [(entry["method"], entry["path"].split("?")[0]) for entry in emu.requests(since=mark)
            if "/subscriptions/" in entry["path"].lower()]


def test_check_mode_with_a_missing_group_says_so_in_the_item_without_a_warning(run, emu, writes):
    items = [dict(name="dt-fleet-new-%d" % i, resource_group="rg-fleet-later", location="westus2") for i in range(3)]
    result = run("dt_instance", check=True, instances=items)
    assert not result.get("failed"), result.get("msg")
    assert result["warning_texts"] == [] and "warnings" not in result
    for item in result["instances"]:
        assert item["changed"] and not item["failed"] and item["created"] is False  # check mode creates nothing
        assert item["resource_group_exists"] is False
        assert item["msg"] == ("would be created (resource group 'rg-fleet-later' does not exist yet: an earlier task "
                               "must create it)")
    assert writes() == []
    # the real run fails those items, without a check-mode warning either
    real = run("dt_instance", instances=items)
    assert real["failed"] and real["warning_texts"] == []
    assert all(item["failed"] and item["created"] is False for item in real["instances"])
    # the single form keeps its warning
    single = run("dt_instance", check=True, **items[0])
    assert not single.get("failed") and any("does not exist (yet)" in text for text in single["warning_texts"])


def test_created_says_what_this_run_created(run, groups, emu):
    assert not run("dt_instance", instances=fleet(2)[:1]).get("failed")
    emu.set_behaviour(instance_name="dt-fleet-02", provisioning_result="Failed")
    items = fleet(3)
    predicted = run("dt_instance", check=True, instances=items)
    applied = run("dt_instance", instances=items)
    assert [i["created"] for i in predicted["instances"]] == [False, False, False]  # check mode creates nothing
    assert [i["resource_group_exists"] for i in predicted["instances"]] == [True, True, True]
    assert applied["failed"] and [(i["created"], i["failed"]) for i in applied["instances"]] == [
        (False, False), (True, False), (True, True)]
    again = run("dt_instance", instances=items)
    assert [i["created"] for i in again["instances"]] == [False, False, False]


# Measured with the emulator's request log: the ARM requests of a no-change run of 20 instances in one group, in a
# real run and in check mode. One list of the group, nothing per instance; a headroom of one request.
INSTANCE_LIST_UNCHANGED_REQUESTS = 1


@pytest.mark.parametrize("check", [False, True])
def test_twenty_unchanged_instances_cost_one_list_of_their_group(run, emu, check):
    emu.bulk_instances(count=20, resource_group=RG, name_prefix="dt-fleet-bulk", location="westus2")
    items = [dict(name="dt-fleet-bulk-%05d" % i, resource_group=RG, location="westus2") for i in range(20)]
    mark = last_seq(emu)
    result = run("dt_instance", check=check, instances=items)
    assert not result.get("failed") and not result["changed"], result.get("msg")
    assert [i["msg"] for i in result["instances"]] == ["unchanged"] * 20
    requests = arm_requests(emu, mark)
    assert len(requests) <= INSTANCE_LIST_UNCHANGED_REQUESTS + 1, requests
    assert [method for method, path in requests] == ["GET"] and \
        requests[0][1].lower().endswith("/resourcegroups/%s/providers/microsoft.digitaltwins/digitaltwinsinstances" % RG)
