# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The setup_declaration action: the setup role's variables of one host, validated, as that host's declaration.

Runs on the controller only (no module process): the documentation is in plugins/modules/setup_declaration.py.
"""

from __future__ import annotations

import os

import yaml

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import ENTRY_POINT, declare

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "roles", "setup", "meta",
                         "argument_specs.yml")


def load_spec(path):
    """The options of the role's entry point, from its meta/argument_specs.yml."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"][ENTRY_POINT]["options"]


# Read when the controller loads the action, before it starts the worker processes that run it for each host.
try:
    SPEC, SPEC_ERROR = load_spec(SPEC_PATH), None
except (OSError, KeyError, TypeError, ValueError) as exc:  # reported by the task, not at import
    SPEC, SPEC_ERROR = None, exc


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.args:
            raise AnsibleActionFail("setup_declaration takes no options: it reads the setup role's variables (%s)."
                                    % ", ".join(sorted(self._task.args)))
        if SPEC is None:
            raise AnsibleActionFail("The setup role's argument spec could not be read from %s: %s" % (SPEC_PATH, SPEC_ERROR))
        # Each of the role's options on its own (one large template per host would cost every host of a fleet its
        # compilation), as ansible-core's validation of a role's arguments reads them.
        variables = self._templar.template({name: task_vars[name] for name in SPEC if name in task_vars})
        declaration, errors = declare(task_vars["inventory_hostname"], SPEC, variables)
        if errors:
            result.update(failed=True, msg="Validation of arguments failed:\n%s" % "\n".join(errors), argument_errors=errors)
            return result
        result.update(changed=False, declaration=declaration)
        return result
