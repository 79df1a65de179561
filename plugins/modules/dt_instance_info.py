#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dt_instance_info
short_description: Read Azure Digital Twins instances
version_added: 0.1.0
description:
  - Returns one instance by name, every instance in a resource group, or every instance in the subscription, as a
    list of dicts shaped like the RV(twinops.digital_twins.dt_instance#module:instance) that
    M(twinops.digital_twins.dt_instance) returns.
  - With O(name) alone, the instance is looked up across the subscription; if several resource groups hold an
    instance of that name, the task fails and lists them.
  - A name or resource group that does not exist gives an empty list.
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes.info_module
options:
  name:
    description:
      - Name of the instance to return. Without it, every instance of the resource group (or subscription).
    type: str
  resource_group:
    description:
      - Resource group to look in. Without it, the whole subscription.
    type: str
seealso:
  - module: twinops.digital_twins.dt_instance
"""

EXAMPLES = r"""
- name: Read one instance, wherever it is in the subscription
  twinops.digital_twins.dt_instance_info:
    name: contoso-twins
  register: found

- name: Fail unless it is ready
  ansible.builtin.assert:
    that:
      - found.instances | length == 1
      - found.instances[0].provisioning_state == 'Succeeded'

- name: List the instances of a resource group
  twinops.digital_twins.dt_instance_info:
    resource_group: rg-twins
  register: in_group

- name: Show their endpoints
  ansible.builtin.debug:
    msg: "{{ in_group.instances | map(attribute='endpoint') | list }}"
"""

RETURN = r"""
instances:
  description: The instances found, sorted by resource group and name; empty when none.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: ARM resource id.
      returned: always
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/contoso-twins
    name:
      description: Name of the instance.
      returned: always
      type: str
      sample: contoso-twins
    resource_group:
      description: Resource group of the instance.
      returned: always
      type: str
      sample: rg-twins
    location:
      description: Region, lower-case without spaces.
      returned: always
      type: str
      sample: westus2
    host_name:
      description: Host name of the data plane, without a scheme; V(null) while provisioning.
      returned: always
      type: str
      sample: contoso-twins.api.wus2.digitaltwins.azure.net
    endpoint:
      description: C(https://) and the host name; V(null) when the host name is.
      returned: always
      type: str
      sample: https://contoso-twins.api.wus2.digitaltwins.azure.net
    provisioning_state:
      description: Provisioning state, such as V(Succeeded), V(Provisioning), V(Updating) or V(Failed).
      returned: always
      type: str
      sample: Succeeded
    identity:
      description: >-
        The managed identity: C(type), C(principal_id), C(tenant_id) and C(user_assigned_identities) (by resource id,
        each with C(client_id) and C(principal_id)).
      returned: always
      type: dict
      sample: {type: SystemAssigned, principal_id: 3f2504e0-4f89-11d3-9a0c-0305e82c3301,
               tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47, user_assigned_identities: {}}
    tags:
      description: Tags of the instance.
      returned: always
      type: dict
      sample: {environment: production}
    public_network_access:
      description: V(Enabled) or V(Disabled).
      returned: always
      type: str
      sample: Enabled
    created_time:
      description: When the instance was created (UTC, ISO 8601).
      returned: always
      type: str
      sample: "2026-11-26T22:00:00Z"
    updated_time:
      description: When the instance was last changed (UTC, ISO 8601).
      returned: always
      type: str
      sample: "2026-11-26T22:05:00Z"
"""

from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import find_instances, validate_name
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import validate_resource_group

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    resource_group=dict(type="str"),
)


def run_module(module):
    name, group = module.params["name"], module.params["resource_group"]
    if name is not None:
        validate_name(name)
    if group is not None:
        validate_resource_group(group)
    module.exit_json(changed=False, instances=find_instances(module.client("digitaltwins"), name, group))


def main():
    module = AzureDTModule(argument_spec=ARGUMENT_SPEC)
    module.run(run_module)


if __name__ == "__main__":
    main()
