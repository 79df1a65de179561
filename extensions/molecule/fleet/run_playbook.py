# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-playbook and print, as one JSON object, what it did to each host.

    python run_playbook.py ANSIBLE_PLAYBOOK_ARGUMENTS...

check.yml, serial.yml and one_bad_host.yml run plays over their own inventories with this and assert on the
result, so that they check behaviour as a user sees it (the play recap, the failure messages, the diffs, the
set_stats data) and not the tasks that produce it. It runs the ansible-playbook next to this Python with the
environment it was given (the emulator's), the default stdout callback writing JSON results (one line per result,
which this parses) and custom stats shown. Printed keys:

rc        ansible-playbook's exit code.
recap     {host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from the PLAY RECAP.
failures  {host: [message, ...]}: the msg of every failed result of the host that was not ignored.
changed   {host: number of changed results}.
diffs     {host: number of changed results that came with a diff}.
stats     The set_stats data of the run (the custom stats' RUN entry), {} when there is none.
output    The end of the output, for failure messages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

RESULT = re.compile(r"^(ok|changed|fatal|failed|skipping|included): \[([^\]\s]+)(?: -> [^\]]+)?\]")
RECAP = re.compile(r"^(\S+)\s+: (ok=\d+.*)$")
TASK_BANNER = re.compile(r"^(TASK|RUNNING HANDLER|PLAY) \[")
DIFF_MARKER = re.compile(r"^(--- before|\+\+\+ after|@@ )")


def _failure_message(line):
    """The msg of the JSON result on a fatal/failed line, or the line itself."""
    payload = line.partition("=> ")[2]
    try:
        result = json.loads(payload)
    except ValueError:
        return line
    return result.get("msg", payload) if isinstance(result, dict) else payload


def parse(output):
    recap, failures, changed, diffs, stats = {}, {}, {}, {}, {}
    lines = output.splitlines()
    since_last_result = []
    in_recap = False
    for number, line in enumerate(lines):
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap:
            match = RECAP.match(line)
            if match:
                recap[match.group(1)] = {key: int(value) for key, value in
                                         (item.split("=") for item in match.group(2).split())}
                continue
            if line.strip().startswith("RUN: "):
                stats = json.loads(line.strip()[len("RUN: "):])
            continue
        if TASK_BANNER.match(line):
            since_last_result = []
            continue
        match = RESULT.match(line)
        if not match:
            since_last_result.append(line)
            continue
        status, host = match.groups()
        if status in ("fatal", "failed"):
            ignored = number + 1 < len(lines) and lines[number + 1].strip() == "...ignoring"
            if not ignored:
                failures.setdefault(host, []).append(_failure_message(line))
        elif status == "changed":
            changed[host] = changed.get(host, 0) + 1
            if any(DIFF_MARKER.match(previous) for previous in since_last_result):
                diffs[host] = diffs.get(host, 0) + 1
        since_last_result = []
    return {"recap": recap, "failures": failures, "changed": changed, "diffs": diffs, "stats": stats}


def main(arguments):
    environment = dict(os.environ)
    environment.update(
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
        ANSIBLE_SHOW_CUSTOM_STATS="true",
        ANSIBLE_DISPLAY_OK_HOSTS="true",
        ANSIBLE_VERBOSITY="0",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook")] + list(arguments)
    process = subprocess.run(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, check=False)
    report = parse(process.stdout)
    report.update(rc=process.returncode, output=process.stdout[-6000:])
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
