# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The permission pre-check: action matching as Azure RBAC evaluates it, where to ask, and what an answer means."""

from __future__ import annotations

import pytest
from azure.mgmt.authorization.v2022_04_01.models import Permission

from ansible_collections.twinops.digital_twins.plugins.module_utils import _permissions as perm
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import http_error

SUB = "5ab5c000-0000-4000-8000-000000000001"
RG_SCOPE = "/subscriptions/%s/resourceGroups/rg-twins" % SUB
SCOPE = RG_SCOPE + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1"
WRITE = perm.ROLE_ASSIGNMENTS_WRITE
DELETE = perm.ROLE_ASSIGNMENTS_DELETE

# Built-in role definitions' permission blocks, as Azure publishes them.
OWNER = {"actions": ["*"], "notActions": []}
CONTRIBUTOR = {"actions": ["*"], "notActions": [
    "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
    "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete",
    "Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete"]}
READER = {"actions": ["*/read"], "notActions": []}
USER_ACCESS_ADMINISTRATOR = {"actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], "notActions": []}
RBAC_ADMINISTRATOR = {"actions": ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
                                  "*/read", "Microsoft.Support/*"], "notActions": []}
DATA_OWNER = {"actions": [], "notActions": [], "dataActions": ["Microsoft.DigitalTwins/digitaltwins/*"], "notDataActions": []}


# ---- matching ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, write, delete", [
    pytest.param(OWNER, True, True, id="owner"),
    pytest.param(USER_ACCESS_ADMINISTRATOR, True, True, id="user-access-administrator"),
    pytest.param(RBAC_ADMINISTRATOR, True, True, id="rbac-administrator"),
    pytest.param(CONTRIBUTOR, False, False, id="contributor"),
    pytest.param(READER, False, False, id="reader"),
    pytest.param(DATA_OWNER, False, False, id="data-owner"),
])
def test_built_in_roles(role, write, delete):
    assert perm.is_allowed([role], WRITE) is write
    assert perm.is_allowed([role], DELETE) is delete


def test_contributor_may_do_everything_else():
    assert perm.is_allowed([CONTRIBUTOR], "Microsoft.DigitalTwins/digitalTwinsInstances/write")
    assert perm.is_allowed([CONTRIBUTOR], "Microsoft.Authorization/roleAssignments/read")
    assert not perm.is_allowed([CONTRIBUTOR], "Microsoft.Authorization/elevateAccess/Action")


def test_rbac_administrator_may_not_write_role_definitions():
    assert not perm.is_allowed([RBAC_ADMINISTRATOR], "Microsoft.Authorization/roleDefinitions/write")


def test_not_actions_only_remove_from_their_own_entry():
    """Contributor's notActions do not take away what User Access Administrator grants: roles add up."""
    assert perm.is_allowed([CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR], WRITE)
    assert perm.is_allowed([READER, RBAC_ADMINISTRATOR], DELETE)
    assert not perm.is_allowed([CONTRIBUTOR, READER], WRITE)


@pytest.mark.parametrize("actions, not_actions, write, delete", [
    pytest.param(["Microsoft.Authorization/roleAssignments/*"], ["Microsoft.Authorization/roleAssignments/delete"], True, False,
                 id="assign-but-not-remove"),
    pytest.param(["Microsoft.Authorization/roleAssignments/write"], [], True, False, id="write-only"),
    pytest.param(["*/write"], [], True, False, id="any-write"),
    pytest.param(["Microsoft.Authorization/*/write", "Microsoft.Authorization/*/delete"], [], True, True, id="middle-wildcard"),
    pytest.param(["Microsoft.Auth*"], ["*/delete"], True, False, id="prefix-wildcard"),
    pytest.param(["Microsoft.Authorization/roleAssignments"], [], False, False, id="no-implicit-prefix"),
    pytest.param(["Microsoft.Authorization/roleDefinitions/*"], [], False, False, id="other-resource-type"),
    pytest.param(["*"], ["*"], False, False, id="everything-taken-back"),
    pytest.param([], [], False, False, id="no-actions"),
])
def test_custom_roles(actions, not_actions, write, delete):
    role = {"actions": actions, "notActions": not_actions}
    assert perm.is_allowed([role], WRITE) is write
    assert perm.is_allowed([role], DELETE) is delete


