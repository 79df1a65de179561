#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: resource_group
short_description: Create, tag and delete Azure resource groups
version_added: 0.1.0
description:
  - Makes an Azure resource group exist with the given location and tags, or makes it absent.
  - O(state=absent) refuses to delete a group that still holds resources, and lists them, unless O(force=true).
  - The name, the location and the tags are checked before any request is sent; the tags again after merging with the
    existing ones when O(purge_tags=false) (at most 50 per group), before any write and in check mode too.
  - In check mode the module sends no write request and returns the state a real run would return.
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes
options:
  name:
    description:
      - Name of the resource group. 1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not
        ending with a period.
    type: str
    required: true
  location:
    description:
      - Azure region of the group, such as V(westus2) or V(West Europe) (compared lower-case without spaces).
      - Required to create the group. It cannot be changed afterwards; a different value is an error.
      - Before a create (in check mode too) the region is checked against the regions the C(Microsoft.Resources) resource
        provider lists for resource groups; a region it does not list fails with those regions and nothing is written. A
        caller that may not read the provider leaves the check to Azure.
    type: str
  tags:
    description:
      - Tags of the group. Values are strings; other values are converted (V(true) becomes C(true)).
      - Left as they are when not given.
    type: dict
  purge_tags:
    description:
      - With V(true), tags not in O(tags) are removed. With V(false), O(tags) are added to the existing ones.
      - Has no effect when O(tags) is not given.
    type: bool
    default: true
  state:
    description:
      - V(present) creates the group or updates its tags, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), delete the group even if it still holds resources, which deletes them too.
      - Without it, such a group is not deleted and the task fails listing (up to 20 of) its resources.
    type: bool
    default: false
  delete_resources:
    description:
      - With O(state=absent), ARM ids of resources that may be deleted with the group without O(force). For example
        the instance a failed run created (RV(twinops.digital_twins.dt_instance#module:instance.id) of its failed
        result, which says C(created=true)), a V(Failed) one included, to roll that run back.
      - Any other resource in the group still blocks the deletion, and is listed.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Wait for a deletion to finish. Creating and tagging are immediate.
      - A group found still being deleted (for example after a timed-out run) is waited for first, so that
        O(state=present) can create it again.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long the task may take, in seconds, throttling included; it matters mostly for a deletion. On timeout the
        task fails and says so; a deletion continues in Azure and re-running the task converges.
      - No write request is sent after this time, and a retry that Azure asks to make later than it (C(Retry-After)) is
        not waited for; the task fails at once, naming the request.
    type: int
    default: 600
seealso:
  - module: twinops.digital_twins.dt_instance
"""

EXAMPLES = r"""
- name: Create a resource group for the instance
  twinops.digital_twins.resource_group:
    name: rg-twins
    location: westus2
    tags:
      environment: production

- name: Add a tag and keep the others
  twinops.digital_twins.resource_group:
    name: rg-twins
    tags:
      cost-center: "4711"
    purge_tags: false

- name: Delete the group only if it is empty
  twinops.digital_twins.resource_group:
    name: rg-twins
    state: absent

- name: Roll back a failed run that created the group and an instance in it
  twinops.digital_twins.resource_group:
    name: rg-twins
    state: absent
    delete_resources:
      - "{{ instance_result.instance.id }}"
  when: instance_result is failed and instance_result.created | default(false)

- name: Delete the group and everything in it
  twinops.digital_twins.resource_group:
    name: rg-twins-scratch
    state: absent
    force: true
"""

RETURN = r"""
resource_group:
  description:
    - The resource group after the task; in check mode, the state a real run would produce.
    - An empty dict when the group is absent.
  returned: always
  type: dict
  contains:
    id:
      description: ARM resource id.
      returned: when present
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins
    name:
      description: Name of the group.
      returned: when present
      type: str
      sample: rg-twins
    location:
      description: Region, lower-case without spaces.
      returned: when present
      type: str
      sample: westus2
    tags:
      description: Tags of the group.
      returned: when present
      type: dict
      sample: {environment: production}
    provisioning_state:
      description: Provisioning state, V(Succeeded) once created.
      returned: when present
      type: str
      sample: Succeeded
"""

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import Deadline
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import validate_location, validate_tags
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule
from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import (
    ensure_absent,
    ensure_present,
    read_group,
    validate_resource_group_name,
    wait_while_deleting,
)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
    delete_resources=dict(type="list", elements="str", default=[]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def validate(params):
    """Every option checked before any request; returns the name and the normalised location."""
    name = validate_resource_group_name(params["name"], option="name")
    validate_tags(params["tags"])
    if params["wait_timeout"] <= 0:
        raise DigitalTwinsError("wait_timeout must be a positive number of seconds (got %s)." % params["wait_timeout"])
    return name, validate_location(params["location"])


def run_module(module):
    params = module.params
    name, location = validate(params)
    deadline = Deadline(params["wait_timeout"])
    module.session.deadline = deadline
    client = module.client("resource")
    current = read_group(client, name)
    if params["state"] == "absent":
        changed, after = ensure_absent(client, name, current, params["force"], module.check_mode, params["wait"], deadline,
                                       delete_resources=params["delete_resources"])
    else:
        if params["wait"] and not module.check_mode:
            current = wait_while_deleting(client, name, current, deadline)
        changed, after = ensure_present(client, module.session.subscription_id, name, location, params["tags"],
                                        params["purge_tags"], current, module.check_mode)
    module.exit_with_state(changed, "resource_group", current, after)


def main():
    module = AzureDTModule(argument_spec=ARGUMENT_SPEC)
    module.run(run_module)


if __name__ == "__main__":
    main()
