# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role parsing and resolution: built-ins offline, other names through a roleName filter, clear errors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import (
    BUILTIN_ROLES,
    guid_of,
    parse_role,
    resolve_role,
    role_definition_id,
    role_names,
)

SUB = "5ab5c000-0000-4000-8000-000000000001"
SCOPE = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1" % SUB
OWNER_GUID = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
CUSTOM = "0badc0de-0000-4000-8000-000000000001"


def no_client():
    raise AssertionError("a built-in role must resolve without a request")


def definition(guid, name, role_type="CustomRole"):
    return SimpleNamespace(id="/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid),
                           role_name=name, role_type=role_type)


class FakeDefinitions:
    def __init__(self, listed=(), by_guid=None, error=None):
        self.listed = list(listed)
        self.by_guid = by_guid or {}
        self.error = error
        self.calls = []

    def list(self, scope, filter=None):  # pylint: disable=redefined-builtin
        self.calls.append(("list", scope, filter))
        return iter(self.listed)

    def get(self, scope, guid):
        self.calls.append(("get", scope, guid))
        if self.error is not None:
            raise self.error
        if guid not in self.by_guid:
            raise arm_error(ResourceNotFoundError, 404, "RoleDefinitionDoesNotExist",
                            "The specified role definition with ID '%s' does not exist." % guid)
        return self.by_guid[guid]


def arm_error(kind, status, code, message):
    """An azure-core error as the SDK raises it for an ARM error body."""
    error = kind(message=message)
    error.status_code = status
    error.error = SimpleNamespace(code=code, message=message)
    return error


def client_of(definitions):
    client = SimpleNamespace(role_definitions=definitions)
    return lambda: client


@pytest.mark.parametrize("value, kind, parsed", [
    ("Azure Digital Twins Data Owner", "name", "Azure Digital Twins Data Owner"),
    ("  Reader  ", "name", "Reader"),
    (OWNER_GUID.upper(), "guid", OWNER_GUID),
    ("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, OWNER_GUID.upper()), "id", OWNER_GUID),
    ("/providers/microsoft.authorization/roledefinitions/%s" % OWNER_GUID, "id", OWNER_GUID),
    ("/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/roleDefinitions/%s" % OWNER_GUID,
     "id", OWNER_GUID),
])
def test_parse_role_classifies(value, kind, parsed):
    ref = parse_role(value)
    assert (ref.kind, ref.value) == (kind, parsed)


@pytest.mark.parametrize("value, message", [
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("/subscriptions/%s/providers/Microsoft.Authorization/roleAssignments/%s" % (SUB, OWNER_GUID), "not a role definition id"),
    ("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/not-a-guid" % SUB, "not a role definition id"),
    ("Owner\nContributor", "not a valid role name"),
])
def test_parse_role_rejects(value, message):
    with pytest.raises(DigitalTwinsError, match=message):
        parse_role(value)


@pytest.mark.parametrize("value", ["Azure Digital Twins Data Owner", "azure digital twins DATA OWNER", OWNER_GUID,
                                   "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, OWNER_GUID)])
def test_builtin_roles_resolve_without_a_request(value):
    role = resolve_role(value, SCOPE, no_client)
    assert role.guid == OWNER_GUID
    assert role.name == "Azure Digital Twins Data Owner"
    assert role.id == "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, OWNER_GUID)


def test_all_builtins_are_known_offline():
    for name, guid in BUILTIN_ROLES.items():
        assert resolve_role(name, SCOPE, no_client).guid == guid
        assert resolve_role(guid, SCOPE, no_client).name == name


def test_role_definition_id_follows_the_scope():
    assert role_definition_id(SCOPE, OWNER_GUID.upper()).startswith("/subscriptions/%s/providers/" % SUB)
    assert role_definition_id("/providers/Microsoft.Management/managementGroups/mg", OWNER_GUID) == \
        "/providers/Microsoft.Authorization/roleDefinitions/" + OWNER_GUID


def test_guid_of():
    assert guid_of("/x/roleDefinitions/%s/" % OWNER_GUID.upper()) == OWNER_GUID
    assert guid_of(OWNER_GUID) == OWNER_GUID
    assert guid_of(None) == ""


def test_custom_role_by_name_uses_a_filter_at_the_scope():
    definitions = FakeDefinitions([definition(CUSTOM, "Twin Model Editor")])
    role = resolve_role("Twin Model Editor", SCOPE, client_of(definitions))
    assert (role.guid, role.name) == (CUSTOM, "Twin Model Editor")
    assert definitions.calls == [("list", SCOPE, "roleName eq 'Twin Model Editor'")]


def test_role_name_quotes_are_escaped():
    definitions = FakeDefinitions([definition(CUSTOM, "O'Brien's role")])
    resolve_role("O'Brien's role", SCOPE, client_of(definitions))
    assert definitions.calls[0][2] == "roleName eq 'O''Brien''s role'"


def test_unknown_role_name_fails_clearly():
    with pytest.raises(DigitalTwinsError, match="Role 'Nope' does not exist at scope"):
        resolve_role("Nope", SCOPE, client_of(FakeDefinitions([])))


def test_ambiguous_role_name_lists_the_ids():
    definitions = FakeDefinitions([definition(CUSTOM, "Twin Editor"), definition("0badc0de-0000-4000-8000-000000000002", "twin editor")])
    with pytest.raises(DigitalTwinsError, match="ambiguous") as info:
        resolve_role("Twin Editor", SCOPE, client_of(definitions))
    assert CUSTOM in str(info.value) and "0badc0de-0000-4000-8000-000000000002" in str(info.value)


def test_unknown_guid_fails_clearly():
    with pytest.raises(DigitalTwinsError, match="does not exist at scope") as info:
        resolve_role(CUSTOM, SCOPE, client_of(FakeDefinitions()))
    assert info.value.status == 404


def test_other_errors_reading_a_role_are_not_hidden():
    error = arm_error(HttpResponseError, 403, "AuthorizationFailed", "no read")
    with pytest.raises(DigitalTwinsError) as info:
        resolve_role(CUSTOM, SCOPE, client_of(FakeDefinitions(error=error)))
    assert info.value.code == "AuthorizationFailed"
    assert "does not exist" not in str(info.value)


def test_role_names_builtins_offline_custom_by_get_deleted_as_none():
    definitions = FakeDefinitions(by_guid={CUSTOM: definition(CUSTOM, "Twin Model Editor")})
    names = role_names(client_of(definitions), [OWNER_GUID, CUSTOM.upper(), "0badc0de-0000-4000-8000-0000000000ff"], SCOPE)
    assert names == {OWNER_GUID: "Azure Digital Twins Data Owner", CUSTOM: "Twin Model Editor",
                     "0badc0de-0000-4000-8000-0000000000ff": None}
    assert [c[0] for c in definitions.calls] == ["get", "get"]
