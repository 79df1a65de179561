# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import build
from ansible_collections.twinops.digital_twins.plugins.module_utils._plan import (
    Plan,
    collect,
    results,
    step,
)

NAMES = dict(declaration="setup_declared", batch="setup_batch", access_plan="setup_plan_access",
             instance_plan="setup_plan_instances", resource_groups="setup_resource_groups", instances="setup_instances",
             access="setup_access", deleted_groups="setup_deleted_groups")


def declare(name, group, state="present", create=True, delete=False, tags=None, **settings):
    """A declaration as setup_declaration builds it, from the role's values."""
    values = dict(setup_instance_name=name, setup_resource_group=group, setup_state=state, setup_location="westus2",
                  setup_purge_tags=True, setup_create_resource_group=create, setup_delete_resource_group=delete,
                  setup_resource_group_tags=tags, setup_instance_tags=None, setup_instance_identity=None,
                  setup_public_network_access=None, setup_data_owners=["alice@contoso.com"], setup_data_readers=[],
                  setup_role_assignments=[], setup_exclusive=False, setup_wait=settings.get("wait", True),
                  setup_verify=settings.get("verify", True), setup_wait_timeout=settings.get("wait_timeout", 1200),
                  setup_principal_wait_timeout=settings.get("principal_wait_timeout", 180))
    return build("host-" + name.lower(), values)


def target(name, group, changed=False, failed=False):
    return dict(instance=name, resource_group=group, changed=changed, failed=failed, msg="failed" if failed else "ok")


def instance(name, group, changed=False, failed=False, exists=True, msg=None, before_id=None):
    item = dict(name=name, resource_group=group, changed=changed, failed=failed, msg=msg or "unchanged",
                diff=dict(before=dict(id=before_id) if before_id else {}, after={}))
    if exists is not None:
        item["resource_group_exists"] = exists
    return item


def group(name, failed=False):
    return dict(name=name, changed=not failed, failed=failed)


def names(declarations):
    return [declaration["name_key"] for declaration in declarations]


SKIPPED = {"skipped": True, "changed": False, "skip_reason": "Conditional result was False"}


# collect


def test_collect_keeps_the_hosts_with_a_declaration_and_plans_the_access_of_the_present_ones():
    a, b, c = declare("dt-a", "rg-1"), declare("dt-b", "rg-1", state="absent"), declare("dt-c", "RG-2")
    collected = collect([a, None, b, c])
    assert collected["batch"] == [a, b, c]
    assert collected["targets"] == [a["access"], c["access"]]
    assert collected["shared_resource_groups"] == ["rg-1"]


def test_collect_reduces_the_settings_over_the_batch():
    collected = collect([declare("dt-a", "rg", wait=True, verify=False, wait_timeout=600, principal_wait_timeout=30),
                         declare("dt-b", "rg", wait=False, verify=True, wait_timeout=1800, principal_wait_timeout=10),
                         declare("dt-c", "rg", wait=True, verify=False, wait_timeout=60, principal_wait_timeout=300)])
    assert (collected["wait"], collected["wait_timeout"], collected["principal_wait_timeout"], collected["verify"]) == (
        False, 1800, 300, True)
    unanimous = collect([declare("dt-a", "rg", verify=False), declare("dt-b", "rg2", verify=False)])
    assert (unanimous["wait"], unanimous["verify"], unanimous["shared_resource_groups"]) == (True, False, [])


def test_collect_of_an_empty_batch_covers_nothing():
    collected = collect([None, None])
    assert collected == dict(batch=[], targets=[], wait=None, wait_timeout=None, principal_wait_timeout=None,
                             verify=None, shared_resource_groups=[])


# the dry runs


def test_the_present_and_absent_hosts_are_all_planned_and_all_converge():
    a, b = declare("dt-a", "rg"), declare("dt-b", "rg-old", state="absent")
    plan = Plan([a, b], access_plan={"targets": [target("dt-a", "rg", changed=True)]},
                instance_plan={"instances": [instance("dt-a", "rg", changed=True, msg="created"),
                                             instance("dt-b", "rg-old", changed=True, msg="deleted", before_id="/id/b")]})
    assert names(plan.present) == ["dt-a"]
    assert step("access_planned", plan)["instances"] == [a["instance"], b["instance"]]
    assert names(plan.planned) == ["dt-a", "dt-b"]
    assert names(plan.instances_to_converge) == ["dt-a", "dt-b"]
    assert names(plan.converging) == ["dt-a"]
    assert plan.groups_to_delete == []  # dt-b keeps its group


