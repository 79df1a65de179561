# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dt_role_assignment and dt_role_assignment_info run_module() with fake clients: option handling, flow, results."""

from __future__ import annotations

import contextlib
import io
import json
from types import SimpleNamespace

import pytest
from ansible.module_utils import basic
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import assignment_id, assignment_name
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.modules import dt_role_assignment, dt_role_assignment_info

SUB = "5ab5c000-0000-4000-8000-000000000001"
SCOPE = "/subscriptions/%s/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1" % SUB
OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
READER = "d57506d4-4c8d-48b1-8587-93c323f6a5a3"
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ALICE = "0e000000-0000-4000-8000-00000000a11c"


def role_id(guid):
    return "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid)


def stored(name, guid=OWNER, scope=SCOPE, principal=ALICE):
    return SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=principal,
                           principal_type="User", role_definition_id=role_id(guid))


class FakeAuthorization:
    def __init__(self, listed=()):
        self.listed = list(listed)
        self.calls = []
        self.role_assignments = self
        self.role_definitions = SimpleNamespace(list=self._no_role_lookup, get=self._no_role_lookup)

    def _no_role_lookup(self, *args, **kwargs):
        raise AssertionError("built-in roles need no lookup")

    def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
        self.calls.append(("list", scope, filter))
        return iter(self.listed)

    def create(self, scope, name, parameters):
        self.calls.append(("create", scope, name))
        return SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=parameters.principal_id,
                               principal_type=parameters.principal_type, role_definition_id=parameters.role_definition_id)

    def delete_by_id(self, assignment_id_):
        self.calls.append(("delete", assignment_id_))


class FakeDigitalTwins:
    def __init__(self, exists=True):
        self.exists = exists
        self.digital_twins = self

    def get(self, resource_group, name):
        if not self.exists:
            error = ResourceNotFoundError(message="The Resource was not found.")
            error.status_code = 404
            error.error = SimpleNamespace(code="ResourceNotFound", message="The Resource was not found.")
            raise error
        return SimpleNamespace(name=name)

    def list_by_resource_group(self, resource_group):
        return iter([SimpleNamespace(name="dt1")] if self.exists else [])


class FakeModule:
    def __init__(self, params, check_mode=False, diff_mode=True, authorization=None, digitaltwins=None):
        defaults = dict((key, spec.get("default")) for key, spec in dt_role_assignment.ARGUMENT_SPEC.items())
        defaults.update(check_permissions=False)
        defaults.update(params)
        self.params = defaults
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.session = SimpleNamespace(subscription_id=SUB)
        self.clients = {"authorization": authorization or FakeAuthorization(), "digitaltwins": digitaltwins or FakeDigitalTwins()}
        self.warnings = []
        self.result = None

    def client(self, kind):
        return self.clients[kind]

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        self.result = result


def test_creates_on_the_instance_and_reports_diff():
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User"))
    dt_role_assignment.run_module(module)
    name = assignment_name(SCOPE, ALICE, OWNER)
    assert module.clients["authorization"].calls == [("list", SCOPE, "principalId eq '%s'" % ALICE), ("create", SCOPE, name)]
    assert module.result["changed"] is True
    assert module.result["diff"]["before"] == {}
    assert module.result["diff"]["after"]["name"] == name
    assert module.result["assignment"]["resolved_by"] == "given"


def test_check_mode_writes_nothing():
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User"),
                        check_mode=True)
    dt_role_assignment.run_module(module)
    assert [c[0] for c in module.clients["authorization"].calls] == ["list"]
    assert module.result["changed"] is True


def test_missing_instance_fails_before_writing():
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User"),
                        digitaltwins=FakeDigitalTwins(exists=False))
    with pytest.raises(DigitalTwinsError, match="does not exist in resource group 'rg-twins'"):
        dt_role_assignment.run_module(module)
    assert [c[0] for c in module.clients["authorization"].calls] == ["list"]


def test_no_change_does_not_read_the_instance():
    authorization = FakeAuthorization([stored(assignment_name(SCOPE, ALICE, OWNER))])
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User"),
                        authorization=authorization, digitaltwins=FakeDigitalTwins(exists=False))
    dt_role_assignment.run_module(module)
    assert module.result["changed"] is False
    assert module.result["diff"]["before"] == module.result["diff"]["after"]


