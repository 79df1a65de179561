# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role assignments: scopes, deterministic names, matching, ensure_present/absent, PrincipalNotFound retries."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from ansible_collections.twinops.digital_twins.plugins.module_utils import _assignments as ra
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import assignment_id
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import Principal
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import Role

SUB = "5ab5c000-0000-4000-8000-000000000001"
SCOPE = "/subscriptions/%s/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1" % SUB
OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
READER = "d57506d4-4c8d-48b1-8587-93c323f6a5a3"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ALICE = "0e000000-0000-4000-8000-00000000a11c"


def role_id(guid):
    return "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid)


def desired(principal_id=ALICE, guid=OWNER, scope=SCOPE):
    principal = Principal(id=principal_id, principal_type="User", resolved_by="given", assignee=principal_id)
    return ra.Desired(scope, principal, Role(guid, role_id(guid), "Azure Digital Twins Data Owner"))


def assignment(name, principal_id=ALICE, guid=OWNER, scope=SCOPE, principal_type="User"):
    return SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=principal_id,
                           principal_type=principal_type, role_definition_id=role_id(guid))


def arm_error(kind, status, code, message="x"):
    error = kind(message=message)
    error.status_code = status
    error.error = SimpleNamespace(code=code, message=message)
    return error


class FakeAssignments:
    """role_assignments operations: create raises the queued errors first, then succeeds."""

    def __init__(self, errors=(), listed=()):
        self.errors = list(errors)
        self.listed = list(listed)
        self.created = []
        self.deleted = []
        self.lists = []

    def create(self, scope, name, parameters):
        self.created.append((scope, name, parameters))
        if self.errors:
            raise self.errors.pop(0)
        return SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=parameters.principal_id,
                               principal_type=parameters.principal_type, role_definition_id=parameters.role_definition_id)

    def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
        self.lists.append((scope, filter))
        return iter(self.listed)

    def delete_by_id(self, assignment_id):
        self.deleted.append(assignment_id)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def client(**kwargs):
    return SimpleNamespace(role_assignments=FakeAssignments(**kwargs))


# ---- names -----------------------------------------------------------------------------------------------------------

