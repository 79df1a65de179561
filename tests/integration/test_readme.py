# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's shell blocks that use the project's emulator or virtualenv run exactly as written.

Each such ```bash block runs with ``bash -eu -o pipefail`` in a new shell: an environment without the
virtualenv on PATH, without ANSIBLE_*, AZURE_* or emulator variables, with a fresh HOME, in a copy of the working
tree (git's view of it, the project's .venv linked in), so that the block's own ``make emulator`` and
``.emulator/env`` are the only things that set it up and a developer's running emulator is never touched.
The copy gets what the README's quickstart leaves behind (``make venv``, which ``make demo`` and ``make test`` run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# A block runs when it uses the local emulator or the project's virtualenv; the others need the network
# (git clone, Galaxy) or are the quickstart that runs make demo and make test themselves.
RUNS_HERE = re.compile(r"\.emulator/env|make emulator|\.venv/bin/activate")
BLOCK = re.compile(r"^```(bash|sh|shell|console)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def readme_blocks():
    return [match.group(2) for match in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def runnable_blocks():
    return [block for block in readme_blocks() if RUNS_HERE.search(block)]


def _first_line(block):
    return next(line for line in block.splitlines() if line.strip()).split("#")[0].strip()


def test_the_readme_has_blocks_that_run_here():
    blocks = runnable_blocks()
    assert any("make emulator" in block and re.search(r"^ansible-playbook ", block, re.MULTILINE) for block in blocks), \
        "the README lost its emulator block (make emulator, . .emulator/env, ansible-playbook ...)"
    assert any(re.search(r"^ansible-doc ", block, re.MULTILINE) for block in blocks), \
        "the README lost its ansible-doc block"


@pytest.fixture(scope="module")
def new_checkout(tmp_path_factory):
    """A copy of git's view of the working tree, with the project's .venv linked in and make venv run."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.fail("the project's .venv is missing: run make venv")
    copy = tmp_path_factory.mktemp("readme") / "digital_twins"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    home = copy.parent / "home"
    home.mkdir()
    env = _new_shell_environment(home)
    result = subprocess.run(["make", "venv"], cwd=copy, env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    try:
        yield copy, env
    finally:
        subprocess.run(["bash", "scripts/emulator.sh", "stop"], cwd=copy, env=env, capture_output=True, check=False)


def _new_shell_environment(home):
    """What a new login shell has: no virtualenv, no Ansible, Azure or emulator settings of this test run."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
    env = {key: value for key, value in os.environ.items()
           if key not in dropped and not key.startswith(("ANSIBLE_", "AZURE_", "TWINOPS_", "PYTEST_", "MAKE", "MFLAGS"))}
    env["PATH"] = os.pathsep.join(entry for entry in os.environ.get("PATH", "").split(os.pathsep)
                                  if entry and not entry.startswith(str(ROOT)) and "/.venv" not in entry)
    env["HOME"] = str(home)
    env["NO_COLOR"] = env["ANSIBLE_NOCOLOR"] = "1"
    return env


@pytest.mark.parametrize("block", runnable_blocks(), ids=_first_line)
def test_readme_block_runs_as_written(new_checkout, block):
    copy, env = new_checkout
    result = subprocess.run(["bash", "-eu", "-o", "pipefail", "-c", block], cwd=copy, env=env, capture_output=True,
                            text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, "README block failed (exit %d):\n%s\n--- output ---\n%s" % (
        result.returncode, block, output[-6000:])
    assert "command not found" not in output, output[-6000:]
    if re.search(r"^ansible-playbook ", block, re.MULTILINE):
        recap = output[output.rindex("PLAY RECAP"):]
        assert re.search(r"localhost\s+: ok=\d+ +changed=\d+ +unreachable=0 +failed=0", recap), recap
    if re.search(r"^ansible-doc ", block, re.MULTILINE):
        assert "twinops.digital_twins." in output and "OPTIONS" in output, output[-3000:]
    if "make emulator-stop" in block:
        pid = copy / ".emulator" / "pid"
        assert not pid.exists(), "the block's make emulator-stop left the emulator running"
