# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks in playbooks/ and the setup role's guard rails, run with ansible-playbook against the emulator.

The full flows (check, converge, idempotence, drift, fleet) are the molecule scenarios in extensions/molecule; these
are the cheaper cases that only need one run each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = str(ROOT / "playbooks" / "setup.yml")
TEARDOWN = str(ROOT / "playbooks" / "teardown.yml")
AUDIT = str(ROOT / "playbooks" / "audit.yml")

ONE = {
    "setup_resource_group": "rg-playbooks",
    "setup_location": "westus2",
    "setup_instance_name": "playbooks-twins",
    "setup_role_assignments": [
        {"assignee_object_id": "0e000000-0000-4000-8000-00000000a11c", "principal_type": "User"},
    ],
}


def _log_mark(emu):
    return max((entry["seq"] for entry in emu.requests()), default=0)


def _writes(emu, since):
    return [(r["method"], r["path"]) for r in emu.requests(since=since)
            if r["method"] not in ("GET", "HEAD")
            and not any(m in r["path"].lower() for m in ("/oauth2/", "/checknameavailability", "/getbyids"))]


def test_invalid_assignment_fails_before_any_request(emu, run_playbook):
    mark = _log_mark(emu)
    extra = dict(ONE, setup_role_assignments=[{"assignee_object_id": "0e000000-0000-4000-8000-00000000a11c"}])
    result = run_playbook(SETUP, extra_vars=extra)
    assert result.rc != 0
    assert "assignments[0] (0e000000-0000-4000-8000-00000000a11c, Azure Digital Twins Data Owner)" in result.output
    assert "principal_type is required" in result.output
    assert emu.requests(since=mark) == []


def test_both_assignee_forms_and_a_bad_name_are_rejected(emu, run_playbook):
    mark = _log_mark(emu)
    extra = dict(ONE, setup_instance_name="-bad-", setup_role_assignments=[
        {"assignee": "alice@contoso.com", "assignee_object_id": "0e000000-0000-4000-8000-00000000a11c",
         "principal_type": "User"}])
    result = run_playbook(SETUP, extra_vars=extra)
    assert result.rc != 0
    assert "instance '-bad-' is not a valid Azure Digital Twins instance name" in result.output
    assert emu.requests(since=mark) == []


def test_missing_resource_group_is_not_created_when_not_allowed(emu, run_playbook):
    mark = _log_mark(emu)
    result = run_playbook(SETUP, extra_vars=dict(ONE, setup_create_resource_group=False))
    assert result.rc != 0
    assert "Resource group rg-playbooks does not exist and setup_create_resource_group is false" in result.output
    assert _writes(emu, mark) == []
    assert emu.state()["resource_groups"] == []


def test_setup_then_teardown_check_then_teardown(emu, run_playbook):
    result = run_playbook(SETUP, extra_vars=ONE)
    assert result.rc == 0, result.output[-3000:]
    assert "hostName: playbooks-twins.api.wus2.digitaltwins.azure.net" in result.output
    assert [i["name"] for i in emu.state()["instances"]] == ["playbooks-twins"]

    mark = _log_mark(emu)
    check = run_playbook(TEARDOWN, check=True, diff=True, extra_vars=dict(ONE, teardown_resource_groups=True))
    assert check.rc == 0, check.output[-3000:]
    assert check.recap()["localhost"]["changed"] == 2  # the instance and the group
    assert _writes(emu, mark) == []
    assert [i["name"] for i in emu.state()["instances"]] == ["playbooks-twins"]

    real = run_playbook(TEARDOWN, extra_vars=dict(ONE, teardown_resource_groups=True))
    assert real.rc == 0, real.output[-3000:]
    state = emu.state()
    assert state["instances"] == [] and state["resource_groups"] == []
    assert not [a for a in state["role_assignments"] if "playbooks-twins" in a["id"]]


def test_audit_reports_a_missing_instance_and_fails_on_request(emu, run_playbook):
    mark = _log_mark(emu)
    report = run_playbook(AUDIT, extra_vars=ONE)
    assert report.rc == 0, report.output[-3000:]
    match = re.search(r'"audit_report": (\{.*?\n    \})', report.output, re.S)
    assert match, report.output[-3000:]
    audit = json.loads(match.group(1))
    assert audit["exists"] is False and audit["drift"] is True

    failing = run_playbook(AUDIT, extra_vars=dict(ONE, audit_fail_on_drift=True))
    assert failing.rc != 0
    assert "Instance playbooks-twins drifted from its declaration: it does not exist" in failing.output
    assert _writes(emu, mark) == []
