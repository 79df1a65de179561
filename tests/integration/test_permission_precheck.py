# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dt_role_assignment's permission pre-check (check_permissions) against the emulator: a caller that may not write or
delete role assignments fails before any write, in check mode too; callers that may still work; a run that changes
nothing costs no extra request; a failed permissions read never blocks the write."""

from __future__ import annotations

import uuid

import pytest
from conftest import new_caller, seeded_caller, write_calls  # pylint: disable=import-error

ALICE = "0e000000-0000-4000-8000-00000000a11c"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
RG = "rg-precheck"
INSTANCE = "pc-00000"
PERMISSIONS = "/providers/microsoft.authorization/permissions"
WRITE = "Microsoft.Authorization/roleAssignments/write"
DELETE = "Microsoft.Authorization/roleAssignments/delete"


@pytest.fixture
def instance(emu):
    emu.settings(provisioning_delay_seconds=0, deletion_delay_seconds=0)
    emu.bulk_instances(count=1, resource_group=RG, name_prefix="pc")
    sub = emu.seed["subscription"]["id"]
    rg_scope = "/subscriptions/%s/resourceGroups/%s" % (sub, RG)
    return dict(rg_scope=rg_scope, scope=rg_scope + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/" + INSTANCE)


@pytest.fixture
def run(run_module):
    """run_module for dt_role_assignment."""

    def _run(**args):
        return run_module("dt_role_assignment", **args)

    return _run


def grant(run, scope, principal_id, role, principal_type="ServicePrincipal"):
    result = run(scope=scope, assignee_object_id=principal_id, principal_type=principal_type, role=role)
    assert not result.get("failed"), result.get("msg")
    return result


def permission_reads(entries):
    return [e for e in entries if e["path"].lower().endswith(PERMISSIONS)]


def failed(result):
    assert result.get("failed"), "expected a failure, got %r" % (result,)
    return result["msg"]


def custom_role(emu, run_module, name, actions, not_actions=()):
    """A custom role at the subscription, made as the automation principal; its GUID."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.authorization import AuthorizationManagementClient

    env = emu.env
    credential = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"], authority=emu.url,
                                        disable_instance_discovery=True, connection_verify=emu.ca_path)
    client = AuthorizationManagementClient(credential, env["AZURE_SUBSCRIPTION_ID"], base_url=emu.url, connection_verify=emu.ca_path,
                                           credential_scopes=["https://management.azure.com/.default"])
    guid = str(uuid.uuid4())
    scope = "/subscriptions/" + env["AZURE_SUBSCRIPTION_ID"]
    client.role_definitions.create_or_update(scope, guid, {"role_name": name, "assignable_scopes": [scope], "permissions": [
        {"actions": list(actions), "not_actions": list(not_actions)}]})
    return guid


# ---- a Contributor is stopped before any write -------------------------------------------------------------------------

@pytest.mark.parametrize("check", [True, False], ids=["check-mode", "real"])
def test_contributor_fails_before_the_write(emu, run, instance, log, check):
    result = run(check=check, instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User",
                 env=seeded_caller(emu, "limited"))
    msg = failed(result)
    assert msg.startswith("The caller (service principal with client id a0700000-0000-4000-8000-0000000000c2) lacks %s at scope %s; "
                          "only Owner, User Access Administrator or Role Based Access Control Administrator" % (WRITE, instance["scope"])), msg
    assert "Contributor is not enough" in msg and "Nothing was changed" in msg
    assert result["error_code"] == "AuthorizationPrecheckFailed" and "status_code" not in result
    entries = log()
    assert write_calls(entries) == [], "no PUT or DELETE may be sent"
    assert [e["status"] for e in permission_reads(entries)] == [200]
    assert [a for a in emu.state()["role_assignments"] if a["properties"]["principalId"] == ALICE] == []


def test_contributor_cannot_remove_either(emu, run, instance, mark):
    grant(run, instance["scope"], ALICE, "Azure Digital Twins Data Owner", principal_type="User")
    before = emu.state()["role_assignments"]
    start = mark()
    msg = failed(run(state="absent", instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE,
                     env=seeded_caller(emu, "limited")))
    assert "lacks %s at scope %s" % (DELETE, instance["scope"]) in msg and "can remove role assignments" in msg
    assert write_calls(emu.requests(since=start)) == []
    assert emu.state()["role_assignments"] == before


def test_new_instance_in_check_mode_is_checked_at_its_resource_group(emu, run, instance, log):
    future = instance["rg_scope"] + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/pc-not-yet"
    msg = failed(run(check=True, scope=future, assignee_object_id=ALICE, principal_type="User",
                     env=seeded_caller(emu, "limited")))
    assert "at scope %s (checked at %s, the nearest scope that exists)" % (future, instance["rg_scope"]) in msg
    reads = permission_reads(log())
    assert [e["status"] for e in reads] == [404, 200]
    assert "//digitalTwinsInstances/pc-not-yet" in reads[0]["path"] and reads[1]["path"].lower() == (instance["rg_scope"] + PERMISSIONS).lower()
    assert write_calls(log()) == []


