# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.twinops.digital_twins`` importable when pytest runs outside ansible-test.

ansible-test units already puts the collection root on sys.path; plain pytest (from the repository, or from
``.build/dev/ansible_collections/twinops/digital_twins``) gets the dev tree ``.build/dev`` added here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _collections_root():
    here = Path(__file__).absolute()
    # Run from inside <root>/ansible_collections/twinops/digital_twins: the root is four levels above the collection.
    for parent in here.parents:
        if parent.name == "ansible_collections":
            return parent.parent
    # Run from the repository: use (and create) the dev tree's symlink, as tests/integration/conftest.py does.
    repo = here.parents[2]
    dev = repo / ".build" / "dev"
    link = dev / "ansible_collections" / "twinops" / "digital_twins"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(repo, target_is_directory=True)
    return dev


def _importable():
    try:
        return importlib.util.find_spec("ansible_collections.twinops.digital_twins") is not None
    except ImportError:
        return False


if not _importable():
    sys.path.insert(0, str(_collections_root()))
