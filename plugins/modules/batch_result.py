#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: batch_result
short_description: Report one host's share of a fleet's list-form results as that host's own result
version_added: 0.2.0
description:
  - A fleet (one inventory host per instance) converges in a few C(run_once) calls of the list forms of
    M(twinops.digital_twins.resource_group) (O(twinops.digital_twins.resource_group#module:resource_groups)),
    M(twinops.digital_twins.dt_instance) (O(twinops.digital_twins.dt_instance#module:instances)) and
    M(twinops.digital_twins.dt_role_assignment) (O(twinops.digital_twins.dt_role_assignment#module:targets)), whose
    registered results every host of the batch sees. This action picks the host's own entries out of them, by its
    instance and resource group, and reports them as the host's result, so that each host keeps its own
    ok/changed/failed in the recap, its own C(--diff) and its own facts.
  - The latest entry of each kind wins (a real run's result replaces the dry run's). The first failed entry, in the
    order of O(results), fails the host with that entry's own message. A call that failed as a whole (no per-item
    results, for example an authentication error) fails every host with its message. A skipped call, or one that
    did not include the host, is ignored.
  - Runs on the controller; it sends no request and starts no module process.
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.attributes.controller_action
options:
  instance:
    description:
      - Name of the host's Azure Digital Twins instance.
    type: str
    required: true
  resource_group:
    description:
      - Name of the resource group of the host's instance.
    type: str
    required: true
  state:
    description:
      - What the host declares for its instance. With V(absent) the host removes it; its entries are the deletion of
        its instance and, when asked for, of its resource group, it creates nothing (RV(created_instance) and
        RV(created_resource_group) are false), O(resource_group_missing_msg) does not apply, and RV(fact) holds
        C(name), C(resource_group), C(state=absent), C(deleted), C(resource_group_deleted) and C(changes).
    type: str
    choices: [present, absent]
    default: present
  results:
    description:
      - Names of the variables registered by the list-form calls, in the order the calls ran. Register them with
        C(failed_when false) on the C(run_once) tasks, so that a failure stays on its own host.
      - Names, not values, so that each host reads its own entries without templating the whole batch's results
        (which would cost every host the size of the batch). A name that is not defined is ignored, as a skipped call.
    type: list
    elements: str
    required: true
  resource_group_missing_msg:
    description:
      - Fail with this message when the host's instance entry reports that its resource group does not exist
        (C(resource_group_exists=false)). Only with O(state=present).
    type: str
  publish:
    description:
      - Set the host's outcome as the fact of this name, as M(ansible.builtin.set_fact) with C(cacheable=true) does
        (so it also reaches a fact cache, AWX's fact storage among them), return it as RV(fact), and publish it with
        the job statistics under C(<publish>.<inventory_hostname>), as M(ansible.builtin.set_stats) with
        C(aggregate=true) does (AWX shows it as the job's artifacts).
      - "RV(fact) holds: C(name), C(resource_group), C(id), C(location), C(host_name), C(endpoint), C(identity),
        C(public_network_access), C(provisioning_state), C(assignments), C(added_assignments),
        C(removed_assignments) and C(changes) (C(resource_group) and C(instance): created, updated, deleted or
        unchanged)."
    type: str
attributes:
  check_mode:
    support: full
    description: Reports the predictions of check-mode results; nothing counts as created.
  diff_mode:
    support: full
    description: Shows the diff of each of the host's entries that changed, with a header naming it.
seealso:
  - module: twinops.digital_twins.dt_instance
    description: The list form O(twinops.digital_twins.dt_instance#module:instances) whose results this action splits per host.
  - module: twinops.digital_twins.dt_role_assignment
    description: The list form O(twinops.digital_twins.dt_role_assignment#module:targets).
"""

EXAMPLES = r"""
- name: Converge every instance of the play in one call
  twinops.digital_twins.dt_instance:
    instances: "{{ ansible_play_batch | map('extract', hostvars, 'my_instance') | list }}"
  run_once: true
  register: all_instances
  changed_when: false
  failed_when: false

- name: Report each host's own instance
  twinops.digital_twins.batch_result:
    instance: "{{ my_instance.name }}"
    resource_group: "{{ my_instance.resource_group }}"
    results: [all_instances]
    publish: my_twins

- name: Use it
  ansible.builtin.debug:
    msg: "{{ my_twins.host_name }}"
"""

RETURN = r"""
msg:
  description: What changed for the host, or, when it failed, the failed entry's own message.
  returned: always
  type: str
  sample: instance created; role assignments 2 added, 0 removed
fact:
  description: The host's outcome, as described for O(publish).
  returned: when O(publish) is set and the host did not fail
  type: dict
values_to_note:
  description:
    - The values Microsoft's manual procedure asks to note after creating an instance (C(hostName), C(name),
      C(resourceGroup)), and its endpoint, as lines.
  returned: with O(state=present), when the host did not fail
  type: list
  elements: str
  sample: ["hostName: dt1.api.wus2.digitaltwins.azure.net", "name: dt1", "resourceGroup: rg1", "endpoint: https://dt1.api.wus2.digitaltwins.azure.net"]
created_instance:
  description: True when a real run created the host's instance (also one whose provisioning then failed).
  returned: always
  type: bool
created_resource_group:
  description: True when a real run created the host's resource group.
  returned: always
  type: bool
"""
