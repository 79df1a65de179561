#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: setup_declaration
short_description: The setup role's declaration of one host, as items of the modules' list forms
version_added: 0.2.0
description:
  - A step of the role P(twinops.digital_twins.setup#role). Each host of the batch records what it declares with the
    role's variables (C(setup_instance_name), C(setup_resource_group), C(setup_location), C(setup_state), the tags,
    identity, public network access, the data owners and readers and C(setup_role_assignments), C(setup_exclusive),
    C(setup_wait), C(setup_verify) and the timeouts), and the role's C(run_once) calls then converge the declarations
    of every host together.
  - Returns the declaration as RV(declaration), built in Python from the variables as the role's argument spec
    validated them; it templates each variable on its own. Register it.
  - Runs on the controller. It sends no request and starts no module process.
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.attributes.controller_action
options: {}
attributes:
  check_mode:
    support: full
    description: Reads variables only; the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff; the role's report (M(twinops.digital_twins.batch_result)) gives each host its diff.
seealso:
  - module: twinops.digital_twins.batch_result
    description: Reports each host's share of the batch calls' results.
"""

EXAMPLES = r"""
- name: Record this host's declaration
  twinops.digital_twins.setup_declaration:
  register: setup_declared

- name: Converge the instances of the play in one call
  twinops.digital_twins.dt_instance:
    instances: "{{ ansible_play_batch | map('extract', hostvars, ['setup_declared', 'declaration', 'instance']) | list }}"
  run_once: true
"""

RETURN = r"""
declaration:
  description: The host's declaration.
  returned: always
  type: dict
  contains:
    host:
      description: The inventory host.
      type: str
    key:
      description: The resource group's name, in lower case.
      type: str
    name_key:
      description: The instance's name, in lower case.
      type: str
    state:
      description: V(present) or V(absent).
      type: str
    create_resource_group:
      description: Whether the role may create the resource group.
      type: bool
    delete_resource_group:
      description: Whether the role deletes the resource group when the instance is removed.
      type: bool
    resource_group:
      description: An item of O(twinops.digital_twins.resource_group#module:resource_groups) that creates the group.
      type: dict
    resource_group_absent:
      description: An item of O(twinops.digital_twins.resource_group#module:resource_groups) that deletes it.
      type: dict
    instance:
      description: An item of O(twinops.digital_twins.dt_instance#module:instances).
      type: dict
    access:
      description:
        - An item of O(twinops.digital_twins.dt_role_assignment#module:targets), the data owners and readers first, then
          C(setup_role_assignments).
      type: dict
    wait:
      description: C(setup_wait).
      type: bool
    verify:
      description: C(setup_verify).
      type: bool
    wait_timeout:
      description: C(setup_wait_timeout).
      type: int
    principal_wait_timeout:
      description: C(setup_principal_wait_timeout).
      type: int
  sample:
    host: twins-wus2
    key: rg-twins
    name_key: twins-wus2
    state: present
"""
