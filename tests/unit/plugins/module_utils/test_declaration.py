# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import yaml

from ansible_collections.twinops.digital_twins.plugins.module_utils import _declaration, _roles
from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import INPUTS, access_items, build

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "setup")


def _role_file(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _defaults(**values):
    merged = dict(_role_file("defaults", "main.yml"))
    merged.update(setup_instance_name="Twins-A", setup_resource_group="RG-Twins", setup_location="westus2")
    merged.update(values)
    return merged


def test_inputs_are_the_role_arguments():
    """Every input the declaration reads is an option of the role's argument spec, and every option that shapes an
    item is read (setup_token_cache is passed to the calls directly)."""
    options = set(_role_file("meta", "argument_specs.yml")["argument_specs"]["main"]["options"])
    assert set(INPUTS) <= options
    assert options - set(INPUTS) == {"setup_token_cache"}


def test_role_names_match_the_resolver():
    assert (_declaration.DATA_OWNER, _declaration.DATA_READER) == (_roles.DATA_OWNER, _roles.DATA_READER)


def test_present_declaration_from_the_defaults():
    declared = build("host-a", _defaults(setup_data_owners=["alice@contoso.com"], setup_data_readers=["bob@contoso.com"],
                                         setup_role_assignments=[{"assignee_object_id": "0e0", "role": "Reader"}]))
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


def test_values_as_inventories_write_them_are_converted():
    """Strings from an INI inventory or -e: booleans and numbers become what the role selects hosts by."""
    declared = build("h", _defaults(setup_create_resource_group="false", setup_delete_resource_group="yes", setup_exclusive="True",
                                    setup_wait="no", setup_wait_timeout="60", setup_principal_wait_timeout="0",
                                    setup_public_network_access="", setup_state="absent"))
    assert declared["create_resource_group"] is False and declared["delete_resource_group"] is True
    assert declared["access"]["exclusive"] is True and declared["wait"] is False
    assert (declared["wait_timeout"], declared["principal_wait_timeout"]) == (60, 0)
    assert build("h", _defaults(setup_principal_wait_timeout=0))["principal_wait_timeout"] == 0
    assert declared["instance"]["public_network_access"] is None
    assert declared["instance"]["state"] == "absent" and declared["state"] == "absent"
    assert declared["resource_group_absent"] == dict(name="RG-Twins", state="absent")


def test_access_items_keep_the_declared_order():
    assert access_items(None, ["r"], None) == [{"assignee": "r", "role": "Azure Digital Twins Data Reader"}]
    assert not access_items([], [], [])
