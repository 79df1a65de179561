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
