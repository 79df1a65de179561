# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite.

The emulator fixtures (``emulator``, ``emu``) come from ``twinops_emulator.pytest_plugin`` and ``run_module`` /
``run_playbook`` from tests/integration/conftest.py, loaded here under its own module name (importing it as
``conftest`` would clash with this file).
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _path in (str(ROOT / "tests" / "emulator"), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

_SPEC = importlib.util.spec_from_file_location("twinops_integration_fixtures", ROOT / "tests" / "integration" / "conftest.py")
integration = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = integration
_SPEC.loader.exec_module(integration)

# pylint: disable=wrong-import-position,unused-import
from twinops_emulator.pytest_plugin import emu, emulator  # noqa: E402,F401  (fixtures)

from reliability_support import Recorder  # noqa: E402  pylint: disable=import-error

run_playbook = integration.run_playbook

_RECORDER = Recorder()


@pytest.fixture(scope="session")
def recorder():
    return _RECORDER


run_module = integration.run_module


@pytest.fixture
def run(run_module):  # pylint: disable=redefined-outer-name
    """tests/integration's in-process module runner (module name first, positional-only)."""
    return run_module


@pytest.fixture
def client_settings(monkeypatch):
    """Override the modules' ARM client settings (for example read_timeout) for in-process runs of this test."""
    from ansible_collections.twinops.digital_twins.plugins.module_utils import _clients

    def _set(**values):
        for key, value in values.items():
            monkeypatch.setitem(_clients.CLIENT_SETTINGS, key, value)

    return _set


@pytest.fixture
def rightless_caller(emu):  # pylint: disable=redefined-outer-name
    """A new service principal that holds no role anywhere (but may read the directory): its environment overrides."""
    secret = "rel-rightless-" + uuid.uuid4().hex
    created = emu.add_principal(kind="servicePrincipal", display_name="sp-rel-rightless", secret=secret, directory_read=True)
    return {"AZURE_CLIENT_ID": created["app_id"], "AZURE_SECRET": secret}
