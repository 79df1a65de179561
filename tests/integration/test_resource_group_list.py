# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""twinops.digital_twins.resource_group list form (``resource_groups``) against the emulator."""

from __future__ import annotations

import pytest


@pytest.fixture
def run(run_module):
    return run_module


def groups(count=10):
    return [dict(name="rg-list-%02d" % i, location="westus2" if i % 2 else "West Europe", tags={"index": str(i)})
            for i in range(count)]


def test_four_runs_of_ten_groups(run, writes, emu):
    items = groups()
    results = []
    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        before = len(writes())
        result = run("resource_group", check=check, resource_groups=items)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is changed
        assert [i["changed"] for i in result["resource_groups"]] == [changed] * len(items)
        if check or not changed:
            assert len(writes()) == before, writes()[before:]
        else:
            assert len(writes()) - before == len(items)
        results.append(result)
    for predicted, applied in zip(results[0]["resource_groups"], results[1]["resource_groups"]):
        assert predicted["msg"] == applied["msg"] == "created"
        assert predicted["resource_group"] == applied["resource_group"]
        assert predicted["diff"] == applied["diff"]
    assert [i["msg"] for i in results[3]["resource_groups"]] == ["unchanged"] * len(items)
    names = {g["name"] for g in emu.state()["resource_groups"]}
    assert {i["name"] for i in items} <= names


def test_update_and_delete_together(run, writes, emu):
    items = groups(4)
    assert not run("resource_group", resource_groups=items).get("failed")
    emu.bulk_instances(count=1, resource_group="rg-list-03", name_prefix="dt-rgl", location="westus2")
    changed = [dict(items[0], tags={"new": "yes"}, purge_tags=False), dict(name="rg-list-01", state="absent"),
               dict(name="rg-list-02", state="absent"), dict(name="rg-list-03", state="absent")]
    before = len(writes())
    check = run("resource_group", check=True, resource_groups=changed)
    assert len(writes()) == before
    applied = run("resource_group", resource_groups=changed)
    for result in (check, applied):
        assert result["failed"] and result["msg"].startswith("1 of 4 resource groups failed: resource group 'rg-list-03'")
        assert [i["msg"] for i in result["resource_groups"][:3]] == ["updated", "deleted", "deleted"]
        assert "still holds 1 resource" in result["resource_groups"][3]["msg"]
    assert applied["resource_groups"][0]["resource_group"]["tags"] == {"index": "0", "new": "yes"}
    names = {g["name"] for g in emu.state()["resource_groups"]}
    assert "rg-list-01" not in names and "rg-list-02" not in names and "rg-list-03" in names


def test_bad_items_fail_alone(run, emu):
    items = [dict(name="rg-list-ok", location="westus2"), dict(name="rg/bad", location="westus2"),
             dict(name="rg-list-mars", location="mars"), dict(name="rg-list-x", location="westus2", state="gone"),
             dict(name="rg-list-new")]
    result = run("resource_group", resource_groups=items)
    assert result["failed"] and result["msg"].startswith("4 of 5 resource groups failed")
    assert [(i["name"], i["failed"]) for i in result["resource_groups"]] == [
        ("rg-list-ok", False), ("rg/bad", True), ("rg-list-mars", True), ("rg-list-x", True), ("rg-list-new", True)]
    assert "location is required" in result["resource_groups"][4]["msg"]
    names = {g["name"] for g in emu.state()["resource_groups"]}
    assert "rg-list-ok" in names and not names & {"rg-list-mars", "rg-list-x", "rg-list-new"}


def test_list_and_single_form_are_exclusive(run):
    result = run("resource_group", name="rg-x", resource_groups=[])
    assert result["failed"] and "mutually exclusive" in result["msg"]


def requests_since(emu, mark):
    """The ARM requests of the emulator's log after ``mark`` (sign-in and metadata left out)."""
    return [entry for entry in emu.requests(since=mark) if "/subscriptions/" in entry["path"].lower()]


