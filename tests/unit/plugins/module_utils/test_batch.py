# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.twinops.digital_twins.plugins.module_utils._batch import (
    Outcome,
    change_word,
    created_resource_group,
    entry_of,
    resource_group_missing,
)


def _instance(name, group, changed=False, failed=False, msg="unchanged", before=None, after=None, **extra):
    after = after if after is not None else {"name": name, "resource_group": group, "host_name": name + ".example"}
    return dict(name=name, resource_group=group, changed=changed, failed=failed, msg=msg, instance=after,
                diff={"before": before if before is not None else after, "after": after}, **extra)


def _target(name, group, changed=False, failed=False, msg="unchanged", added=(), removed=()):
    return dict(instance=name, resource_group=group, changed=changed, failed=failed, msg=msg,
                assignments=[{"principal_id": "p"}], added=list(added), removed=list(removed),
                diff={"before": {"s": []}, "after": {"s": ["x"]} if changed else {"s": []}})


PLAN = {"instances": [_instance("dt-a", "rg", changed=True, msg="created", before={}, resource_group_exists=False),
                      _instance("dt-b", "RG")]}


def test_entry_of_matches_instance_and_group_case_insensitively():
    assert entry_of(PLAN, "DT-B", "rg")[1]["name"] == "dt-b"
    assert entry_of(PLAN, "dt-b", "other") is None


def test_entry_of_ignores_skipped_results_and_reports_a_call_that_failed_as_a_whole():
    assert entry_of({"skipped": True, "changed": False}, "dt-a", "rg") is None
    assert entry_of({"failed_when_result": False, "msg": "No credentials"}, "dt-a", "rg") == (
        "call", {"failed_when_result": False, "msg": "No credentials"})


def test_a_call_that_failed_as_a_whole_fails_every_host_with_its_message():
    outcome = Outcome([{"msg": "Authentication failed: AADSTS7000215"}], "dt-a", "rg")
    assert outcome.failure == "Authentication failed: AADSTS7000215"


def test_the_first_failure_in_call_order_is_the_hosts_headline():
    first = {"instances": [_instance("dt-a", "rg", failed=True, msg="Region 'westus' is not offered")]}
    later = {"targets": [_target("dt-a", "rg", failed=True, msg="lacks roleAssignments/write")]}
    outcome = Outcome([first, later], "dt-a", "rg")
    assert outcome.failure == "Region 'westus' is not offered"


def test_another_hosts_failure_does_not_touch_this_host():
    result = {"instances": [_instance("dt-a", "rg", failed=True, msg="bad"), _instance("dt-b", "rg")]}
    assert Outcome([result], "dt-b", "rg").failure is None


def test_the_latest_entry_of_a_kind_wins_and_changed_follows_it():
    applied = {"instances": [_instance("dt-a", "rg", changed=True, msg="created", before={}, created=True)]}
    outcome = Outcome([PLAN, applied], "dt-a", "rg")
    assert outcome.entries["instances"] is applied["instances"][0]
    assert outcome.changed and outcome.created_instance
    unchanged = Outcome([{"instances": [_instance("dt-b", "rg")]}], "dt-b", "rg")
    assert not unchanged.changed and not unchanged.created_instance


def test_a_predicted_create_is_not_a_created_instance():
    outcome = Outcome([PLAN], "dt-a", "rg")
    assert outcome.changed and not outcome.created_instance
    assert resource_group_missing(outcome)
    assert not resource_group_missing(Outcome([PLAN], "dt-b", "rg"))


def test_change_words():
    assert change_word({"changed": False}) == "unchanged"
    assert change_word({"changed": True, "diff": {"before": {}, "after": {"a": 1}}}) == "created"
    assert change_word({"changed": True, "diff": {"before": {"a": 1}, "after": {}}}) == "deleted"
    assert change_word({"changed": True, "diff": {"before": {"a": 1}, "after": {"a": 2}}}) == "updated"