@pytest.mark.parametrize("pattern", ["MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "microsoft.authorization/roleassignments/write",
                                     "Microsoft.Authorization/RoleAssignments/*", "*/WRITE", "microsoft.AUTHORIZATION/*"])
def test_patterns_compare_case_insensitively(pattern):
    assert perm.action_matches(pattern, WRITE)
    assert perm.action_matches(pattern, WRITE.upper())
    assert not perm.is_allowed([{"actions": ["*"], "notActions": [pattern]}], WRITE)


@pytest.mark.parametrize("pattern, action", [
    ("Microsoft.Authorization/roleAssignments/write", "MicrosoftXAuthorization/roleAssignments/write"),  # '.' is literal
    ("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/writeX"),
    ("", WRITE),
    ("   ", WRITE),
    (None, WRITE),
])
def test_patterns_do_not_overmatch(pattern, action):
    assert not perm.action_matches(pattern, action)


def test_sdk_models_and_wire_dicts_are_both_read():
    assert perm.is_allowed([Permission(actions=["*"], not_actions=[])], WRITE)
    assert not perm.is_allowed([Permission(actions=["*"], not_actions=["Microsoft.Authorization/*/Write"])], WRITE)
    assert not perm.is_allowed([Permission(actions=None, not_actions=None)], WRITE)
    assert not perm.is_allowed([{"actions": ["*"], "not_actions": ["*/write"]}], WRITE)
    assert not perm.is_allowed([], WRITE) and not perm.is_allowed(None, WRITE)


def test_missing_actions_keeps_the_order():
    assignment_writer = {"actions": ["Microsoft.Authorization/roleAssignments/write"]}
    assert perm.missing_actions([assignment_writer], [DELETE, WRITE]) == [DELETE]
    assert perm.missing_actions([READER], [WRITE, DELETE]) == [WRITE, DELETE]


# ---- where to ask --------------------------------------------------------------------------------------------------

def test_targets_of_an_instance_then_its_group():
    found, reason = perm.targets(SCOPE, SUB.upper())
    assert reason is None
    assert [(t.scope, t.is_resource) for t in found] == [(SCOPE, True), (RG_SCOPE, False)]
    resource = found[0]
    assert (resource.resource_group, resource.namespace, resource.parent, resource.resource_type, resource.name) == (
        "rg-twins", "Microsoft.DigitalTwins", "", "digitalTwinsInstances", "dt1")


def test_targets_of_a_child_resource_walk_up_its_parents():
    child = RG_SCOPE + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1/endpoints/e1"
    found, dummy = perm.targets(child, SUB)
    assert [(t.parent, t.resource_type, t.name) for t in found[:2]] == [
        ("digitalTwinsInstances/dt1", "endpoints", "e1"), ("", "digitalTwinsInstances", "dt1")]
    assert found[2].scope == RG_SCOPE and not found[2].is_resource


@pytest.mark.parametrize("scope, words", [
    ("/subscriptions/%s" % SUB, "for a subscription"),
    ("/", "management group or the root"),
    ("/providers/Microsoft.Management/managementGroups/mg1", "management group or the root"),
    ("/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg", "another subscription"),
    (RG_SCOPE + "/providers/Microsoft.Storage/storageAccounts/sa/providers/Microsoft.Insights/diagnosticSettings/d", "cannot address"),
])
def test_scopes_without_a_permissions_operation(scope, words):
    found, reason = perm.targets(scope, SUB)
    assert found == [] and words in reason


# ---- the check -----------------------------------------------------------------------------------------------------

class FakePermissions:
    """``client.permissions``: answers (a list of entries or an exception) per scope, and the calls made."""

    def __init__(self, answers):
        self.answers = {key.lower(): value for key, value in answers.items()}
        self.calls = []
        self.permissions = self

    def _answer(self, scope):
        self.calls.append(scope)
        answer = self.answers[scope.lower()]
        if isinstance(answer, Exception):
            raise answer
        return iter(answer)

    def list_for_resource(self, resource_group, namespace, parent, resource_type, name):
        path = "/".join(p for p in (namespace, parent, resource_type, name) if p)
        return self._answer("/subscriptions/%s/resourceGroups/%s/providers/%s" % (SUB, resource_group, path))

    def list_for_resource_group(self, resource_group):
        return self._answer("/subscriptions/%s/resourceGroups/%s" % (SUB, resource_group))


