"""Conformance machinery for the emulator: the vendored Azure REST specs, their examples and the recorded Azure traffic.

Nothing from ``../shared/specs`` is copied into the project: the files are read where they are, next to the checkout
(``<repo>/../shared/specs``), or from ``$TWINOPS_SHARED_SPECS`` when that is set.  ``SPECS_DIR`` is ``None`` when
neither exists, and the tests skip what needs it, saying so.
"""

import os
from pathlib import Path

# tests/emulator/conformance/__init__.py -> parents[3] is the repository root.
REPO_ROOT = Path(__file__).resolve().parents[3]
_DEFAULT_SPECS = (REPO_ROOT / '..' / 'shared' / 'specs').resolve()


def _specs_dir():
    override = os.environ.get('TWINOPS_SHARED_SPECS')
    candidate = Path(override).resolve() if override else _DEFAULT_SPECS
    return candidate if (candidate / 'digitaltwins').is_dir() else None


SPECS_DIR = _specs_dir()
RECORDINGS_DIR = SPECS_DIR / 'recordings' if SPECS_DIR is not None else None
SKIP_REASON = (f"the vendored Azure specs are missing ({os.environ.get('TWINOPS_SHARED_SPECS') or _DEFAULT_SPECS} has no digitaltwins/); "
               'they live in shared/specs beside the checkout, or set TWINOPS_SHARED_SPECS')

DT_SPEC = 'digitaltwins/2023-01-31/digitaltwins.json'
AUTHZ_DIR = 'authorization/resource-manager/Microsoft.Authorization/Authorization/stable/2022-04-01'
ROLE_ASSIGNMENTS_SPEC = f'{AUTHZ_DIR}/authorization-RoleAssignmentsCalls.json'
ROLE_DEFINITIONS_SPEC = f'{AUTHZ_DIR}/authorization-RoleDefinitionsCalls.json'
ARM_TYPES = 'common-types/resource-management/v2/types.json'
SPEC_FILES = (DT_SPEC, ROLE_ASSIGNMENTS_SPEC, ROLE_DEFINITIONS_SPEC)