def test_a_host_whose_access_plan_failed_is_not_planned_and_nothing_is_written_for_it():
    a, b = declare("DT-A", "rg"), declare("dt-b", "rg")
    access = {"targets": [target("dt-a", "RG", failed=True), target("dt-b", "rg", changed=True)]}
    plan = Plan([a, b], access_plan=access)
    assert plan.access_refused == ["dt-a"]
    assert step("access_planned", plan)["instances"] == [b["instance"]]
    plan = Plan([a, b], access_plan=access, instance_plan={"instances": [instance("dt-b", "rg", exists=False)]})
    assert plan.plan_failed == ["dt-a"]
    assert names(plan.planned) == names(plan.to_create) == names(plan.converging) == ["dt-b"]
    assert [item["name"] for item in step("planned", plan, NAMES)["resource_groups"]] == ["rg"]


def test_a_host_whose_instance_plan_failed_is_left_out_of_every_write():
    a, b = declare("dt-a", "rg-a"), declare("dt-b", "rg-b")
    plan = Plan([a, b], access_plan={"targets": [target("dt-a", "rg-a"), target("dt-b", "rg-b", changed=True)]},
                instance_plan={"instances": [instance("DT-A", "rg-a", failed=True, exists=None),
                                             instance("dt-b", "rg-b", changed=True, exists=False)]})
    assert plan.plan_failed == ["dt-a"]
    assert names(plan.planned) == ["dt-b"]
    assert [item["name"] for item in step("planned", plan, NAMES)["resource_groups"]] == ["rg-b"]
    assert step("groups_converged", plan)["instances"] == [b["instance"]]
    assert step("instances_converged", Plan([a, b], plan.access_plan, plan.instance_plan, SKIPPED,
                                            {"instances": []}))["targets"] == [b["access"]]


# the resource groups


def test_a_missing_group_is_created_only_when_the_role_may_create_it():
    may, may_not = declare("dt-a", "rg-new"), declare("dt-b", "rg-missing", create=False)
    plan = Plan([may, may_not], access_plan=SKIPPED,
                instance_plan={"instances": [instance("dt-a", "rg-new", exists=False, changed=True),
                                             instance("dt-b", "rg-missing", exists=False, changed=True)]})
    assert plan.groups_found == []
    assert names(plan.to_create) == ["dt-a"]
    assert step("planned", plan, NAMES)["resource_groups"] == [may["resource_group"]]
    # dt-b is not created: its outcome reports the missing group (batch_result's resource_group_missing_msg)
    assert names(plan.instances_to_converge) == ["dt-a"]


def test_an_existing_group_needs_no_call_unless_its_tags_are_declared():
    untagged, found_no_create = declare("dt-a", "RG-1"), declare("dt-b", "rg-2", create=False, tags={"env": "x"})
    tagged, empty_tags = declare("dt-c", "rg-3", tags={"env": "prod"}), declare("dt-d", "rg-4", tags={})
    plan = Plan([untagged, found_no_create, tagged, empty_tags], access_plan=SKIPPED, instance_plan={"instances": [
        instance("dt-a", "rg-1"), instance("dt-b", "rg-2"), instance("dt-c", "rg-3"), instance("dt-d", "rg-4")]})
    assert plan.groups_found == ["rg-1", "rg-2", "rg-3", "rg-4"]
    # the hosts that may create their group first, then those whose existing group the role does not manage
    assert names(plan.to_create) == ["dt-a", "dt-c", "dt-d", "dt-b"]
    assert names(plan.groups_to_converge) == ["dt-c", "dt-d"]
    assert plan.apply_needed is True
    untouched = Plan([untagged], access_plan=SKIPPED, instance_plan={"instances": [instance("dt-a", "rg-1")]})
    assert untouched.groups_to_converge == [] and untouched.apply is False


