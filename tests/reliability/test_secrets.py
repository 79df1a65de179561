# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never show: the client secret, a certificate password and the access tokens the emulator issued are
searched for in everything a run produces (-vvvv and ANSIBLE_DEBUG=1 output, diffs, returned values, exception
tracebacks, ansible-runner job events and artifacts)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from reliability_cases import ALICE, LOCATION, TABLE_CHECKS  # pylint: disable=import-error

ROOT = Path(__file__).resolve().parents[2]
# Any JWT (header.payload.signature): what an access token looks like in text, whoever issued it.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


class Secrets:
    """The known secret values of this test and how to find them in text."""

    def __init__(self, emu, tmp_path):
        automation = next(p for p in emu.seed["service_principals"] if p["key"] == "automation")
        self.client_secret = automation["secret"]
        self.wrong_secret = "rel-wrong-secret-" + uuid.uuid4().hex
        self.cert_password = "rel-cert-pass-" + uuid.uuid4().hex
        self.wrong_cert_password = "rel-wrong-cert-pass-" + uuid.uuid4().hex
        self.cert_path = str(tmp_path / "automation-encrypted.pem")
        _encrypted_copy(os.path.join(emu.state_dir, automation["certificate_file"]), self.cert_path, self.cert_password)
        token = _mint_token(emu, automation)
        # Every token the emulator signs starts with the same JOSE header segment; the signature is unique per token.
        self.token_header, self.token_signature = token.split(".")[0], token.split(".")[2]
        self.values = {"client secret": self.client_secret, "wrong client secret": self.wrong_secret,
                       "certificate password": self.cert_password, "wrong certificate password": self.wrong_cert_password,
                       "access token header": self.token_header, "access token signature": self.token_signature}

    def leaks(self, text, where):
        """['<what> in <where>', ...] for every secret or token found in ``text``."""
        found = ["%s in %s: ...%s..." % (name, where, _context(text, value)) for name, value in self.values.items() if value and value in text]
        match = JWT.search(text)
        if match:
            found.append("a JWT (access token) in %s: ...%s..." % (where, _context(text, match.group(0))))
        return found


def _context(text, value, width=100):
    """The text around the first occurrence of ``value`` (masked), to tell where a leak comes from."""
    at = text.index(value)
    around = text[max(0, at - width):at] + "<SECRET>" + text[at + len(value):at + len(value) + 40]
    return " ".join(around.split())


def _encrypted_copy(source, target, password):
    """The emulator's automation certificate with its key encrypted by ``password`` (same thumbprint, so it signs in)."""
    from cryptography.hazmat.primitives import serialization
    data = Path(source).read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    certs = b"".join(block + b"-----END CERTIFICATE-----\n"
                     for block in data.split(b"-----END CERTIFICATE-----")[:-1] if b"BEGIN CERTIFICATE" in block)
    certs = certs[certs.index(b"-----BEGIN CERTIFICATE-----"):]
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(password.encode()))
    Path(target).write_bytes(encrypted + certs)
    os.chmod(target, 0o600)


def _mint_token(emu, automation):
    """An access token minted with the same credentials as the modules (the admin API does not expose issued tokens)."""
    from azure.identity import ClientSecretCredential
    credential = ClientSecretCredential(emu.env["AZURE_TENANT"], automation["app_id"], automation["secret"], authority=emu.url,
                                        disable_instance_discovery=True, connection_verify=emu.ca_path)
    return credential.get_token("https://management.azure.com/.default").token


@pytest.fixture
def secrets(emu, tmp_path):
    emu.settings(provisioning_delay_seconds=0)
    return Secrets(emu, tmp_path)


HEADER = """
- name: Secrets test
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  # Secrets come from a variables file, as from a vault: a failing task's error quotes the playbook's source lines.
  vars_files:
    - secret-vars.yml
  tasks:
"""