def test_allowed_and_denied_at_the_scope():
    client = FakePermissions({SCOPE: [Permission(actions=["*"], not_actions=[])]})
    result = perm.check(client, SCOPE, [WRITE], SUB)
    assert (result.verdict, result.checked_at, result.missing) == (perm.ALLOWED, SCOPE, [])
    client = FakePermissions({SCOPE: [CONTRIBUTOR]})
    result = perm.check(client, SCOPE, [WRITE, DELETE], SUB)
    assert (result.verdict, result.missing) == (perm.DENIED, [WRITE, DELETE])
    assert client.calls == [SCOPE]


@pytest.mark.parametrize("code", ["ResourceNotFound", "ParentResourceNotFound"])
def test_a_scope_that_does_not_exist_yet_is_checked_at_its_group(code):
    client = FakePermissions({SCOPE: http_error(404, code, "not found"), RG_SCOPE: [CONTRIBUTOR]})
    result = perm.check(client, SCOPE, [WRITE], SUB)
    assert (result.verdict, result.scope, result.checked_at) == (perm.DENIED, SCOPE, RG_SCOPE)
    assert client.calls == [SCOPE, RG_SCOPE]


def test_a_missing_group_means_unknown_without_a_second_request():
    client = FakePermissions({SCOPE: http_error(404, "ResourceGroupNotFound", "Resource group 'rg-twins' could not be found.")})
    result = perm.check(client, SCOPE, [WRITE], SUB)
    assert result.verdict == perm.UNKNOWN and not result.read_failed and "does not exist yet" in result.reason
    assert client.calls == [SCOPE]


@pytest.mark.parametrize("error", [
    pytest.param(http_error(403, "AuthorizationFailed", "does not have authorization to perform action "
                            "'Microsoft.Authorization/permissions/read'"), id="forbidden"),
    pytest.param(http_error(404, "InvalidResourceType", "The resource type 'permissions' could not be found"), id="not-served"),
    pytest.param(http_error(400, "InvalidApiVersionParameter", "The api-version '2022-04-01' is invalid."), id="old-cloud"),
    pytest.param(http_error(503, "ServiceUnavailable", "try later"), id="unavailable"),
])
def test_a_failed_read_means_unknown_and_never_raises(error):
    client = FakePermissions({SCOPE: error, RG_SCOPE: [CONTRIBUTOR]})
    result = perm.check(client, SCOPE, [WRITE], SUB)
    assert (result.verdict, result.read_failed, result.checked_at) == (perm.UNKNOWN, True, SCOPE)
    assert client.calls == [SCOPE], "only a missing resource falls back to its parent"
    assert perm.require(client, SCOPE, [WRITE], SUB, lambda: "x").verdict == perm.UNKNOWN


def test_no_request_where_no_operation_exists():
    client = FakePermissions({})
    result = perm.check(client, "/subscriptions/%s" % SUB, [WRITE], SUB)
    assert result.verdict == perm.UNKNOWN and client.calls == []


def test_require_raises_an_actionable_error():
    client = FakePermissions({SCOPE: http_error(404, "ResourceNotFound", "gone"), RG_SCOPE: [READER, CONTRIBUTOR]})
    with pytest.raises(DigitalTwinsError) as info:
        perm.require(client, SCOPE, [WRITE], SUB, lambda: "service principal with client id abc")
    err = info.value
    assert err.code == "AuthorizationPrecheckFailed" and err.status is None
    assert err.message.startswith("The caller (service principal with client id abc) lacks %s at scope %s (checked at %s, "
                                  % (WRITE, SCOPE, RG_SCOPE))
    assert "only Owner, User Access Administrator or Role Based Access Control Administrator" in err.message
    assert "can assign roles there" in err.message and "Contributor is not enough" in err.message
    assert err.message.endswith("Nothing was changed.")


