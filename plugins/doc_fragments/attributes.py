# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every module of the collection shares; modules state only their own ``support`` values."""

    # Modules that change something: full check mode, diff and idempotence.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    support: full
    description: When run twice in a row outside check mode with the same arguments, the second run reports no change.
  action_group:
    support: full
    membership:
      - twinops.digital_twins.all
    description: Use C(group/twinops.digital_twins.all) in C(module_defaults) to set the authentication options once.
"""

    # Modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
    details: The module only reads, so check mode changes nothing about what it does.
  diff_mode:
    support: N/A
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    details: The module changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    description: When run twice in a row outside check mode with the same arguments, the second run reports no change.
    details: The module only reads.
  action_group:
    support: full
    membership:
      - twinops.digital_twins.all
    description: Use C(group/twinops.digital_twins.all) in C(module_defaults) to set the authentication options once.
"""

    # Actions that run on the controller only (the setup role's steps): no module process, no request.
    CONTROLLER_ACTION = r"""
attributes:
  action:
    support: full
    description: Runs on the controller as an action plugin.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""
