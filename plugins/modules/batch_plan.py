#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: batch_plan
short_description: Select what each of the setup role's batch calls covers
version_added: 0.2.0
description:
  - A step of the role P(twinops.digital_twins.setup#role). The role converges every host of a batch in a few
    C(run_once) calls of the list forms (a dry run of the access and of the instances, in check mode, then the
    writes the dry run predicts to the resource groups, the instances and the access, and the resource groups to delete). Called
    C(run_once) between them, this action returns the inputs of the calls that follow O(step), from the batch's
    declarations (M(twinops.digital_twins.setup_declaration)) and the results registered so far, read by the
    variable names given in O(registered).
  - A host whose dry run failed is left out of every write (it fails alone, with the dry run's message, in its
    M(twinops.digital_twins.batch_result)); a host whose resource group failed is left out of the instance and access
    calls, one whose instance failed out of the access call and of the deletion of its resource group.
  - Names are compared case-insensitively, as Azure compares them.
  - Runs on the controller. It sends no request and starts no module process.
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.attributes.controller_action
options:
  step:
    description:
      - The point of the role's flow; the action returns the inputs of the calls that follow it.
      - V(collect), before the dry runs, reads the declaration of each host of C(ansible_play_batch) (the hosts of
        the batch still running), registered under the name O(registered.declaration), and returns RV(batch), the
        access targets to plan (RV(targets)) and the batch's settings (RV(wait), RV(wait_timeout),
        RV(principal_wait_timeout), RV(verify)) and RV(shared_resource_groups). Register it under the name
        O(registered.batch).
      - V(access_planned), after the dry run of the access, returns the instances to plan (RV(instances)), those
        of the hosts whose access plan passed.
      - V(planned), after both dry runs, returns whether the writes run (RV(apply)), the resource groups to converge
        (RV(resource_groups)) and the names of the results each host's outcome is read from (RV(results)).
      - V(groups_converged), after the resource groups, returns the instances to create, update or delete
        (RV(instances)).
      - V(instances_converged), after the instances, returns the access targets of the hosts whose resource group
        and instance converged (RV(targets)) and the resource groups to delete (RV(resource_groups)).
    type: str
    required: true
    choices: [collect, access_planned, planned, groups_converged, instances_converged]
  registered:
    description:
      - The names of the variables that the role's steps and calls register their results in. The action reads
        them by name, as registered, so that no task templates the whole batch's results.
    type: dict
    required: true
    suboptions:
      declaration:
        description: The result of M(twinops.digital_twins.setup_declaration) on each host.
        type: str
        required: true
      batch:
        description: The result of the step V(collect).
        type: str
        required: true
      access_plan:
        description: The dry run of the access (M(twinops.digital_twins.dt_role_assignment) C(targets), check mode).
        type: str
        required: true
      instance_plan:
        description: The dry run of the instances (M(twinops.digital_twins.dt_instance) C(instances), check mode).
        type: str
        required: true
      resource_groups:
        description: The call of M(twinops.digital_twins.resource_group) that converges the resource groups.
        type: str
        required: true
      instances:
        description: The call of M(twinops.digital_twins.dt_instance) that converges the instances.
        type: str
        required: true
      access:
        description: The call of M(twinops.digital_twins.dt_role_assignment) that converges the access.
        type: str
        required: true
      deleted_groups:
        description: The call of M(twinops.digital_twins.resource_group) that deletes resource groups.
        type: str
        required: true
attributes:
  check_mode:
    support: full
    description:
      - Reads results only. In check mode the dry runs are the run, so the steps V(groups_converged) and
        V(instances_converged) return no instances and no access targets to write; the resource group calls still
        run, in check mode, to predict their changes.
  diff_mode:
    support: none
    description: Returns no diff; M(twinops.digital_twins.batch_result) gives each host its diff.
