# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability suite.

The emulator fixtures (``emulator``, ``emu``) come from ``twinops_emulator.pytest_plugin`` and ``run_module`` /
``run_playbook`` from tests/integration/conftest.py, loaded here under its own module name (importing it as
``conftest`` would clash with this file).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import sys
import tempfile
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


@pytest.fixture
def run(emu, monkeypatch):  # pylint: disable=redefined-outer-name
    """Like run_module of tests/integration, but the module is the first argument ``module``, so that an option can
    be called ``name``; ansible-core's per-process caches (warnings, traceback settings) are emptied first."""
    from ansible.module_utils import basic
    from ansible.module_utils.common import warnings as ansible_warnings

    def _run(module, check=False, diff=True, env=None, verbosity=0, **args):
        ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
        ansible_warnings._global_deprecations.clear()  # pylint: disable=protected-access
        try:
            from ansible.module_utils._internal import _traceback
            monkeypatch.setattr(_traceback, "_module_tracebacks_enabled_events", None, raising=False)
        except ImportError:
            pass
        environment = integration._environment(emu, env)  # pylint: disable=protected-access
        for key in list(os.environ):
            if key not in environment:
                monkeypatch.delenv(key, raising=False)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        module_args = dict(args)
        module_args.update(_ansible_check_mode=check, _ansible_diff=diff, _ansible_verbosity=verbosity,
                           _ansible_tmpdir=tempfile.gettempdir(), _ansible_remote_tmp=tempfile.gettempdir(),
                           _ansible_keep_remote_files=False)
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode()  # pylint: disable=protected-access
        if hasattr(basic, "_ANSIBLE_PROFILE"):
            basic._ANSIBLE_PROFILE = "legacy"  # pylint: disable=protected-access
        plugin = importlib.import_module("ansible_collections.twinops.digital_twins.plugins.modules." + module)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                plugin.main()
            except SystemExit:
                pass
        basic._ANSIBLE_ARGS = None  # pylint: disable=protected-access
        try:
            return json.loads(out.getvalue())
        except ValueError:
            raise AssertionError("module %s printed no JSON result:\n%s" % (module, out.getvalue())) from None

    return _run


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
