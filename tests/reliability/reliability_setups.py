# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preparations named by the cases' ``setup`` field, and the filling of their ``{placeholders}``."""

from __future__ import annotations

import uuid

from reliability_cases import ALICE, INSTANCE, LOCATION, RG, RG2  # pylint: disable=import-error


TAGS_45 = {"tag%02d" % i: "value" for i in range(45)}


def _module_ok(result, what):
    assert not result.get("failed"), "preparation '%s' failed: %s" % (what, result.get("msg"))
    return result


def prepare(name, emu, run):
    """Make what the case needs; returns the values for its placeholders."""
    sub = emu.seed["subscription"]["id"]
    rg_scope = "/subscriptions/%s/resourceGroups/%s" % (sub, RG)
    context = {"rg_scope": rg_scope, "instance_id": rg_scope + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/" + INSTANCE,
               "subscription_id": sub}
    steps = name.split("+") if name and name != "none" else []
    for step in steps:
        if step == "group":
            _module_ok(run("resource_group", name=RG, location=LOCATION), step)
        elif step == "group2":
            _module_ok(run("resource_group", name=RG2, location=LOCATION), step)
        elif step == "instance":
            emu.bulk_instances(count=1, resource_group=RG, name_prefix="dt-rel", location=LOCATION)
        elif step == "assignment":
            emu.bulk_instances(count=1, resource_group=RG, name_prefix="dt-rel", location=LOCATION)
            _module_ok(run("dt_role_assignment", instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User"),
                       step)
        elif step == "fresh-principal":
            emu.bulk_instances(count=1, resource_group=RG, name_prefix="dt-rel", location=LOCATION)
            created = emu.add_principal(kind="servicePrincipal", display_name="sp-rel-fresh-" + uuid.uuid4().hex[:8],
                                        arm_visible_after_seconds=4)
            context.update(fresh_id=created["id"], fresh_name=created["display_name"])
        elif step == "provisioning":
            _module_ok(run("resource_group", name=RG, location=LOCATION), step)
            emu.set_behaviour(instance_name="dt-rel-prov", provisioning_delay_seconds=30)
            _module_ok(run("dt_instance", name="dt-rel-prov", resource_group=RG, location=LOCATION, wait=False), step)
        # ---- instance and resource group: objects holding 45 tags (for the merged tag limit) ----------------------
        elif step == "group-45-tags":
            _module_ok(run("resource_group", name=RG, location=LOCATION, tags=TAGS_45), step)
        elif step == "instance-45-tags":
            _module_ok(run("resource_group", name=RG, location=LOCATION), step)
            _module_ok(run("dt_instance", name="dt-rel-tagged", resource_group=RG, location=LOCATION, tags=TAGS_45), step)
        else:
            raise AssertionError("unknown setup %r" % step)
    return context


def fill(value, context):
    """``value`` with its ``{placeholders}`` filled from ``context`` (recursively through dicts and lists)."""
    if isinstance(value, str) and "{" in value:
        return value.format(**context)
    if isinstance(value, dict):
        return {k: fill(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, context) for v in value]
    return value