notes:
  - A call that failed as a whole (no per-item results, for example a sign-in error) in a dry run stops every write
    (RV(apply) is false); each host then fails with its message in its outcome.
seealso:
  - module: twinops.digital_twins.setup_declaration
    description: Records each host's declaration.
  - module: twinops.digital_twins.batch_result
    description: Reports each host's share of the batch calls' results.
"""

EXAMPLES = r"""
- name: Collect the declarations of the batch
  twinops.digital_twins.batch_plan:
    step: collect
    registered: "{{ setup_registered }}"
  run_once: true
  register: setup_batch

- name: Plan the role assignments
  twinops.digital_twins.dt_role_assignment:
    targets: "{{ setup_batch.targets }}"
    principal_wait_timeout: "{{ setup_batch.principal_wait_timeout }}"
  check_mode: true
  run_once: true
  register: setup_plan_access
  changed_when: false
  failed_when: false
  when: setup_batch.targets | length > 0

- name: Select the instances to plan
  twinops.digital_twins.batch_plan:
    step: access_planned
    registered: "{{ setup_registered }}"
  run_once: true
  register: setup_step
"""

RETURN = r"""
batch:
  description: The declarations of the hosts of the batch (RV(twinops.digital_twins.setup_declaration#module:declaration)).
  returned: with O(step=collect)
  type: list
  elements: dict
targets:
  description:
    - Items of O(twinops.digital_twins.dt_role_assignment#module:targets). With O(step=collect), the access of the
      hosts whose instance is present, to plan; with O(step=instances_converged), that of the hosts whose resource
      group and instance converged, to write (empty in check mode, and when the plan predicts no change to the
      access or the instance call failed as a whole).
  returned: with O(step=collect) and O(step=instances_converged)
  type: list
  elements: dict
wait:
  description: Whether the calls wait for the instances (false when any host sets C(setup_wait=false)).
  returned: with O(step=collect)
  type: bool
  sample: true
wait_timeout:
  description: The longest C(setup_wait_timeout) of the batch.
  returned: with O(step=collect)
  type: int
  sample: 1200
principal_wait_timeout:
  description: The longest C(setup_principal_wait_timeout) of the batch (also the access call's verify timeout).
  returned: with O(step=collect)
  type: int
  sample: 180
verify:
  description: Whether the access call reads back the assignments (true when any host sets C(setup_verify=true)).
  returned: with O(step=collect)
  type: bool
  sample: true
shared_resource_groups:
  description: The resource groups (lower case) that more than one host of the batch declares.
  returned: with O(step=collect)
  type: list
  elements: str
  sample: [rg-twins-westus2]
instances:
  description:
    - Items of O(twinops.digital_twins.dt_instance#module:instances). With O(step=access_planned), those to plan;
      with O(step=groups_converged), those to create, update or delete (empty in check mode, and when the plan
      predicts no change to any instance).
  returned: with O(step=access_planned) and O(step=groups_converged)
  type: list
  elements: dict
apply:
  description: Whether the writes run in this pass (both dry runs answered and they predict a change).
  returned: with O(step=planned)
  type: bool
  sample: false
resource_groups:
  description:
    - Items of O(twinops.digital_twins.resource_group#module:resource_groups). With O(step=planned), the groups to
      create and those whose tags are declared; with O(step=instances_converged), the groups to delete (of the
      hosts that remove their instance with C(setup_delete_resource_group), whose instance is gone), each with
      C(delete_resources), the ids of the instances the dry run predicts deleted.
  returned: with O(step=planned) and O(step=instances_converged)
  type: list
  elements: dict
results:
  description:
    - The names of the results each host's outcome is read from, in call order, by the state it declares (for
      O(twinops.digital_twins.batch_result#module:results)), the dry runs and, when they run in this pass, the writes.
  returned: with O(step=planned)
  type: dict
  sample: {present: [setup_plan_access, setup_plan_instances], absent: [setup_plan_instances]}
"""