def test_absent_needs_no_principal_type_and_removes():
    existing = stored("55555555-5555-4555-8555-555555555555")
    authorization = FakeAuthorization([existing])
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, state="absent"),
                        authorization=authorization)
    dt_role_assignment.run_module(module)
    assert module.result["changed"] is True and module.result["assignment"] == {}
    assert ("delete", existing.id) in authorization.calls
    assert module.result["diff"]["before"]["name"] == existing.name


def test_present_without_principal_type_is_refused_before_any_request():
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE))
    with pytest.raises(DigitalTwinsError, match="principal_type is required"):
        dt_role_assignment.run_module(module)
    assert module.clients["authorization"].calls == []


def test_owner_without_data_role_warns_on_instances_only():
    held = [stored("o", guid=OWNER_ROLE, scope="/subscriptions/%s" % SUB)]
    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User",
                             role="Reader"), authorization=FakeAuthorization(held))
    dt_role_assignment.run_module(module)
    assert any("Owner" in w and "data role" in w for w in module.warnings)

    module = FakeModule(dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User"),
                        authorization=FakeAuthorization(held))
    dt_role_assignment.run_module(module)
    assert module.warnings == [], "granting Data Owner fixes the mix-up"

    module = FakeModule(dict(scope="/subscriptions/%s/resourceGroups/rg-twins" % SUB, assignee_object_id=ALICE,
                             principal_type="User", role="Reader"), authorization=FakeAuthorization(held))
    dt_role_assignment.run_module(module)
    assert module.warnings == []


def test_info_filters_direct_inherited_and_role():
    listed = [stored("a"), stored("b", guid=READER, principal="0e000000-0000-4000-8000-00000000ca01"),
              stored("c", guid=OWNER_ROLE, scope="/subscriptions/%s" % SUB, principal="a0700000-0000-4000-8000-0000000000a1"),
              stored("d", scope=SCOPE + "/child/x")]
    module = FakeModule({})
    module.params = dict(instance="dt1", resource_group="rg-twins", scope=None, assignee=None, assignee_object_id=None,
                         role=None, include_inherited=False, resolve_names=False)
    module.clients["authorization"] = FakeAuthorization(listed)
    dt_role_assignment_info.run_module(module)
    assert [a["name"] for a in module.result["assignments"]] == ["a", "b"]
    assert module.clients["authorization"].calls == [("list", SCOPE, "atScope()")]
    assert any("a0700000-0000-4000-8000-0000000000a1" in w for w in module.warnings) is False  # not listed, so no warning

    module.params.update(include_inherited=True)
    module.warnings = []
    dt_role_assignment_info.run_module(module)
    assert [(a["name"], a["inherited"]) for a in module.result["assignments"]] == [("a", False), ("b", False), ("c", True)]
    assert any("Owner" in w and "a0700000-0000-4000-8000-0000000000a1" in w for w in module.warnings)

    module.params.update(role=READER, assignee_object_id="0E000000-0000-4000-8000-00000000CA01")
    dt_role_assignment_info.run_module(module)
    assert [(a["name"], a["resolved_by"]) for a in module.result["assignments"]] == [("b", "given")]
    assert module.clients["authorization"].calls[-1] == ("list", SCOPE, "principalId eq '0e000000-0000-4000-8000-00000000ca01'")


def test_info_fails_on_an_arm_error():
    class Failing(FakeAuthorization):
        def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
            error = HttpResponseError(message="boom")
            error.status_code = 500
            error.error = SimpleNamespace(code="InternalServerError", message="boom")
            raise error

    module = FakeModule({})
    module.params = dict(instance="dt1", resource_group="rg-twins", scope=None, assignee=None, assignee_object_id=None,
                         role=None, include_inherited=False, resolve_names=False)
    module.clients["authorization"] = Failing()
    with pytest.raises(DigitalTwinsError, match="Could not list the role assignments"):
        dt_role_assignment_info.run_module(module)
    assert module.result is None


