# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The batch_result action: one host's outcome from the registered results of run_once list-form calls.

Runs on the controller only (no module process): the documentation is in plugins/modules/batch_result.py.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

try:  # ansible-core 2.20+: an action sets facts as set_fact does
    from ansible.plugins.action import VariableLayer
except ImportError:  # older: the result's ansible_facts become the host's (cacheable) facts
    VariableLayer = None

from ansible_collections.twinops.digital_twins.plugins.module_utils._batch import (
    Outcome,
    created_resource_group,
    resource_group_missing,
)

ARGUMENT_SPEC = dict(
    instance=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    results=dict(type="list", elements="str", required=True),
    resource_group_missing_msg=dict(type="str"),
    publish=dict(type="str"),
)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        # The results are named, not passed: templating every call's results (all hosts' entries) for each host would
        # cost the batch's size on every host. Registered results are plain data; nothing in them is templated.
        results = [task_vars.get(name) for name in args["results"]]
        present = args["state"] == "present"
        outcome = Outcome(results, args["instance"], args["resource_group"], removing=not present)
        check_mode = bool(self._task.check_mode if self._task.check_mode is not None else self._play_context.check_mode)
        if present and outcome.failure is None and args["resource_group_missing_msg"] and resource_group_missing(outcome):
            outcome.fail(args["resource_group_missing_msg"])

        result.update(
            changed=outcome.changed,
            created_instance=present and outcome.created_instance and not check_mode,
            created_resource_group=present and created_resource_group(outcome, check_mode),
        )
        if outcome.failure is not None:
            # Only what the failure needs (its message, what to roll back): the error line stays readable.
            result.update(failed=True, msg=outcome.failure)
            return result
        result["msg"] = outcome.summary()
        diffs = outcome.diffs()
        if diffs and self._task.diff:
            result["diff"] = diffs
        if present:
            result["values_to_note"] = outcome.values_to_note()
        if args["publish"]:
            fact = outcome.fact() if present else outcome.removal_fact()
            facts = {args["publish"]: fact}
            # A fact of the host, as set_fact with cacheable=true sets it: a variable of the host, and in its fact
            # cache (AWX's fact storage, ansible-runner's fact_cache).
            if VariableLayer is not None:
                self.register_host_variables(facts, VariableLayer.CACHEABLE_FACT)
                self.register_host_variables(facts, VariableLayer.EPHEMERAL_FACT)
            else:
                result["ansible_facts"] = facts
            result["fact"] = fact
            result["ansible_stats"] = dict(data={args["publish"]: {task_vars["inventory_hostname"]: fact}},
                                           per_host=False, aggregate=True)
        return result