def test_require_names_write_and_delete_together():
    client = FakePermissions({SCOPE: [READER]})
    with pytest.raises(DigitalTwinsError, match=r"lacks Microsoft\.Authorization/roleAssignments/write and /delete at scope .*"
                                                r"can assign roles or remove role assignments there"):
        perm.require(client, SCOPE, [WRITE, DELETE], SUB, lambda: "user alice@contoso.com")


def test_require_returns_the_check_when_allowed():
    client = FakePermissions({SCOPE: [RBAC_ADMINISTRATOR]})
    called = []
    result = perm.require(client, SCOPE, [WRITE, DELETE], SUB, lambda: called.append(1))
    assert result.verdict == perm.ALLOWED and called == [], "the caller's words are only needed for a failure"


@pytest.mark.parametrize("params, method, expected", [
    ({"client_id": "c1"}, "secret", "service principal with client id c1"),
    ({"client_id": "c1"}, "certificate", "service principal with client id c1"),
    ({"client_id": "c1"}, "workload_identity", "service principal with client id c1"),
    ({"ad_user": "alice@contoso.com"}, "password", "user alice@contoso.com"),
    ({}, "cli", "the account signed in to the Azure CLI"),
    ({"client_id": "c2"}, "msi", "managed identity with client id c2"),
    ({}, "msi", "the managed identity of this host"),
    ({}, None, "the identity running the task"),
])
def test_caller_label(params, method, expected):
    assert perm.caller_label(params, method) == expected


# ---- one call, many scopes: memoised reads, the group first ----------------------------------------------------------

SCOPE2 = RG_SCOPE + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt2"


def test_a_memo_reads_each_scope_once_errors_included():
    client = FakePermissions({SCOPE: http_error(404, "ResourceNotFound", "not found"),
                              SCOPE2: http_error(404, "ResourceNotFound", "not found"), RG_SCOPE: [CONTRIBUTOR]})
    memo = {}
    for scope in (SCOPE, SCOPE2, SCOPE):
        assert perm.check(client, scope, [WRITE], SUB, memo=memo).verdict == perm.DENIED
    assert client.calls == [SCOPE, RG_SCOPE, SCOPE2], "the group and each missing instance once"


def test_a_scope_noted_missing_is_not_read():
    client = FakePermissions({RG_SCOPE: [OWNER]})
    memo = {}
    perm.note_missing(memo, SCOPE)
    result = perm.check(client, SCOPE, [WRITE], SUB, memo=memo)
    assert (result.verdict, result.checked_at) == (perm.ALLOWED, RG_SCOPE)
    assert client.calls == [RG_SCOPE]


def test_parent_first_answers_many_instances_from_one_read_of_their_group():
    client = FakePermissions({RG_SCOPE: [USER_ACCESS_ADMINISTRATOR]})
    memo = {}
    for scope in (SCOPE, SCOPE2):
        result = perm.check(client, scope, [WRITE, DELETE], SUB, memo=memo, parent_first=True)
        assert (result.verdict, result.checked_at) == (perm.ALLOWED, RG_SCOPE)
    assert client.calls == [RG_SCOPE]


def test_parent_first_asks_the_instance_when_the_group_does_not_allow():
    client = FakePermissions({RG_SCOPE: [CONTRIBUTOR], SCOPE: [CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR], SCOPE2: [CONTRIBUTOR]})
    memo = {}
    assert perm.check(client, SCOPE, [WRITE], SUB, memo=memo, parent_first=True).verdict == perm.ALLOWED
    denied = perm.check(client, SCOPE2, [WRITE], SUB, memo=memo, parent_first=True)
    assert (denied.verdict, denied.checked_at, denied.missing) == (perm.DENIED, SCOPE2, [WRITE])
    assert client.calls == [RG_SCOPE, SCOPE, SCOPE2]


def test_parent_first_with_a_group_that_cannot_be_read_is_unknown():
    client = FakePermissions({RG_SCOPE: http_error(403, "AuthorizationFailed", "no"),
                              SCOPE: http_error(404, "ResourceNotFound", "not found")})
    result = perm.check(client, SCOPE, [WRITE], SUB, memo={}, parent_first=True)
    assert (result.verdict, result.read_failed) == (perm.UNKNOWN, True)
    assert client.calls == [RG_SCOPE, SCOPE], "the group's failed read is not repeated"
