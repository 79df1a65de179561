# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dt_instances inventory plugin: options that mirror the modules', direct assignments, host names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml
from ansible.errors import AnsibleParserError

from ansible_collections.twinops.digital_twins.plugins.doc_fragments.azure_auth_inventory import ModuleDocFragment
from ansible_collections.twinops.digital_twins.plugins.inventory import dt_instances
from ansible_collections.twinops.digital_twins.plugins.module_utils._auth import AUTH_ARGUMENT_SPEC, NO_CREDENTIALS_MESSAGE

SUB = "5ab5c000-0000-4000-8000-000000000001"
SCOPE = "/subscriptions/%s/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1" % SUB
OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
ALICE = "0e000000-0000-4000-8000-00000000a11c"


def test_the_inventory_options_read_the_modules_variables_with_the_same_precedence():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    plugin_options = yaml.safe_load(dt_instances.DOCUMENTATION)["options"]
    for name, spec in AUTH_ARGUMENT_SPEC.items():
        option = plugin_options[name] if name == "subscription_id" else options[name]
        # ansible-core lets the last variable listed win; the modules' env_fallback takes the first one set.
        assert [entry["name"] for entry in option["env"]] == list(reversed(spec["fallback"][1])), name
        assert option.get("default") == spec.get("default"), name
        assert option.get("choices") == spec.get("choices"), name
        assert option.get("aliases") == spec.get("aliases"), name
        assert option["type"] == spec["type"], name


def test_the_no_credentials_message_loses_only_its_module_defaults_advice():
    message = dt_instances._without_module_defaults(NO_CREDENTIALS_MESSAGE)  # pylint: disable=protected-access
    assert "module_defaults" not in message
    assert message.startswith("No Azure credentials were found.") and message.endswith("(auth_source=msi).")
    assert dt_instances._without_module_defaults("other text") == "other text"  # pylint: disable=protected-access


class _Assignments:
    def __init__(self, items):
        self.items = items
        self.calls = []

    def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
        self.calls.append((scope, filter))
        return iter(self.items)


def _assignment(scope, name, principal=ALICE, role=OWNER):
    return SimpleNamespace(id="%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope.rstrip("/"), name), name=name,
                           scope=scope, principal_id=principal.upper(), principal_type="User",
                           role_definition_id="/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, role))


def test_direct_assignments_leave_out_the_inherited_ones():
    client = SimpleNamespace(role_assignments=_Assignments([
        _assignment("/subscriptions/%s" % SUB, "a1"),
        _assignment(SCOPE.upper(), "a2"),
        _assignment("/subscriptions/%s/resourceGroups/rg-twins" % SUB, "a3"),
    ]))
    states = dt_instances.direct_assignments(client, SCOPE)
    assert client.role_assignments.calls == [(SCOPE, "atScope()")]
    assert [state["name"] for state in states] == ["a2"]
    assert states[0]["principal_id"] == ALICE
    assert states[0]["role_name"] == "Azure Digital Twins Data Owner"
    assert states[0]["inherited"] is False


def _plugin(options):
    plugin = dt_instances.InventoryModule()
    plugin.get_option = options.get
    plugin._compose = lambda expression, record: record.get(expression)  # pylint: disable=protected-access
    plugin.display = SimpleNamespace(warnings=[])
    plugin.display.warning = plugin.display.warnings.append
    return plugin


def _record(name, group, subscription=SUB, **extra):
    return dict(name=name, resource_group=group, subscription_id=subscription, id="/x/%s/%s/%s" % (subscription, group, name), **extra)


def test_host_names_follow_hostnames_and_never_collide():
    plugin = _plugin({"hostnames": ["site", "name"]})
    taken = set()
    names = []
    for record in (_record("dt1", "rg-a", site="boise"), _record("dt2", "rg-a"), _record("dt3", "rg-b", site="BOISE"),
                   _record("dt4", "rg-b", site="boise"), _record("dt5", "rg-b", subscription="other", site="boise")):
        names.append(plugin.hostname(record, taken, strict=False))
        taken.add(names[-1].lower())
    assert names == ["boise", "dt2", "BOISE_rg-b", "boise_rg-b_%s" % SUB, "boise_rg-b_other"]
    assert len(plugin.display.warnings) == 3
    with pytest.raises(AnsibleParserError, match="same host name"):
        plugin.hostname(_record("dt6", "rg-b", subscription="other", site="boise"), taken, strict=False)


def test_filters_need_every_conditional_and_exclude_any():
    plugin = _plugin({"filters": ["prod", "big"], "exclude": ["old", "gone"]})
    assert plugin.selected(dict(prod=True, big="yes", old=False, gone=""), strict=False)
    assert not plugin.selected(dict(prod=True, big="no", old=False, gone=False), strict=False)
    assert not plugin.selected(dict(prod=True, big=True, old=False, gone="true"), strict=False)
