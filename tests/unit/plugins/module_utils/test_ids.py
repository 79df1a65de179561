# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils import _ids as ids
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

SUB = "5ab5c000-0000-4000-8000-000000000001"
RG = "/subscriptions/%s/resourceGroups/rg-twins" % SUB
SCOPE = RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1"
UAI = RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1"


# ---- scopes: accepted and normalised ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scope, expected", [
    ("/", "/"),
    ("/subscriptions/%s" % SUB, "/subscriptions/%s" % SUB),
    ("/SUBSCRIPTIONS/%s/resourcegroups/rg.1(x)" % SUB, "/subscriptions/%s/resourceGroups/rg.1(x)" % SUB),
    (SCOPE, SCOPE),
    (SCOPE.replace("/providers/", "/PROVIDERS/"), SCOPE),
    (SCOPE + "/endpoints/e1", SCOPE + "/endpoints/e1"),
    ("/providers/microsoft.management/managementgroups/mg-1", "/providers/Microsoft.Management/managementGroups/mg-1"),
    ("/subscriptions/%s/resourceGroups/rg.x.y" % SUB, "/subscriptions/%s/resourceGroups/rg.x.y" % SUB),
])
def test_scope_is_normalised(scope, expected):
    assert ids.validate_scope(scope) == expected


def test_parsed_scope_parts():
    parsed = ids.parse_scope(SCOPE + "/endpoints/e1")
    assert parsed.kind == "resource"
    assert parsed.subscription == SUB and parsed.resource_group == "rg-twins"
    assert parsed.namespace == "Microsoft.DigitalTwins"
    assert parsed.resources == (("digitalTwinsInstances", "dt1"), ("endpoints", "e1"))
    assert parsed.resource_group_id == RG
    assert not parsed.is_instance
    assert ids.parse_scope(SCOPE).is_instance


# ---- scopes: refused before any request ------------------------------------------------------------------------------

ESCAPES = [
    # dot segments: an HTTP stack removes them, so the request would land elsewhere (the subscription, here)
    SCOPE + "/../../../../../..",
    SCOPE + "/x/..",
    SCOPE + "/..",
    SCOPE + "/.",
    RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/../../..",
    RG + "/../rg-other",
    "/subscriptions/%s/resourceGroups/../../%s" % (SUB, SUB),
    "/./subscriptions/%s" % SUB,
    "/subscriptions/%s/resourceGroups/..." % SUB,
    # empty segments
    RG + "//providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1",
    SCOPE + "/",
    "//subscriptions/%s" % SUB,
    # percent-encoding (an encoded '/' or '.')
    SCOPE + "%2F..%2F..",
    SCOPE + "/%2e%2e",
    RG + "%2Fproviders%2FMicrosoft.DigitalTwins%2FdigitalTwinsInstances%2Fdt1",
    # query, fragment, backslash, whitespace, control characters
    SCOPE + "?api-version=2015-07-01",
    SCOPE + "#x",
    SCOPE + "\\..\\..",
    SCOPE + " ",
    " " + SCOPE,
    SCOPE + "\n",
    SCOPE + "/x\ty/z",
    # trailing junk and broken structure
    SCOPE + "/endpoints",
    SCOPE + "/providers/Microsoft.Authorization/roleAssignments/x",
    RG + "/providers/Microsoft.DigitalTwins",
    RG + "/providers/not_a_namespace/t/n",
    RG + "/providers/Microsoft.DigitalTwins/bad-type!/n",
    RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1/providers/Microsoft.Foo/bar",
    "", "subscriptions/%s" % SUB, "/subscriptions/not-a-guid", "/subscriptions/%s/resourceGroups" % SUB,
    "/subscriptions/%s/resourceGroups/rg./x" % SUB, "/subscriptions/%s/foo/bar" % SUB,
    "/subscriptions/%s/resourceGroups/r g" % SUB, "/providers/Other/x/y",
    "/providers/Microsoft.Management/managementGroups/mg/..",
]


@pytest.mark.parametrize("scope", ESCAPES)
def test_hostile_or_malformed_scope_is_refused(scope):
    with pytest.raises(DigitalTwinsError, match="is not (an Azure scope|a valid resource group name)"):
        ids.validate_scope(scope)


def test_refusal_says_why():
    with pytest.raises(DigitalTwinsError, match=r"'\.\.'.*not allowed"):
        ids.validate_scope(SCOPE + "/../..")
    with pytest.raises(DigitalTwinsError, match="empty segment"):
        ids.validate_scope(SCOPE + "/")
    with pytest.raises(DigitalTwinsError, match="percent-encoding"):
        ids.validate_scope(SCOPE + "%2F..")


def test_non_string_scope_is_refused():
    with pytest.raises(DigitalTwinsError):
        ids.validate_scope(None)


# ---- scope relations (as Azure returns scopes) -----------------------------------------------------------------------