TASKS = {
    "resource_group": """
    - name: Resource group
      twinops.digital_twins.resource_group:
        name: rg-sec
        location: %(location)s
""",
    "instance": """
    - name: Instance
      twinops.digital_twins.dt_instance:
        name: dt-sec
        resource_group: rg-sec
        location: %(location)s
        identity:
          type: SystemAssigned
        tags:
          purpose: secrets
""",
    "assignment": """
    - name: Assignment
      twinops.digital_twins.dt_role_assignment:
        instance: dt-sec
        resource_group: rg-sec
        assignee_object_id: %(alice)s
        principal_type: User
""",
    "info": """
    - name: Assignments
      twinops.digital_twins.dt_role_assignment_info:
        instance: dt-sec
        resource_group: rg-sec
        resolve_names: false
    - name: Instances
      twinops.digital_twins.dt_instance_info:
        resource_group: rg-sec
""",
    "secret_option": """
    - name: Sign in with the secret given as an option
      twinops.digital_twins.dt_instance_info:
        resource_group: rg-sec
        secret: "{{ client_secret }}"
""",
    "wrong_secret_option": """
    - name: A failed sign-in, wrong secret given as an option
      twinops.digital_twins.dt_instance_info:
        secret: "{{ wrong_secret }}"
      ignore_errors: true
""",
    "wrong_cert_password_option": """
    - name: A failed sign-in, wrong certificate password given as an option
      twinops.digital_twins.dt_instance_info:
        certificate_path: "%(cert_path)s"
        certificate_password: "{{ wrong_cert_password }}"
      environment:
        AZURE_SECRET: ""
      ignore_errors: true
""",
}


def _playbook(tmp_path, name, secrets, tasks):
    values = dict(location=LOCATION, alice=ALICE, cert_path=secrets.cert_path)
    path = tmp_path / name
    path.write_text(HEADER + "".join(TASKS[t] % values for t in tasks))
    (tmp_path / "secret-vars.yml").write_text(json.dumps(dict(client_secret=secrets.client_secret, wrong_secret=secrets.wrong_secret,
                                                              wrong_cert_password=secrets.wrong_cert_password)))
    return path


def _recap(stdout):
    """The counts of the PLAY RECAP line of localhost (ANSIBLE_DEBUG output interleaves other lines)."""
    match = re.search(r"^localhost\s*:\s*((?:\w+=\d+\s*)+)$", stdout, re.MULTILINE)
    return {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())} if match else {}


def _record(recorder, check_id, problems):
    recorder.record(TABLE_CHECKS, check_id, verdict="as expected" if not problems else "UNEXPECTED: " + "; ".join(sorted(set(problems))))


def test_verbose_playbooks_show_no_secret(emu, run_playbook, secrets, recorder, tmp_path):
    """-vvvv with ANSIBLE_DEBUG=1 and --diff, credentials from the environment as AWX injects them (secret, then a
    certificate with its password); then -vvvv with secrets given as module options, two of them wrong.

    ANSIBLE_DEBUG=1 is not combined with secrets in module options: ansible-core's debug log prints module arguments
    before no_log applies (documented for DEFAULT_DEBUG), whatever the module does.
    """
    problems = []
    debug = {"ANSIBLE_DEBUG": "1"}
    cert_env = dict(debug, AZURE_SECRET=None, AZURE_CLIENT_CERTIFICATE_PATH=secrets.cert_path,
                    AZURE_CLIENT_CERTIFICATE_PASSWORD=secrets.cert_password)
    plan = [
        ("secret from the environment, ANSIBLE_DEBUG", ("resource_group", "instance", "assignment", "info"), debug, 0),
        ("certificate from the environment, ANSIBLE_DEBUG", ("assignment", "info"), cert_env, 0),
        ("secrets as options", ("secret_option", "wrong_secret_option", "wrong_cert_password_option"), {}, 2),
    ]
    outputs = {}
    for index, (label, tasks, env, ignored) in enumerate(plan):
        result = run_playbook(str(_playbook(tmp_path, "play%d.yml" % index, secrets, tasks)), diff=True, env=env, args=("-vvvv",))
        recap = _recap(result.stdout)
        if result.rc != 0 or recap.get("ignored", 0) != ignored or recap.get("failed"):
            problems.append("%s: the run did not go as planned (rc %s, recap %s)" % (label, result.rc, recap))
        problems += secrets.leaks(result.output, "%s output" % label)
        outputs[label] = result.output
    if "AADSTS7000215" not in outputs["secrets as options"]:
        problems.append("the failed sign-in with a wrong secret was not reported")
    if "+++ after" not in outputs["secret from the environment, ANSIBLE_DEBUG"]:
        problems.append("no diff was printed")
    _record(recorder, "secrets-playbook-verbose", problems)
    assert not problems, "\n".join(problems)