def test_a_missing_group_with_declared_tags_is_listed_twice_as_today():
    new = declare("dt-a", "rg-new", tags={"env": "prod"})
    plan = Plan([new], access_plan=SKIPPED, instance_plan={"instances": [instance("dt-a", "rg-new", exists=False)]})
    assert names(plan.groups_to_converge) == ["dt-a", "dt-a"]


def test_a_group_that_failed_keeps_its_hosts_instances_untouched():
    a, b, gone = declare("dt-a", "rg-a"), declare("dt-b", "rg-b"), declare("dt-c", "rg-a", state="absent")
    plan = Plan([a, b, gone], access_plan={"targets": [target("dt-a", "rg-a", changed=True),
                                                       target("dt-b", "rg-b", changed=True)]},
                instance_plan={"instances": [instance("dt-a", "rg-a", exists=False, changed=True),
                                             instance("dt-b", "rg-b", exists=False, changed=True),
                                             instance("dt-c", "rg-a", exists=None)]},
                resource_groups={"resource_groups": [group("RG-A", failed=True), group("rg-b")]})
    assert plan.groups_failed == ["rg-a"]
    assert step("groups_converged", plan)["instances"] == [b["instance"], gone["instance"]]
    plan.instances = {"instances": [instance("dt-b", "rg-b", changed=True), instance("dt-c", "rg-a")]}
    assert step("instances_converged", plan)["targets"] == [b["access"]]


def test_a_host_whose_instance_failed_gets_no_access_and_keeps_its_group():
    a, b = declare("dt-a", "rg"), declare("dt-b", "rg")
    gone = declare("dt-c", "rg-old", state="absent", delete=True)
    plan = Plan([a, b, gone], access_plan={"targets": [target("dt-a", "rg", changed=True),
                                                       target("dt-b", "rg", changed=True)]},
                instance_plan={"instances": [instance("dt-a", "rg", changed=True), instance("dt-b", "rg", changed=True),
                                             instance("dt-c", "rg-old", changed=True, msg="deleted", before_id="/c")]},
                resource_groups=SKIPPED,
                instances={"instances": [instance("DT-A", "rg", failed=True), instance("dt-b", "rg", changed=True),
                                         instance("dt-c", "rg-old", failed=True)]})
    assert plan.instances_failed == ["dt-a", "dt-c"]
    converged = step("instances_converged", plan)
    assert converged == dict(targets=[b["access"]], resource_groups=[])


def test_the_groups_to_delete_hold_only_the_instances_the_plan_deletes():
    keep = declare("dt-a", "rg-a", state="absent")
    drop = declare("dt-b", "RG-B", state="absent", delete=True)
    also = declare("dt-c", "rg-c", state="absent", delete=True)
    plan = Plan([keep, drop, also], access_plan=SKIPPED, instance_plan={"instances": [
        instance("dt-a", "rg-a", changed=True, msg="deleted", before_id="/rg-a/dt-a", exists=None),
        instance("dt-b", "rg-b", changed=True, msg="deleted", before_id="/rg-b/dt-b", exists=None),
        instance("dt-c", "rg-c", msg="absent", exists=None)]})
    expected = [dict(name="RG-B", state="absent", delete_resources=["/rg-a/dt-a", "/rg-b/dt-b"]),
                dict(name="rg-c", state="absent", delete_resources=["/rg-a/dt-a", "/rg-b/dt-b"])]
    assert plan.groups_to_delete == expected
    # the declaration is not changed by the plan
    assert drop["resource_group_absent"] == dict(name="RG-B", state="absent")
    assert step("instances_converged", plan, check_mode=True)["resource_groups"] == expected


def test_a_group_to_delete_alone_needs_the_writes():
    only = declare("dt-c", "rg-c", state="absent", delete=True)
    plan = Plan([only], access_plan=SKIPPED, instance_plan={"instances": [instance("dt-c", "rg-c", exists=None)]})
    assert plan.apply_needed is True and plan.apply is True


# whether the writes run


@pytest.mark.parametrize("access_changed, instance_changed, expected", [
    (False, False, False), (True, False, True), (False, True, True), (True, True, True)])