def test_scope_relations():
    assert ids.same_scope(SCOPE.lower() + "/", SCOPE)
    assert ids.at_or_above("/subscriptions/%s" % SUB.upper(), SCOPE)
    assert ids.at_or_above("/", SCOPE)
    assert ids.at_or_above(SCOPE, SCOPE)
    assert not ids.at_or_above(SCOPE + "/child/x", SCOPE)
    assert not ids.at_or_above("/subscriptions/%s/resourceGroups/rg-t" % SUB, SCOPE), "a prefix is not a parent"
    assert ids.is_instance_scope(SCOPE.lower())
    assert not ids.is_instance_scope(RG)
    assert not ids.is_instance_scope(SCOPE + "/..")


# ---- names, GUIDs and ids --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["dt1", "a-b-c", "x" * 63, "ABC"])
def test_instance_names_accepted(name):
    assert ids.validate_instance_name(name) == name


@pytest.mark.parametrize("name, words", [
    ("ab", "2 characters"), ("x" * 64, "64 characters"), ("-ab", "hyphen"), ("a_b", "'_'"), ("", "0 characters"),
    ("a..b", "'.'"),
])
def test_instance_names_refused(name, words):
    with pytest.raises(DigitalTwinsError, match=words):
        ids.validate_instance_name(name)


@pytest.mark.parametrize("name", ["rg", "rg.1(x)", "Ünïcode_rg", "x" * 90])
def test_resource_group_names_accepted(name):
    assert ids.validate_resource_group(name) == name


@pytest.mark.parametrize("name", ["", None, "rg.", "..", ".", "r g", "rg/x", "x" * 91, "rg%2F", "my rg"])
def test_resource_group_names_refused(name):
    with pytest.raises(DigitalTwinsError, match="resource_group .* is not a valid resource group name"):
        ids.validate_resource_group(name)


def test_guid():
    assert ids.is_guid(SUB) and ids.is_guid(SUB.upper())
    assert not ids.is_guid(SUB + "0") and not ids.is_guid(None) and not ids.is_guid("")
    with pytest.raises(DigitalTwinsError, match="assignee_object_id 'x' is not a GUID"):
        ids.validate_guid("x", "assignee_object_id")


def test_ids_built_from_names():
    assert ids.instance_id(SUB, "rg-twins", "dt1") == SCOPE
    assert ids.resource_group_id(SUB, "rg-twins") == RG
    with pytest.raises(DigitalTwinsError):
        ids.instance_id(SUB, "rg-twins", "../x")
    assert ids.resource_group_of(SCOPE.lower()) == "rg-twins"
    assert ids.resource_group_of("/subscriptions/%s" % SUB) is None


def test_user_assigned_identity_ids():
    assert ids.validate_user_assigned_identity_id(UAI.replace("/providers/", "/Providers/")) == UAI
    for bad in (UAI + "/..", UAI + "/", SCOPE, RG, UAI + "%2F", "id-1"):
        with pytest.raises(DigitalTwinsError, match="not the resource id of a user-assigned identity"):
            ids.validate_user_assigned_identity_id(bad)


GUID = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"


@pytest.mark.parametrize("value", [
    "/providers/Microsoft.Authorization/roleDefinitions/%s" % GUID,
    "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, GUID.upper()),
    "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleDefinitions/%s" % GUID,
])
def test_role_definition_ids_accepted(value):
    assert ids.parse_role_definition_id(value) == GUID


@pytest.mark.parametrize("value", [
    "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/not-a-guid" % SUB,
    "/subscriptions/%s/../providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, GUID),
    "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s/" % (SUB, GUID),
    RG + "/providers/Microsoft.Authorization/roleDefinitions/%s" % GUID,
    "/subscriptions/%s/providers/Microsoft.Authorization/roleAssignments/%s" % (SUB, GUID),
    "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/%s" % GUID,
])
def test_role_definition_ids_refused(value):
    with pytest.raises(DigitalTwinsError, match="not a role definition id"):
        ids.parse_role_definition_id(value)


def test_role_definition_id_and_guid_of():
    assert ids.role_definition_id(SCOPE, GUID.upper()) == (
        "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, GUID))
    assert ids.role_definition_id("/", GUID) == "/providers/Microsoft.Authorization/roleDefinitions/%s" % GUID
    assert ids.guid_of(ids.role_definition_id(SCOPE, GUID) + "/") == GUID


def test_assignment_ids():
    assignment = SCOPE + "/providers/Microsoft.Authorization/roleAssignments/n"
    assert ids.assignment_id(SCOPE, "n") == assignment
    assert ids.scope_of_assignment_id(assignment) == SCOPE
    assert ids.scope_of_assignment_id("/providers/Microsoft.Authorization/roleAssignments/n") == "/"
    assert ids.scope_of_assignment_id(SCOPE) is None


def test_odata_literal():
    assert ids.odata_literal("o'brien") == "o''brien"
