# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The batch_plan action: what each of the setup role's batch calls covers, from the batch's declarations and the
results registered so far.

Runs on the controller only (no module process): the documentation is in plugins/modules/batch_plan.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.twinops.digital_twins.plugins.module_utils._plan import CALLS, STEPS, Plan, collect, step

ARGUMENT_SPEC = dict(
    step=dict(type="str", required=True, choices=list(STEPS)),
    registered=dict(type="dict", required=True, options=dict(
        declaration=dict(type="str", required=True),
        **{name: dict(type="str", required=True) for name in CALLS})),
)

# The results each step reads (by the keys of the registered option), besides the batch: those of the calls before it.
READS = {
    "access_planned": ("access_plan",),
    "planned": ("access_plan", "instance_plan"),
    "groups_converged": ("access_plan", "instance_plan", "resource_groups"),
    "instances_converged": ("access_plan", "instance_plan", "resource_groups", "instances"),
}


def declarations(hostvars, hosts, name):
    """The declaration each host registered as ``name`` (None for a host without one), read as data: a registered
    result is not templated again, and reading it raw spares each host a template engine."""
    found = []
    for host in hosts:
        variables = hostvars.raw_get(host) if hasattr(hostvars, "raw_get") else hostvars[host]
        declared = variables.get(name) if isinstance(variables, Mapping) else None
        found.append(declared.get("declaration") if isinstance(declared, Mapping) else None)
    return found


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        names, name = args["registered"], args["step"]
        if name == "collect":
            # The hosts of the batch still running: a host whose declaration failed is no longer in it.
            hosts = task_vars.get("ansible_play_batch") or []
            result.update(collect(declarations(task_vars["hostvars"], hosts, names["declaration"])), changed=False)
            return result
        # Read by name, as registered: the results are plain data, and templating them would cost their size.
        read = {}
        for call in ("batch",) + READS[name]:
            if names[call] not in task_vars:
                raise AnsibleActionFail("batch_plan step %s reads the result registered as %s (%s), which is not "
                                        "defined: run the steps and calls in the role's order." % (name, names[call], call))
            read[call] = task_vars[names[call]]
        batch = read.pop("batch")
        if not isinstance(batch, Mapping) or not isinstance(batch.get("batch"), list):
            raise AnsibleActionFail("batch_plan step %s expects %s to be the result of the step collect." % (name, names["batch"]))
        plan = Plan(batch["batch"], **read)
        result.update(step(name, plan, names, check_mode=bool(task_vars.get("ansible_check_mode"))), changed=False)
        return result
