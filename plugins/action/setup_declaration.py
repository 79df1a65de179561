# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The setup_declaration action: the setup role's declaration of one host, from the role's variables.

Runs on the controller only (no module process): the documentation is in plugins/modules/setup_declaration.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import INPUTS, build


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.args:
            raise AnsibleActionFail("setup_declaration takes no options: it reads the setup role's variables (%s)."
                                    % ", ".join(sorted(self._task.args)))
        # Only the role's own inputs are templated, each on its own: one large template per host would cost every
        # host of a fleet its compilation.
        values = {name: self._templar.template(task_vars[name]) for name in INPUTS if name in task_vars}
        result.update(changed=False, declaration=build(task_vars["inventory_hostname"], values))
        return result