def last_seq(emu):
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def test_match_location_false_in_the_list_form(run, emu, writes):
    assert not run("resource_group", name="rg-list-eu", location="westeurope").get("failed")
    items = [dict(name="rg-list-eu", location="eastus", tags={"k": "v"}), dict(name="rg-list-us", location="eastus")]
    before = len(writes())
    refused = run("resource_group", resource_groups=items)
    assert refused["failed"] and refused["resource_groups"][0]["failed"]
    assert "LocationIsCreateOnly" in refused["resource_groups"][0]["msg"]
    assert [w["method"] for w in writes()[before:]] == ["PUT"]        # rg-list-us only
    for check in (True, False):
        result = run("resource_group", check=check, match_location=False, resource_groups=items)
        assert not result.get("failed"), result["msg"]
        eu = result["resource_groups"][0]
        assert eu["msg"] == "updated" and eu["resource_group"]["location"] == "westeurope"
        assert eu["diff"]["before"]["location"] == eu["diff"]["after"]["location"] == "westeurope"
    # the item's own match_location overrides the task's
    result = run("resource_group", match_location=False,
                 resource_groups=[dict(items[0], location="northeurope", match_location=True)])
    assert result["failed"] and "is in westeurope; location northeurope was requested" in result["msg"]


def test_five_identical_declarations_are_one_put_and_five_results(run, emu, writes):
    items = [dict(name="rg-list-shared" if i % 2 else "RG-List-Shared", location="westus2", tags={"env": "prod"})
             for i in range(5)]
    results, diffs = [], []
    for check in (True, False, False):
        before = len(writes())
        result = run("resource_group", check=check, resource_groups=items)
        assert not result.get("failed"), result["msg"]
        diffs.append(result.get("diff"))
        assert len(result["resource_groups"]) == 5
        shared = [{k: v for k, v in item.items() if k != "name"} for item in result["resource_groups"]]
        assert all(entry == shared[0] for entry in shared)
        assert [item["name"] for item in result["resource_groups"]] == [item["name"] for item in items]
        results.append((shared[0], writes()[before:]))
    (predicted, none), (applied, put), (again, nothing) = results
    assert none == [] and nothing == [] and [(w["method"], w["status"]) for w in put] == [("PUT", 201)]
    assert predicted["msg"] == applied["msg"] == "created" and again["msg"] == "unchanged"
    assert predicted["resource_group"] == applied["resource_group"]
    # the task's diff shows the group's one change once
    assert [d["after_header"] for d in diffs[1]] == ["resource group 'RG-List-Shared'"] and diffs[2] == []


def test_different_declarations_of_one_group_fail_alone(run, emu, writes):
    items = [dict(name="rg-list-conflict", location="westus2", tags={"env": "prod"}),
             dict(name="rg-list-fine", location="westus2"),
             dict(name="rg-list-conflict", location="westus2", tags={"env": "prod"}),
             dict(name="rg-list-conflict", location="westus2", tags={"env": "test"})]
    before = len(writes())
    result = run("resource_group", resource_groups=items)
    assert result["failed"] and result["msg"].startswith("3 of 4 resource groups failed")
    outcome = [(i["failed"], i["changed"]) for i in result["resource_groups"]]
    assert outcome == [(True, False), (False, True), (True, False), (True, False)]
    for index in (0, 2, 3):
        assert result["resource_groups"][index]["msg"].startswith(
            "Resource group 'rg-list-conflict' is declared by items 1, 3 and 4 with different tags")
    # the task's message says the shared error once, with the item numbers
    assert result["msg"].count("resource group 'rg-list-conflict' (items 1, 3 and 4): Resource group") == 1
    assert [w["path"].rsplit("/", 1)[-1].split("?")[0] for w in writes()[before:]] == ["rg-list-fine"]
    names = {g["name"] for g in emu.state()["resource_groups"]}
    assert "rg-list-conflict" not in names


# Measured with the emulator's request log: the ARM requests of a run. Headroom of one request each.
GROUP_LIST_UNCHANGED_REQUESTS = 1


def test_a_hundred_items_of_one_existing_group_cost_one_list(run, emu):
    assert not run("resource_group", name="rg-list-fleet", location="westus2", tags={"env": "prod"}).get("failed")
    items = [dict(name="rg-list-fleet", location=("westus2", "eastus", "westeurope")[i % 3], tags={"env": "prod"})
             for i in range(100)]
    for check in (True, False):
        mark = last_seq(emu)
        result = run("resource_group", check=check, match_location=False, resource_groups=items)
        assert not result.get("failed") and not result["changed"], result.get("msg")
        assert [i["msg"] for i in result["resource_groups"]] == ["unchanged"] * 100
        arm = requests_since(emu, mark)
        assert len(arm) <= GROUP_LIST_UNCHANGED_REQUESTS + 1, [(e["method"], e["path"]) for e in arm]
        assert [(e["method"], e["path"].split("?")[0].rsplit("/", 1)[-1]) for e in arm] == [("GET", "resourcegroups")]