def test_created_resource_group_only_in_a_real_run_and_only_when_created():
    created = {"resource_groups": [{"name": "rg", "changed": True, "failed": False, "msg": "created",
                                    "diff": {"before": {}, "after": {"name": "rg"}}}]}
    tagged = {"resource_groups": [{"name": "rg", "changed": True, "failed": False, "msg": "updated",
                                   "diff": {"before": {"tags": {}}, "after": {"tags": {"a": "b"}}}}]}
    assert created_resource_group(Outcome([created], "dt-a", "rg"), check_mode=False)
    assert not created_resource_group(Outcome([created], "dt-a", "rg"), check_mode=True)
    assert not created_resource_group(Outcome([tagged], "dt-a", "rg"), check_mode=False)


def test_diffs_only_for_changed_entries_with_headers():
    access = {"targets": [_target("dt-a", "rg", changed=True, added=[{"principal_id": "p"}])]}
    outcome = Outcome([PLAN, access], "dt-a", "rg")
    diffs = outcome.diffs()
    assert [d["before_header"] for d in diffs] == ["instance dt-a", "role assignments on instance dt-a"]
    assert Outcome([{"instances": [_instance("dt-b", "rg")]}], "dt-b", "rg").diffs() == []


def test_fact_and_summary():
    access = {"targets": [_target("dt-a", "rg", changed=True, added=[{"principal_id": "p"}])]}
    groups = {"resource_groups": [{"name": "rg", "changed": False, "failed": False, "msg": "unchanged", "diff": {}}]}
    outcome = Outcome([PLAN, groups, access], "dt-a", "rg")
    fact = outcome.fact()
    assert fact["name"] == "dt-a" and fact["host_name"] == "dt-a.example"
    assert fact["added_assignments"] == [{"principal_id": "p"}] and fact["removed_assignments"] == []
    assert fact["changes"] == {"resource_group": "unchanged", "instance": "created"}
    assert outcome.summary() == "resource group unchanged; instance created; role assignments 1 added, 0 removed"


def test_what_later_calls_report_is_not_a_failed_hosts():
    plan = {"instances": [_instance("dt-a", "rg", failed=True, msg="Region 'westus' is not offered")]}
    groups = {"resource_groups": [{"name": "rg", "changed": True, "failed": False, "msg": "created",
                                   "diff": {"before": {}, "after": {"name": "rg"}}}]}
    outcome = Outcome([plan, groups], "dt-a", "rg")
    assert outcome.failure == "Region 'westus' is not offered"
    assert "resource_groups" not in outcome.entries and not created_resource_group(outcome, check_mode=False)


def test_removal_reports_the_instance_then_its_group():
    deleted = _instance("dt-a", "rg", changed=True, msg="deleted", before={"id": "/x"}, after={})
    group = dict(name="RG", changed=True, failed=False, msg="deleted", diff={"before": {"id": "/g"}, "after": {}})
    outcome = Outcome([{"instances": [deleted]}, {"instances": [deleted]}, {"resource_groups": [group]}], "dt-a", "rg",
                      removing=True)
    assert outcome.summary() == "instance deleted; resource group deleted"
    assert [d["before_header"] for d in outcome.diffs()] == ["instance dt-a", "resource group rg"]
    assert outcome.removal_fact() == dict(name="dt-a", resource_group="rg", state="absent", deleted=True,
                                          resource_group_deleted=True,
                                          changes={"instance": "deleted", "resource_group": "deleted"})


def test_removal_of_an_instance_already_gone():
    gone = _instance("dt-a", "rg", msg="unchanged", before={}, after={})
    fact = Outcome([{"instances": [gone]}, {"skipped": True}], "dt-a", "rg", removing=True).removal_fact()
    assert (fact["deleted"], fact["resource_group_deleted"]) == (False, False)


def test_values_to_note():
    after = {"name": "dt-b", "resource_group": "RG", "host_name": "dt-b.h", "endpoint": "https://dt-b.h"}
    outcome = Outcome([{"instances": [_instance("dt-b", "RG", after=after)]}], "dt-b", "rg")
    assert outcome.values_to_note() == ["hostName: dt-b.h", "name: dt-b", "resourceGroup: RG", "endpoint: https://dt-b.h"]
    planned = Outcome([PLAN], "dt-a", "rg")
    assert planned.values_to_note()[0] == "hostName: dt-a.example"
    later = "(known once the instance exists)"
    expected = ["hostName: " + later, "name: dt-c", "resourceGroup: rg", "endpoint: " + later]
    assert Outcome([], "dt-c", "rg").values_to_note() == expected