def test_new_resource_group_cannot_be_checked_in_advance(emu, run, log):
    """No permissions operation above the resource group (2022-04-01): the dry run passes, ARM decides on the write."""
    sub = emu.seed["subscription"]["id"]
    future = "/subscriptions/%s/resourceGroups/rg-not-yet/providers/Microsoft.DigitalTwins/digitalTwinsInstances/pc-x" % sub
    result = run(check=True, scope=future, assignee_object_id=ALICE, principal_type="User",
                 env=seeded_caller(emu, "limited"))
    assert result["changed"] is True and not result.get("failed"), result
    assert result["warning_texts"] == []
    assert [(e["status"], e["path"].split("/")[4]) for e in permission_reads(log())] == [(404, "rg-not-yet")]
    assert write_calls(log()) == []


def test_subscription_scope_sends_no_permissions_request(emu, run, log):
    sub_scope = "/subscriptions/" + emu.seed["subscription"]["id"]
    result = run(check=True, scope=sub_scope, assignee_object_id=ALICE, principal_type="User", role="Reader",
                 env=seeded_caller(emu, "limited"))
    assert result["changed"] is True and not result.get("failed")
    assert permission_reads(log()) == []


def test_without_the_check_arm_answers_403(emu, run, instance, log):
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", check_permissions=False,
                 env=seeded_caller(emu, "limited"))
    msg = failed(result)
    assert result["status_code"] == 403 and "Contributor is not enough" in msg
    assert permission_reads(log()) == []
    assert [m for m, dummy in write_calls(log())] == ["PUT"]


# ---- callers that may assign -------------------------------------------------------------------------------------------

def test_owner_creates_and_removes(emu, run, instance, log):
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    assert run(check=True, **args)["changed"] is True
    assert run(**args)["changed"] is True
    assert run(state="absent", **args)["changed"] is True
    entries = log()
    assert [e["status"] for e in permission_reads(entries)] == [200, 200, 200]
    assert [m for m, dummy in write_calls(entries)] == ["PUT", "DELETE"]


def test_user_access_administrator_assigns(emu, run, instance):
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User",
                 env=seeded_caller(emu, "no_graph"))
    assert result["changed"] is True and not result.get("failed"), result.get("msg")


def test_grants_on_the_instance_and_through_a_group_count(emu, run, instance):
    sp, env = new_caller(emu, "sp-precheck-scoped")
    grant(run, instance["rg_scope"], sp["id"], "Contributor")
    group = emu.add_principal(kind="group", display_name="precheck-access-admins", members=[sp["id"]])
    # Contributor on the group alone is not enough ...
    assert "lacks %s" % WRITE in failed(run(check=True, instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE,
                                            principal_type="User", env=env))
    # ... User Access Administrator on the instance, held through a group, is.
    grant(run, instance["scope"], group["id"], "User Access Administrator", principal_type="Group")
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", env=env)
    assert result["changed"] is True and not result.get("failed"), result.get("msg")


def test_custom_role_with_not_actions(emu, run, run_module, instance, log):
    guid = custom_role(emu, run_module, "precheck assign-only", ["*/read", "Microsoft.Authorization/roleAssignments/*"],
                       not_actions=["microsoft.authorization/ROLEASSIGNMENTS/delete"])
    sp, env = new_caller(emu, "sp-precheck-custom")
    grant(run, instance["scope"], sp["id"], guid)
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", env=env)
    assert run(**args)["changed"] is True
    msg = failed(run(state="absent", **args))
    assert "lacks %s" % DELETE in msg


# ---- no extra request when nothing changes; a failed read does not block -----------------------------------------------

def test_no_change_run_sends_no_permissions_request(emu, run, instance, mark):
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    run(**args)
    counts = []
    for check_permissions in (True, False):
        start = mark()
        assert run(check_permissions=check_permissions, **args)["changed"] is False
        entries = emu.requests(since=start)
        assert permission_reads(entries) == [] and write_calls(entries) == []
        counts.append(len(entries))
    assert counts[0] == counts[1], "the check must cost nothing when nothing changes"
    start = mark()
    assert run(state="absent", instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL)["changed"] is False
    assert permission_reads(emu.requests(since=start)) == []


def test_caller_that_may_not_read_permissions_is_not_blocked(emu, run, run_module, instance, mark):
    """A custom role that may assign roles but not read permissions: the check says 'unknown' and ARM decides."""
    guid = custom_role(emu, run_module, "precheck blind assigner",
                       ["Microsoft.Authorization/roleAssignments/*", "Microsoft.DigitalTwins/digitalTwinsInstances/read"])
    sp, env = new_caller(emu, "sp-precheck-blind")
    grant(run, instance["scope"], sp["id"], guid)
    start = mark()
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", env=env)
    check = run(check=True, **args)
    assert check["changed"] is True and not check.get("failed"), check.get("msg")
    assert any("could not be read" in w and "AuthorizationFailed" in w for w in check["warning_texts"]), check["warning_texts"]
    applied = run(**args)
    assert applied["changed"] is True and not applied.get("failed"), applied.get("msg")
    assert applied["warning_texts"] == []
    entries = emu.requests(since=start)
    assert [e["status"] for e in permission_reads(entries)] == [403, 403]
    assert [(m, s) for m, s in ((e["method"], e["status"]) for e in entries) if m == "PUT"] == [("PUT", 201)]


def test_failing_permissions_read_does_not_block(emu, run, instance, log):
    emu.inject_fault(path_regex="/providers/Microsoft.Authorization/permissions$", kind="status", status=400, count=1,
                     error_code="InjectedFault")
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User",
                 env=seeded_caller(emu, "no_graph"))
    assert result["changed"] is True and not result.get("failed"), result.get("msg")
    assert [e["status"] for e in permission_reads(log())] == [400]