def run_main(module, args):
    """Run a module's main() the way Ansible does and return its JSON result."""
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()  # pylint: disable=protected-access
    if hasattr(basic, "_ANSIBLE_PROFILE"):
        basic._ANSIBLE_PROFILE = "legacy"  # pylint: disable=protected-access
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            module.main()
    finally:
        basic._ANSIBLE_ARGS = None  # pylint: disable=protected-access
    return json.loads(out.getvalue())


@pytest.mark.parametrize("args, message", [
    (dict(instance="dt1", resource_group="rg", scope="/subscriptions/%s" % SUB, assignee_object_id=ALICE, principal_type="User"),
     "mutually exclusive"),
    (dict(instance="dt1", resource_group="rg", assignee="a@b.c", assignee_object_id=ALICE), "mutually exclusive"),
    (dict(instance="dt1", resource_group="rg", assignee="a@b.c", principal_type="User"), "mutually exclusive"),
    (dict(instance="dt1", assignee="a@b.c"), "resource_group"),
    (dict(instance="dt1", resource_group="rg"), "one of the following is required"),
    (dict(assignee="a@b.c"), "one of the following is required"),
    (dict(instance="dt1", resource_group="rg", assignee_object_id=ALICE, principal_type="Person"), "principal_type"),
    (dict(targets=[], assignments=[]), "mutually exclusive: targets|assignments"),
    (dict(targets=[], instance="dt1", resource_group="rg"), "mutually exclusive: targets|instance"),
    (dict(targets=[], scope="/subscriptions/%s" % SUB), "mutually exclusive: targets|scope"),
    (dict(targets=[], assignee="a@b.c"), "mutually exclusive: targets|assignee"),
    (dict(targets=[dict(instance="dt1", resource_group="rg", assignments=[dict(assignee="a@b.c", instance="dt2")])]),
     "instance"),
])
def test_option_rules(monkeypatch, args, message):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    result = run_main(dt_role_assignment, args)
    assert result["failed"] and message in result["msg"], result


# ---- the permission pre-check (check_permissions) -------------------------------------------------------------------

CONTRIBUTOR_BLOCK = {"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"]}
OWNER_BLOCK = {"actions": ["*"], "notActions": []}