def test_apply_needed_follows_the_predicted_changes(access_changed, instance_changed, expected):
    a = declare("dt-a", "rg")
    plan = Plan([a], access_plan={"targets": [target("dt-a", "rg", changed=access_changed)]},
                instance_plan={"instances": [instance("dt-a", "rg", changed=instance_changed)]})
    assert plan.apply_needed is expected and plan.apply is expected
    assert step("planned", plan, NAMES)["apply"] is expected


def test_skipped_dry_runs_answer_and_predict_nothing():
    plan = Plan([declare("dt-a", "rg", state="absent")], access_plan=SKIPPED, instance_plan=SKIPPED)
    assert plan.plan_ok is True and plan.apply_needed is False


@pytest.mark.parametrize("which", ["access_plan", "instance_plan"])
def test_a_dry_run_that_failed_as_a_whole_stops_every_write(which):
    plans = dict(access_plan={"targets": [target("dt-a", "rg", changed=True)]},
                 instance_plan={"instances": [instance("dt-a", "rg", changed=True, exists=False)]})
    plans[which] = {"failed_when_result": False, "msg": "Authentication failed", "changed": False}
    plan = Plan([declare("dt-a", "rg")], **plans)
    assert plan.plan_ok is False
    assert plan.apply_needed is True  # something is predicted, but nothing runs
    planned = step("planned", plan, NAMES)
    assert planned["apply"] is False
    assert planned["results"] == dict(present=["setup_plan_access", "setup_plan_instances"],
                                      absent=["setup_plan_instances"])


def test_an_instance_call_that_failed_as_a_whole_stops_the_access():
    a = declare("dt-a", "rg")
    plan = Plan([a], access_plan={"targets": [target("dt-a", "rg", changed=True)]},
                instance_plan={"instances": [instance("dt-a", "rg", changed=True)]}, resource_groups=SKIPPED,
                instances={"msg": "Authentication failed", "changed": False})
    assert plan.instances_failed == []
    assert step("instances_converged", plan)["targets"] == []
    plan.instances = SKIPPED
    assert step("instances_converged", plan)["targets"] == [a["access"]]


def test_the_writes_of_instances_and_access_run_only_when_predicted_and_not_in_check_mode():
    a = declare("dt-a", "rg", tags={"env": "prod"})
    plan = Plan([a], access_plan={"targets": [target("dt-a", "rg", changed=False)]},
                instance_plan={"instances": [instance("dt-a", "rg", changed=False)]}, resource_groups=SKIPPED,
                instances=SKIPPED)
    assert step("planned", plan, NAMES)["apply"] is True  # the tags may have drifted
    assert step("groups_converged", plan) == dict(instances=[])
    assert step("instances_converged", plan)["targets"] == []
    plan.instance_plan = {"instances": [instance("dt-a", "rg", changed=True)]}
    plan.access_plan = {"targets": [target("dt-a", "rg", changed=True)]}
    assert step("groups_converged", plan)["instances"] == [a["instance"]]
    assert step("instances_converged", plan)["targets"] == [a["access"]]
    assert step("groups_converged", plan, check_mode=True)["instances"] == []
    assert step("instances_converged", plan, check_mode=True)["targets"] == []


def test_the_results_each_host_reads_name_the_writes_only_when_they_run():
    assert results(NAMES, True) == dict(
        present=["setup_plan_access", "setup_plan_instances", "setup_resource_groups", "setup_instances",
                 "setup_access"],
        absent=["setup_plan_instances", "setup_instances", "setup_deleted_groups"])
    assert results(NAMES, False) == dict(present=["setup_plan_access", "setup_plan_instances"],
                                         absent=["setup_plan_instances"])


def test_entries_that_are_not_items_are_ignored():
    plan = Plan([declare("dt-a", "rg")], access_plan={"targets": ["junk", None]},
                instance_plan={"instances": "not a list"})
    assert plan.access_refused == [] and plan.groups_found == [] and plan.plan_ok is False


def test_an_unknown_step_is_refused():
    with pytest.raises(ValueError, match="unknown step 'collected'"):
        step("collected", Plan([]))
