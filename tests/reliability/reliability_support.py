# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the reliability suite: the observation recorder, message excerpts, emulator state checks."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OBSERVATIONS = ROOT / "tests" / "output" / "reliability.json"
DOC = ROOT / "docs" / "reliability.md"

WRITE_METHODS = ("PUT", "PATCH", "DELETE", "POST")
READ_ONLY_POSTS = ("/oauth2/", "/checknameavailability", "/getbyids")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ARM_ID = re.compile(r"/subscriptions/[^\s'\",)]+/[^\s'\",)]+/[^\s'\",)]+/[^\s'\",)]+/[^\s'\",)]+")
_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")
_FACTS = re.compile(r"\s*\((?:code: [^,)]*)?(?:, )?(?:HTTP \d+)?(?:, )?(?:request id: [^)]*)?\)")
_TIMES = re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b")
_ATTEMPTS = re.compile(r"\b\d+ attempt\(s\)")
_ISO_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
EXCERPT_LENGTH = 200


def write_requests(entries):
    """The entries of an emulator request log that would change state (token, name-check and getByIds POSTs read)."""
    found = []
    for entry in entries:
        if entry["method"] not in WRITE_METHODS:
            continue
        if entry["method"] == "POST" and any(marker in entry["path"].lower() for marker in READ_ONLY_POSTS):
            continue
        found.append(entry)
    return found


def accepted(entries):
    return [e for e in entries if 200 <= int(e["status"] or 0) < 300]


def writes_text(entries):
    """'<sent> (<accepted> accepted)' for the table."""
    writes = write_requests(entries)
    return "%d (%d accepted)" % (len(writes), len(accepted(writes)))


def stabilise(text):
    """Remove what varies between runs from an excerpt: ansible-core lists the valid booleans in set (hash) order."""
    return re.sub(r"Valid booleans include: .*", "Valid booleans include: …", text)


def excerpt(message, known=()):
    """A deterministic excerpt of a module's message: no request ids, GUIDs, ports or timings; at most 200 characters.

    GUIDs in ``known`` (seeded, fixed ids) are kept; ARM ids
    of five or more segments are cut to their last two (``…/roleAssignments/<id>``).
    """
    text = " ".join(str(message or "").split())
    keep = {k.lower() for k in known}
    text = _UUID.sub(lambda m: m.group(0) if m.group(0).lower() in keep else "<id>", text)
    text = _PORT.sub(r"\1:<port>", text)
    text = _ARM_ID.sub(lambda m: "…/" + "/".join(m.group(0).rstrip("/").split("/")[-2:]), text)
    text = re.sub(r"request id: [^,)]*", "request id: <id>", text)
    text = _ISO_TIME.sub("<time>", text)
    text = re.sub(r"(Trace ID|Correlation ID|Timestamp): \S+( \S+Z)?", r"\1: <...>", text)
    text = stabilise(_TIMES.sub("<n> s", text))
    text = _ATTEMPTS.sub("<n> attempt(s)", text)
    if len(text) > EXCERPT_LENGTH:
        cut = text[:EXCERPT_LENGTH]
        if " " in cut[EXCERPT_LENGTH // 2:]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut + " …"
    return text


class Recorder:
    """Observations of one run, merged into tests/output/reliability.json (one entry per table and case id)."""

    def __init__(self, path=OBSERVATIONS):
        self.path = Path(path)
        self.data = {}
        if self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                self.data = {}
        self.seen = set()

    def record(self, table, case_id, **observation):
        self.data.setdefault(table, {})[case_id] = observation
        self.seen.add((table, case_id))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


# ---- emulator state ------------------------------------------------------------------------------------------------------

def assignment_key(item):
    props = item["properties"]
    return (props["scope"].lower().rstrip("/"), props["principalId"].lower(), props["roleDefinitionId"].rsplit("/", 1)[-1].lower())


def state_problems(state):
    """What is duplicated or half-done in an emulator state dump."""
    problems = []
    seen = {}
    for item in state["role_assignments"]:
        key = assignment_key(item)
        if key in seen:
            problems.append("duplicate role assignment %s / %s / %s" % key)
        seen[key] = item
    names = [i["name"].lower() for i in state["instances"]]
    if len(names) != len(set(names)):
        problems.append("duplicate instance names")
    for inst in state["instances"]:
        status = inst["properties"]["provisioningState"]
        if status in ("Provisioning", "Deleting", "Updating"):
            problems.append("instance %s left %s" % (inst["name"], status))
    groups = [g["name"].lower() for g in state["resource_groups"]]
    if len(groups) != len(set(groups)):
        problems.append("duplicate resource groups")
    for group in state["resource_groups"]:
        if group["properties"]["provisioningState"] != "Succeeded":
            problems.append("resource group %s left %s" % (group["name"], group["properties"]["provisioningState"]))
    return problems


def snapshot(state):
    """The parts of a state dump a run must not change when it changes nothing: names, scopes, principals, roles."""
    return {
        "resource_groups": sorted((g["name"].lower(), g["location"]) for g in state["resource_groups"]),
        "instances": sorted((i["name"].lower(), i["properties"]["provisioningState"]) for i in state["instances"]),
        "role_assignments": sorted(assignment_key(a) for a in state["role_assignments"]),
    }


# ---- playbook output -----------------------------------------------------------------------------------------------------

_FATAL = re.compile(r"^(?:fatal|failed): \[[^\]]+\](?: \(item=.*?\))?: FAILED! => (\{.*\})\s*$", re.MULTILINE)
_MSG = re.compile(r'"msg": "((?:[^"\\]|\\.)*)"')


def playbook_failure_message(stdout):
    """The message of the last failed task in default-callback output ('' when none failed)."""
    messages = []
    for match in _FATAL.finditer(stdout):
        body = match.group(1)
        try:
            messages.append(json.loads(body).get("msg", ""))
            continue
        except ValueError:
            pass
        found = _MSG.search(body)
        if found:
            messages.append(json.loads('"%s"' % found.group(1)))
    if not messages:
        for match in _MSG.finditer(stdout):
            messages.append(json.loads('"%s"' % match.group(1)))
    return messages[-1] if messages else ""


def unclean(output):
    """Signs of a failure that is not a clean module failure (a crash, a traceback in the result)."""
    markers = ("MODULE FAILURE", "Traceback (most recent call last)", "An exception occurred during task execution")
    return [m for m in markers if m in output]


ROLE_PLAYBOOK = """
- name: Run the setup role with the given variables
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: twinops.digital_twins.setup
"""


def recap(stdout):
    """The counts of the PLAY RECAP line of localhost ({} when there is none)."""
    match = re.search(r"^localhost\s*:\s*((?:\w+=\d+\s*)+)$", stdout, re.MULTILINE)
    return {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())} if match else {}


def seeded_caller(emu, key):
    """Environment overrides that make a seeded service principal the caller."""
    sp = next(p for p in emu.seed["service_principals"] if p["key"] == key)
    return {"AZURE_CLIENT_ID": sp["app_id"], "AZURE_SECRET": sp["secret"]}