def test_name_is_bicep_get_role_assignment_name():
    """guid(toLower(scope), toLower(principalId), toLower(last(split(roleDefinitionId, '/')))) as ARM's guid()."""
    expected = uuid.uuid5(uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830"), "-".join([SCOPE.lower(), ALICE, OWNER]))
    assert ra.assignment_name(SCOPE, ALICE, OWNER) == str(expected)


def test_name_ignores_case_trailing_slash_and_role_id_form():
    name = ra.assignment_name(SCOPE, ALICE, OWNER)
    assert ra.assignment_name(SCOPE.upper() + "/", ALICE.upper(), role_id(OWNER).upper()) == name
    assert ra.assignment_name(SCOPE, ALICE, READER) != name
    assert ra.assignment_name(SCOPE + "x", ALICE, OWNER) != name
    assert ra.assignment_name(SCOPE, "0e000000-0000-4000-8000-00000000a11d", OWNER) != name
    assert uuid.UUID(name).version == 5


def test_assignment_id():
    assert assignment_id(SCOPE + "/", "n") == SCOPE + "/providers/Microsoft.Authorization/roleAssignments/n"
    assert assignment_id("/", "n") == "/providers/Microsoft.Authorization/roleAssignments/n"


# ---- scopes ----------------------------------------------------------------------------------------------------------

def test_instance_scope_validates_names():
    assert ra.instance_scope(SUB, "rg-twins", "dt1") == SCOPE
    with pytest.raises(DigitalTwinsError, match="instance"):
        ra.instance_scope(SUB, "rg", "-x-")
    with pytest.raises(DigitalTwinsError, match="resource_group"):
        ra.instance_scope(SUB, "rg.", "dt1")


def test_scope_of_falls_back_to_the_id():
    item = SimpleNamespace(scope=None, id=SCOPE + "/providers/Microsoft.Authorization/roleAssignments/n")
    assert ra.scope_of(item) == SCOPE


# ---- matching --------------------------------------------------------------------------------------------------------

def test_matches_is_case_insensitive_on_every_part():
    item = assignment("n", principal_id=ALICE.upper(), scope=SCOPE.lower())
    item.role_definition_id = role_id(OWNER).upper()
    assert ra.matches(item, SCOPE + "/", ALICE, OWNER)
    assert not ra.matches(item, SCOPE, ALICE, READER)
    assert not ra.matches(item, "/subscriptions/%s" % SUB, ALICE, OWNER)


def test_find_prefers_the_deterministic_name():
    want = desired()
    other = assignment("11111111-1111-4111-8111-111111111111")
    ours = assignment(want.name)
    assert ra.find([other, ours, assignment("x", guid=READER)], want) == [ours, other]


# ---- ensure_present --------------------------------------------------------------------------------------------------

def test_present_creates_with_deterministic_name_and_principal_type():
    api = client()
    changed, state = ra.ensure_present(api, desired(), [], check_mode=False)
    assert changed is True
    scope, name, parameters = api.role_assignments.created[0]
    assert (scope, name) == (SCOPE, desired().name)
    assert parameters.principal_type == "User" and parameters.principal_id == ALICE
    assert parameters.role_definition_id == role_id(OWNER)
    assert state == ra.predicted_state(desired())


def test_present_check_mode_predicts_without_writing():
    api = client()
    changed, state = ra.ensure_present(api, desired(), [], check_mode=True)
    assert changed is True and api.role_assignments.created == []
    assert state["id"] == desired().id and state["adopted"] is False


def test_present_existing_is_unchanged_and_foreign_name_adopted():
    api = client()
    changed, state = ra.ensure_present(api, desired(), [assignment(desired().name)], check_mode=False)
    assert (changed, state["adopted"]) == (False, False)
    changed, state = ra.ensure_present(api, desired(), [assignment("22222222-2222-4222-8222-222222222222")], check_mode=False)
    assert (changed, state["adopted"], state["name"]) == (False, True, "22222222-2222-4222-8222-222222222222")
    assert api.role_assignments.created == []


def test_present_ignores_other_roles_and_scopes():
    api = client()
    current = [assignment("a", guid=READER), assignment("b", scope="/subscriptions/%s" % SUB)]
    changed, dummy = ra.ensure_present(api, desired(), current, check_mode=False)
    assert changed is True and len(api.role_assignments.created) == 1


def test_conflict_409_is_resolved_by_reading_back():
    foreign = assignment("33333333-3333-4333-8333-333333333333")
    api = client(errors=[arm_error(ResourceExistsError, 409, "RoleAssignmentExists", "The role assignment already exists.")],
                 listed=[foreign])
    changed, state = ra.ensure_present(api, desired(), [], check_mode=False)
    assert (changed, state["adopted"], state["name"]) == (False, True, foreign.name)
    assert api.role_assignments.lists == [(SCOPE, "principalId eq '%s'" % ALICE)]


def test_conflict_409_that_cannot_be_read_back_is_reported():
    clock = Clock()
    api = client(errors=[arm_error(ResourceExistsError, 409, "RoleAssignmentExists")])
    with pytest.raises(DigitalTwinsError, match="already holds") as info:
        ra.ensure_present(api, desired(), [], check_mode=False, sleep=clock.sleep, clock=clock)
    assert info.value.code == "RoleAssignmentExists"
    assert len(api.role_assignments.lists) == ra.READ_BACK_ATTEMPTS


def principal_not_found():
    return arm_error(HttpResponseError, 400, "PrincipalNotFound", "Principal x does not exist in the directory y.")


def test_principal_not_found_is_retried_with_capped_backoff():
    clock = Clock()
    api = client(errors=[principal_not_found() for dummy in range(6)])
    changed, dummy = ra.ensure_present(api, desired(), [], check_mode=False, wait_timeout=180, sleep=clock.sleep, clock=clock)
    assert changed is True
    assert clock.sleeps == [2, 4, 8, 15, 15, 15]
    assert len(api.role_assignments.created) == 7


def test_principal_not_found_gives_up_after_the_timeout():
    clock = Clock()
    api = client(errors=[principal_not_found() for dummy in range(1000)])
    with pytest.raises(DigitalTwinsError, match="principal_wait_timeout") as info:
        ra.ensure_present(api, desired(), [], check_mode=False, wait_timeout=30, sleep=clock.sleep, clock=clock)
    assert info.value.code == "PrincipalNotFound"
    assert clock.now == 30, "never waits beyond principal_wait_timeout"
    assert max(clock.sleeps) <= ra.MAX_DELAY


def test_principal_not_found_with_zero_timeout_fails_at_once():
    clock = Clock()
    api = client(errors=[principal_not_found()])
    with pytest.raises(DigitalTwinsError, match="mistyped id"):
        ra.ensure_present(api, desired(), [], check_mode=False, wait_timeout=0, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [] and len(api.role_assignments.created) == 1


def test_other_errors_are_not_retried():
    clock = Clock()
    api = client(errors=[arm_error(HttpResponseError, 400, "InvalidPrincipalType")])
    with pytest.raises(DigitalTwinsError) as info:
        ra.ensure_present(api, desired(), [], check_mode=False, sleep=clock.sleep, clock=clock)
    assert info.value.code == "InvalidPrincipalType" and clock.sleeps == []


def test_forbidden_explains_which_roles_may_assign():
    api = client(errors=[arm_error(HttpResponseError, 403, "AuthorizationFailed", "does not have authorization")])
    with pytest.raises(DigitalTwinsError, match="User Access Administrator") as info:
        ra.ensure_present(api, desired(), [], check_mode=False)
    assert info.value.status == 403 and "Nothing was changed" in str(info.value)


# ---- ensure_absent ---------------------------------------------------------------------------------------------------

def test_absent_deletes_every_equal_assignment_by_id():
    api = client()
    current = [assignment(desired().name), assignment("44444444-4444-4444-8444-444444444444"), assignment("r", guid=READER)]
    changed, removed = ra.ensure_absent(api, desired(), current, check_mode=False)
    assert changed is True
    assert api.role_assignments.deleted == [current[0].id, current[1].id]
    assert [r["name"] for r in removed] == [current[0].name, current[1].name]


def test_absent_check_mode_and_nothing_to_do():
    api = client()
    assert ra.ensure_absent(api, desired(), [assignment(desired().name)], check_mode=True)[0] is True
    assert api.role_assignments.deleted == []
    assert ra.ensure_absent(api, desired(), [assignment("r", guid=READER)], check_mode=False) == (False, [])


# ---- the data role warning -------------------------------------------------------------------------------------------

def test_warning_for_owner_or_contributor_without_data_role():
    contributor_above = assignment("c", guid=CONTRIBUTOR, scope="/subscriptions/%s" % SUB)
    warning = ra.data_role_warning(ra.held_roles([contributor_above]), SCOPE, "User alice")
    assert warning and "Contributor" in warning and "Azure Digital Twins Data Owner" in warning
    assert ra.data_role_warning(ra.held_roles([contributor_above, assignment("r", guid=READER)]), SCOPE, "x") is None
    assert ra.data_role_warning(ra.held_roles([assignment("r", guid=READER)]), SCOPE, "x") is None
    below = assignment("c", guid=CONTRIBUTOR, scope=SCOPE + "/endpoints/e")
    assert ra.data_role_warning(ra.held_roles([below]), SCOPE, "x") is None, "an assignment below the instance does not apply to it"