def test_module_results_hold_no_secret(emu, run, secrets, recorder, capsys):
    """Returned values, diffs, warnings and tracebacks (verbosity 4) of successful and failed in-process runs."""
    problems = []
    cert_env = {"AZURE_SECRET": None, "AZURE_CLIENT_CERTIFICATE_PATH": secrets.cert_path,
                "AZURE_CLIENT_CERTIFICATE_PASSWORD": secrets.cert_password}
    calls = [
        ("resource_group", {}, dict(name="rg-sec", location=LOCATION)),
        ("dt_instance", {}, dict(name="dt-sec", resource_group="rg-sec", location=LOCATION, identity={"type": "SystemAssigned"})),
        ("dt_role_assignment", cert_env, dict(instance="dt-sec", resource_group="rg-sec", assignee_object_id=ALICE, principal_type="User")),
        ("dt_role_assignment_info", cert_env, dict(instance="dt-sec", resource_group="rg-sec", resolve_names=False)),
        ("dt_instance_info", {}, dict(secret=secrets.wrong_secret)),
        ("dt_instance_info", dict(cert_env, AZURE_CLIENT_CERTIFICATE_PASSWORD=None), dict(certificate_password=secrets.wrong_cert_password)),
        ("dt_instance_info", {"AZURE_SECRET": secrets.wrong_secret}, {}),
    ]
    outcomes = []
    for module, env, args in calls:
        result = run(module, env=env, verbosity=4, diff=True, _ansible_debug=True, **args)
        outcomes.append(bool(result.get("failed")))
        problems += secrets.leaks(json.dumps(result), "the result of %s" % module)
    captured = capsys.readouterr()
    problems += secrets.leaks(captured.out + captured.err, "stdout/stderr of the in-process runs")
    if outcomes != [False, False, False, False, True, True, True]:
        problems.append("the runs did not succeed and fail as planned: %s" % outcomes)
    _record(recorder, "secrets-module-results", problems)
    assert not problems, "\n".join(problems)


def test_ansible_runner_events_hold_no_secret(emu, secrets, recorder, tmp_path):
    """ansible-runner (as AWX drives it) at verbosity 4 with --diff: job events, stdout and artifacts."""
    import ansible_runner
    from twinops_integration_fixtures import DEV_COLLECTIONS  # pylint: disable=import-error

    private = tmp_path / "pdd"
    (private / "project").mkdir(parents=True)
    tasks = ("resource_group", "secret_option", "wrong_secret_option")
    shutil.copy(_playbook(tmp_path, "site.yml", secrets, tasks), private / "project" / "site.yml")
    shutil.copy(tmp_path / "secret-vars.yml", private / "project" / "secret-vars.yml")
    bindir = str(Path(sys.executable).parent)
    envvars = dict(emu.env, ANSIBLE_COLLECTIONS_PATH=str(DEV_COLLECTIONS),
                   PATH=bindir + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    result = ansible_runner.run(private_data_dir=str(private), playbook="site.yml", inventory="localhost ansible_connection=local",
                                envvars=envvars, verbosity=4, cmdline="--diff", suppress_env_files=True, quiet=True, ident="secrets")
    problems = []
    events = list(result.events)
    if result.status != "successful" or not any(e.get("event") == "runner_on_failed" for e in events):
        problems.append("the runner job did not run as planned (status %s, %d events)" % (result.status, len(events)))
    problems += secrets.leaks(json.dumps(events), "job events")
    artifacts = private / "artifacts"
    command_file = artifacts / "secrets" / "command"
    if not command_file.exists() or secrets.client_secret not in command_file.read_text():
        problems.append("artifacts/<id>/command no longer holds the environment: update docs/reliability.md")
    for path in sorted(p for p in artifacts.rglob("*") if p.is_file()):
        if path == command_file:
            continue  # the environment of the job, by ansible-runner's design (see docs/reliability.md)
        problems += secrets.leaks(path.read_text(errors="replace"), str(path.relative_to(private)).replace("secrets", "<id>"))
    shutil.rmtree(artifacts)
    _record(recorder, "secrets-ansible-runner", problems)
    assert not problems, "\n".join(problems)
