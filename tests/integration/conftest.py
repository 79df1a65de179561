# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the integration tests: the emulator, and two ways of running the collection's modules against it.

* ``run_module(module_name, check=False, diff=True, env=None, **args)`` (the module name is positional-only, so
  ``name=`` is passed to the module) runs a module's ``main()`` in this process, the way
  Ansible would after unpacking it, and returns its result dict. Fast, so every option can be covered.
* ``run_playbook(text_or_path, check=False, diff=False, extra_vars=None, env=None)`` runs ``ansible-playbook`` in a
  subprocess with the emulator's environment, for what only a real run shows (module_defaults, action groups,
  callbacks, output).

Both take ``env`` overrides; a value of None removes that variable.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_COLLECTIONS = ROOT / ".build" / "dev"
_LINK = DEV_COLLECTIONS / "ansible_collections" / "twinops" / "digital_twins"
if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    _LINK.symlink_to(ROOT, target_is_directory=True)
for _path in (str(ROOT / "tests" / "emulator"), str(DEV_COLLECTIONS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

pytest_plugins = ["twinops_emulator.pytest_plugin"]

WRITE_METHODS = ("PUT", "PATCH", "DELETE", "POST")
# POSTs that only read: the token endpoint, name availability and Graph's getByIds.
READ_ONLY_POSTS = ("/oauth2/", "/checkNameAvailability", "/getByIds")


def write_requests(requests):
    """The requests in an emulator request log that change state."""
    writes = []
    for entry in requests:
        if entry["method"] not in WRITE_METHODS:
            continue
        if entry["method"] == "POST" and any(marker.lower() in entry["path"].lower() for marker in READ_ONLY_POSTS):
            continue
        writes.append(entry)
    return writes


def write_calls(requests):
    """(method, path) of each request in an emulator request log that changes state."""
    return [(entry["method"], entry["path"]) for entry in write_requests(requests)]


ROLE_NAMES = {
    "bcd981a7-7f74-457b-83e1-cceb9e632ffe": "Azure Digital Twins Data Owner",
    "d57506d4-4c8d-48b1-8587-93c323f6a5a3": "Azure Digital Twins Data Reader",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}


def held(emu, scope):
    """{(principal id, role name)} directly at ``scope``, read from the emulator's state (other roles by GUID)."""
    out = set()
    for record in emu.state()["role_assignments"]:
        properties = record["properties"]
        if properties["scope"].lower() == scope.lower():
            guid = properties["roleDefinitionId"].rsplit("/", 1)[-1].lower()
            out.add((properties["principalId"].lower(), ROLE_NAMES.get(guid, guid)))
    return out


def seeded_caller(emu, key):
    """The environment that signs in as the seeded service principal ``key`` (``limited``, ``no_graph``, ...)."""
    sp = next(p for p in emu.seed["service_principals"] if p["key"] == key)
    return {"AZURE_CLIENT_ID": sp["app_id"], "AZURE_SECRET": sp["secret"]}


def new_caller(emu, name):
    """A new service principal with a secret and no role: (the principal, the environment that signs in as it)."""
    secret = "test-only-%s-secret" % name
    sp = emu.add_principal(kind="servicePrincipal", display_name=name, secret=secret)
    return sp, {"AZURE_CLIENT_ID": sp["app_id"], "AZURE_SECRET": secret}


class ModuleFailed(AssertionError):
    pass


def _environment(emu, overrides):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AZURE_")}
    env.pop("TWINOPS_TOKEN_CACHE", None)  # the tests that count token requests expect none unless they ask
    env.update(emu.env)
    # The modules' cloud metadata cache: one per emulator, so no run reads another emulator's (or the user's) entries.
    env["TWINOPS_METADATA_CACHE_DIR"] = os.path.join(emu.state_dir, "metadata-cache")
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@pytest.fixture
def run_module(emu, monkeypatch):
    """Run a module of the collection in-process against the emulator and return its result.

    The module name is positional-only, so that a module option can be called ``name``. ansible-core's per-process
    caches (warnings, deprecations, traceback settings) are emptied first, as a fresh module process would have them.
    """
    from ansible.module_utils import basic
    from ansible.module_utils.common import warnings as ansible_warnings

    def _run(name, /, check=False, diff=True, env=None, verbosity=0, **args):
        ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
        ansible_warnings._global_deprecations.clear()  # pylint: disable=protected-access
        try:
            from ansible.module_utils._internal import _traceback
            monkeypatch.setattr(_traceback, "_module_tracebacks_enabled_events", None, raising=False)
        except ImportError:  # ansible-core < 2.19
            pass
        environment = _environment(emu, env)
        for key in list(os.environ):
            if key not in environment:
                monkeypatch.delenv(key, raising=False)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        module_args = dict(args)
        module_args.update(_ansible_check_mode=check, _ansible_diff=diff, _ansible_verbosity=verbosity,
                           _ansible_tmpdir=tempfile.gettempdir(), _ansible_remote_tmp=tempfile.gettempdir(),
                           _ansible_keep_remote_files=False)
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode()
        if hasattr(basic, "_ANSIBLE_PROFILE"):
            basic._ANSIBLE_PROFILE = "legacy"
        module = importlib.import_module("ansible_collections.twinops.digital_twins.plugins.modules." + name)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                module.main()
            except SystemExit:
                pass
        basic._ANSIBLE_ARGS = None
        text = out.getvalue()
        try:
            result = json.loads(text)
        except ValueError:
            raise AssertionError("module %s printed no JSON result:\n%s" % (name, text)) from None
        result["warning_texts"] = [w["event"]["msg"] if isinstance(w, dict) else str(w) for w in result.get("warnings", [])]
        return result

    return _run


class PlaybookResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self):
        """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from the PLAY RECAP."""
        recap = {}
        in_recap = False
        for line in self.stdout.splitlines():
            if line.startswith("PLAY RECAP"):
                in_recap = True
                continue
            if in_recap and ":" in line:
                host, counts = line.split(":", 1)
                recap[host.strip()] = {k: int(v) for k, v in (item.split("=") for item in counts.split())}
        return recap


@pytest.fixture
def run_playbook(emu, tmp_path):
    """Run ansible-playbook (from the same virtualenv) against the emulator."""
    bindir = Path(sys.executable).parent

    def _run(playbook, check=False, diff=False, extra_vars=None, env=None, inventory=None, args=()):
        if isinstance(playbook, str) and "\n" in playbook:
            path = tmp_path / "playbook.yml"
            path.write_text(playbook)
        else:
            path = Path(playbook)
        environment = _environment(emu, env)
        environment.update(ANSIBLE_COLLECTIONS_PATH=str(DEV_COLLECTIONS), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                           ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                           ANSIBLE_PYTHON_INTERPRETER=sys.executable, PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""))
        command = [str(bindir / "ansible-playbook"), str(path), "-i", inventory or "localhost,", "-c", "local"]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        command += list(args)
        proc = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900, check=False)
        return PlaybookResult(proc)

    return _run


@pytest.fixture
def mark(emu):
    """Call ``mark()`` for the current end of the emulator's request log; ``emu.requests(since=mark)`` then gives what
    came after it."""
    def _mark():
        entries = emu.requests()
        return entries[-1]["seq"] if entries else 0

    return _mark


@pytest.fixture
def log(emu, mark):
    """Call ``log()`` for the requests the emulator received since the fixture was set up (after the test's setup
    when requested last)."""
    start = mark()
    return lambda: emu.requests(since=start)


@pytest.fixture
def writes(log):
    """Call ``writes()`` to get the write requests the emulator received since the fixture was set up."""
    return lambda: write_requests(log())
