# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.twinops.digital_twins.plugins.action import setup_declaration
from ansible_collections.twinops.digital_twins.plugins.module_utils import _declaration, _roles
from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import access_items, declare

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "setup")
SPEC = setup_declaration.load_spec(os.path.join(ROLE, "meta", "argument_specs.yml"))
REQUIRED = dict(setup_instance_name="Twins-A", setup_resource_group="RG-Twins", setup_location="westus2")


def test_the_action_reads_the_role_spec_when_loaded():
    """The action reads the spec once, when the controller loads it (before the per-host workers start)."""
    assert setup_declaration.SPEC_ERROR is None
    assert setup_declaration.SPEC == SPEC


def _declare(**values):
    declaration, errors = declare("host-a", SPEC, dict(REQUIRED, **values))
    assert not errors
    return declaration


def test_the_spec_defaults_are_the_role_defaults():
    """defaults/main.yml (what the role's tasks see) and the argument spec (what the declaration applies) agree."""
    with open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    assert {name: option.get("default") for name, option in SPEC.items() if name in defaults} == defaults
    assert set(defaults) <= set(SPEC)


def test_role_names_match_the_resolver():
    assert (_declaration.DATA_OWNER, _declaration.DATA_READER) == (_roles.DATA_OWNER, _roles.DATA_READER)


def test_present_declaration_from_the_defaults():
    declared = _declare(setup_data_owners=["alice@contoso.com"], setup_data_readers=["bob@contoso.com"],
                        setup_role_assignments=[{"assignee_object_id": "0e0", "role": "Reader"}])
    assert declared["host"] == "host-a"
    assert (declared["key"], declared["name_key"], declared["state"]) == ("rg-twins", "twins-a", "present")
    assert declared["create_resource_group"] is True and declared["delete_resource_group"] is False
    assert declared["resource_group"] == dict(name="RG-Twins", location="westus2", match_location=False, tags=None,
                                              purge_tags=True)
    assert declared["instance"] == dict(name="Twins-A", resource_group="RG-Twins", location="westus2", tags=None,
                                        purge_tags=True, identity=None, public_network_access=None, state="present")
    assert declared["access"] == dict(instance="Twins-A", resource_group="RG-Twins", exclusive=False, assignments=[
        {"assignee": "alice@contoso.com", "role": "Azure Digital Twins Data Owner"},
        {"assignee": "bob@contoso.com", "role": "Azure Digital Twins Data Reader"},
        {"assignee_object_id": "0e0", "role": "Reader"}])
    assert (declared["wait"], declared["verify"], declared["wait_timeout"], declared["principal_wait_timeout"]) == (
        True, True, 1200, 180)


def test_nested_values_go_to_the_modules_as_given():
    """The modules validate nested options themselves: nothing the user left out is filled in."""
    identity = {"type": "SystemAssigned"}
    declared = _declare(setup_instance_identity=identity, setup_instance_tags={"env": "dev"})
    assert declared["instance"]["identity"] == identity and declared["instance"]["tags"] == {"env": "dev"}


def test_values_as_inventories_write_them_are_converted():
    """Strings from an INI inventory or -e: booleans and numbers become what the role selects hosts by."""
    declared = _declare(setup_create_resource_group="false", setup_delete_resource_group="yes", setup_exclusive="True",
                        setup_wait="no", setup_wait_timeout="60", setup_principal_wait_timeout="0", setup_state="absent")
    assert declared["create_resource_group"] is False and declared["delete_resource_group"] is True
    assert declared["access"]["exclusive"] is True and declared["wait"] is False
    assert (declared["wait_timeout"], declared["principal_wait_timeout"]) == (60, 0)
    assert declared["instance"]["state"] == "absent" and declared["state"] == "absent"
    assert declared["resource_group_absent"] == dict(name="RG-Twins", state="absent")


@pytest.mark.parametrize("values, expected", [
    (dict(setup_state="gone"), "value of setup_state must be one of: present, absent, got: gone"),
    (dict(setup_exclusive="sometimes"), "setup_exclusive"),
    (dict(setup_wait_timeout="soon"), "setup_wait_timeout"),
    (dict(setup_role_assignments=[{"assignee": "a", "role": "r", "colour": "blue"}]), "colour"),
])
def test_bad_values_fail_validation_without_a_declaration(values, expected):
    declaration, errors = declare("host-a", SPEC, dict(REQUIRED, **values))
    assert declaration is None
    assert any(expected in error for error in errors), errors


def test_access_items_keep_the_declared_order():
    assert access_items(None, ["r"], None) == [{"assignee": "r", "role": "Azure Digital Twins Data Reader"}]
    assert not access_items([], [], [])