class FakePermissions:
    """``client.permissions``: the same entries (or an exception) for every scope; records the scopes asked about."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def _answer(self, scope):
        self.asked.append(scope)
        if isinstance(self.answer, Exception):
            raise self.answer
        return iter(self.answer)

    def list_for_resource(self, resource_group, namespace, parent, resource_type, name):
        return self._answer("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s" % (SUB, resource_group, namespace, resource_type, name))

    def list_for_resource_group(self, resource_group):
        return self._answer("/subscriptions/%s/resourceGroups/%s" % (SUB, resource_group))


def checked_module(answer, check_mode=False, listed=(), **params):
    authorization = FakeAuthorization(listed)
    authorization.permissions = FakePermissions(answer)
    args = dict(instance="dt1", resource_group="rg-twins", assignee_object_id=ALICE, principal_type="User", check_permissions=True)
    args.update(params)
    module = FakeModule(args, check_mode=check_mode, authorization=authorization)
    module.session = SimpleNamespace(subscription_id=SUB, method="secret")
    module.params["client_id"] = "c0ffee00-0000-4000-8000-000000000001"
    return module, authorization


@pytest.mark.parametrize("check_mode", [True, False])
def test_denied_caller_fails_before_the_write(check_mode):
    module, authorization = checked_module([CONTRIBUTOR_BLOCK], check_mode=check_mode)
    with pytest.raises(DigitalTwinsError, match=r"^The caller \(service principal with client id c0ffee00-0000-4000-8000-000000000001\) "
                                                r"lacks Microsoft\.Authorization/roleAssignments/write at scope " + SCOPE):
        dt_role_assignment.run_module(module)
    assert [c[0] for c in authorization.calls] == ["list"], "no create"
    assert authorization.permissions.asked == [SCOPE]
    assert module.result is None


def test_allowed_caller_writes_after_one_check():
    module, authorization = checked_module([OWNER_BLOCK])
    dt_role_assignment.run_module(module)
    assert [c[0] for c in authorization.calls] == ["list", "create"]
    assert authorization.permissions.asked == [SCOPE]


def test_no_change_asks_nothing():
    module, authorization = checked_module([CONTRIBUTOR_BLOCK], listed=[stored(assignment_name(SCOPE, ALICE, OWNER))])
    dt_role_assignment.run_module(module)
    assert module.result["changed"] is False and authorization.permissions.asked == []
    module, authorization = checked_module([CONTRIBUTOR_BLOCK], state="absent")
    dt_role_assignment.run_module(module)
    assert module.result["changed"] is False and authorization.permissions.asked == []


def test_absent_needs_delete():
    existing = stored("55555555-5555-4555-8555-555555555555")
    module, authorization = checked_module([CONTRIBUTOR_BLOCK], listed=[existing], state="absent", principal_type=None)
    with pytest.raises(DigitalTwinsError, match="lacks Microsoft.Authorization/roleAssignments/delete"):
        dt_role_assignment.run_module(module)
    assert ("delete", existing.id) not in authorization.calls


def test_disabled_check_asks_nothing():
    module, authorization = checked_module([CONTRIBUTOR_BLOCK], check_permissions=False)
    dt_role_assignment.run_module(module)
    assert authorization.permissions.asked == [] and [c[0] for c in authorization.calls] == ["list", "create"]


def test_unreadable_permissions_warn_in_check_mode_only():
    forbidden = HttpResponseError(message="forbidden")
    forbidden.status_code = 403
    forbidden.error = SimpleNamespace(code="AuthorizationFailed", message="no permissions/read")
    module, authorization = checked_module(forbidden, check_mode=True)
    dt_role_assignment.run_module(module)
    assert module.result["changed"] is True
    assert len(module.warnings) == 1 and "could not be read" in module.warnings[0] and "AuthorizationFailed" in module.warnings[0]
    module, authorization = checked_module(forbidden)
    dt_role_assignment.run_module(module)
    assert module.warnings == [] and [c[0] for c in authorization.calls] == ["list", "create"]


# ---- the targets form ------------------------------------------------------------------------------------------------

class FailingModule(FakeModule):
    def fail_json(self, msg, **result):
        self.result = dict(result, failed=True, msg=msg)


def targets_module(digitaltwins=None, check_mode=False, diff_mode=False):
    return FailingModule(dict(targets=[
        dict(instance="dt1", resource_group="rg-twins", scope=None, exclusive=None,
             assignments=[dict(assignee=None, assignee_object_id=ALICE, principal_type="User", role=None, state=None)]),
        dict(instance="dt9", resource_group="rg-twins", scope=None, exclusive=True,
             assignments=[dict(assignee=None, assignee_object_id=ALICE, principal_type="User", role=None, state=None)]),
    ], verify=False), digitaltwins=digitaltwins, check_mode=check_mode, diff_mode=diff_mode)


def test_targets_fail_at_the_end_with_every_target_result():
    module = targets_module(digitaltwins=FakeDigitalTwins())  # lists dt1 only: dt9 does not exist
    dt_role_assignment.run_module(module)
    result = module.result
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("1 of 2 targets failed: instance 'dt9' (resource group 'rg-twins'): Azure Digital "
                                    "Twins instance 'dt9' does not exist")
    assert [(t["instance"], t["failed"], t["changed"], t["exclusive"], t["instance_exists"])
            for t in result["targets"]] == [("dt1", False, True, False, True), ("dt9", True, False, True, False)]
    assert "diff" not in result and result["targets"][0]["diff"]["after"]
    assert [c[0] for c in module.clients["authorization"].calls] == ["list", "list", "create"]


def test_targets_in_check_mode_succeed_for_an_instance_that_does_not_exist_yet():
    module = targets_module(digitaltwins=FakeDigitalTwins(), check_mode=True, diff_mode=True)
    dt_role_assignment.run_module(module)
    result = module.result
    assert "failed" not in result and result["changed"] is True and module.warnings == []
    assert [t["instance_exists"] for t in result["targets"]] == [True, False]
    assert set(result["diff"]["after"]) == {SCOPE, SCOPE.replace("dt1", "dt9")}
