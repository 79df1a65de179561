# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/setup.yml run the way AWX / Automation Controller runs a job template.

ansible-runner with a private data dir, a job template's extra vars, ``suppress_env_files=True`` (AWX's default) and
an environment holding only what AWX's "Microsoft Azure Resource Manager" credential injects (AZURE_SUBSCRIPTION_ID,
AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT), plus the CA bundle of the emulator, the
collection path and PATH. Checks the job status, the facts the role publishes with set_stats (which AWX shows as
the job's artifacts and passes on in workflows), the fact it leaves in the job's fact cache (what AWX's "Enable Fact
Storage" saves with the host), that a project holding only a playbook that imports ``twinops.digital_twins.setup``
by its FQCN works as well (the second job), and that the secret shows up in no job event, not in stdout and not in the fact cache.
The last job runs playbooks/fleet.yml over an inventory of three instances: every host's fact is in the artifacts
and in the fact cache under that host.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import ansible_runner
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_COLLECTIONS = ROOT / ".build" / "dev"
CREDENTIAL_ENV = ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT")
DATA_OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
DATA_READER = "d57506d4-4c8d-48b1-8587-93c323f6a5a3"

JOB_TEMPLATE_EXTRA_VARS = {
    "setup_resource_group": "rg-awx-job",
    "setup_location": "westeurope",
    "setup_instance_name": "awx-job-twins",
    "setup_instance_tags": {"launched-by": "awx"},
    "setup_data_owners": ["alice@contoso.com", "bob@outlook.com"],
    "setup_data_readers": ["dt-operators"],
    "setup_exclusive": True,
}


def write_requests(requests):
    """The requests of an emulator request log that change something (token requests and reads excluded)."""
    return [r for r in requests if r["method"] not in ("GET", "HEAD")
            and not any(m in r["path"].lower() for m in ("/oauth2/", "/checknameavailability", "/getbyids"))]


def _seed_id(emu, kind, key):
    return next(item["id"] for item in emu.seed[kind] if item["key"] == key)


@pytest.fixture
def awx_job(emu, tmp_path, monkeypatch):
    """Run playbooks/setup.yml like an AWX job; returns (runner, secret). The artifacts are deleted afterwards."""
    # The collection as the test stage provides it (an installed copy), else the symlink tree of the working copy.
    collections_path = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(DEV_COLLECTIONS)
    # ansible-runner seeds the job's environment from this process's environment: start from nothing but the
    # variables AWX would set, so that nothing else (such as an AZURE_* of the test run) can make the job pass.
    for key in list(os.environ):
        monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir()
    envvars = {key: emu.env[key] for key in CREDENTIAL_ENV}
    envvars.update(
        REQUESTS_CA_BUNDLE=emu.env["REQUESTS_CA_BUNDLE"],
        SSL_CERT_FILE=emu.env["SSL_CERT_FILE"],
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        HOME=str(home),  # an execution environment has one too (/runner)
    )
    private_data_dir = tmp_path / "private_data_dir"
    (private_data_dir / "inventory").mkdir(parents=True)
    (private_data_dir / "inventory" / "hosts").write_text("localhost ansible_connection=local\n")
    runs = []

    def _run(cmdline=None, ident="job-1", project_dir=ROOT, playbook="playbooks/setup.yml", inventory=None,
             extravars=None):
        """``inventory``: the job's inventory as a dict (AWX hands the job one with its hosts and their variables);
        the default is the localhost of a job template running playbooks/setup.yml."""
        inventory_file = private_data_dir / "inventory" / "hosts"
        if inventory is not None:
            inventory_file = private_data_dir / "inventory" / ("%s.json" % ident)
            inventory_file.write_text(json.dumps(inventory))
        runner = ansible_runner.run(
            private_data_dir=str(private_data_dir),
            project_dir=str(project_dir),
            playbook=playbook,
            inventory=str(inventory_file),
            envvars=envvars,
            extravars=dict(JOB_TEMPLATE_EXTRA_VARS if extravars is None else extravars),
            cmdline=cmdline,
            ident=ident,
            verbosity=3,  # AWX "3 (Debug)": module arguments are in the job events
            settings={"job_timeout": 600, "idle_timeout": 300},
            suppress_env_files=True,
            quiet=True,
        )
        runs.append(runner)
        return runner

    try:
        yield _run, emu.env["AZURE_SECRET"]
    finally:
        # artifacts/<ident>/command holds the job's whole environment, secret included, by ansible-runner's design.
        shutil.rmtree(private_data_dir / "artifacts", ignore_errors=True)


def _events(runner):
    return list(runner.events)


def _artifact_data(runner):
    stats = [event for event in _events(runner) if event["event"] == "playbook_on_stats"]
    assert len(stats) == 1, [event["event"] for event in _events(runner)]
    return stats[0]["event_data"].get("artifact_data") or {}


def _untag(node):
    """ansible-core 2.19+ stores variables in the fact cache with their origin tags."""
    if isinstance(node, dict):
        if "__ansible_type" in node and "value" in node:
            return _untag(node["value"])
        return {key: _untag(value) for key, value in node.items() if key != "__ansible_type"}
    if isinstance(node, list):
        return [_untag(value) for value in node]
    return node


def _fact_cache(runner, host="localhost"):
    """The facts ansible-runner's jsonfile fact cache holds for ``host`` after the job (AWX reads the same files).

    ansible-core 2.21 names the file ``s1_<host>`` and wraps the facts in a JSON payload; older versions write
    ``<host>`` with the facts themselves (what ``Runner.get_fact_cache`` reads).
    """
    assert runner.config.fact_cache_type == "jsonfile"
    directory = Path(runner.config.fact_cache)
    for name in ("s1_" + host, host):
        path = directory / name
        if path.is_file():
            data = json.loads(path.read_text())
            if isinstance(data, dict) and isinstance(data.get("__payload__"), str):
                data = json.loads(data["__payload__"])
            return _untag(data)
    listing = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else "no fact cache directory"
    raise AssertionError("no cached facts for %s in %s: %s" % (host, directory, listing))


def _assert_no_secret(runner, secret):
    events = _events(runner)
    assert events, "the job produced no events"
    leaking = [event["event"] for event in events if secret in json.dumps(event)]
    assert not leaking, "the secret is in job events: %s" % leaking
    stdout = runner.stdout.read()
    assert stdout, "the job printed nothing"
    assert secret not in stdout
    stdout_file = Path(runner.config.artifact_dir) / "stdout"
    assert secret not in stdout_file.read_text()
    for path in (Path(runner.config.artifact_dir) / "job_events").glob("*.json"):
        assert secret not in path.read_text(), path.name
    # suppress_env_files: no input file of the private data dir holds the secret.
    env_dir = Path(runner.config.private_data_dir) / "env"
    assert not env_dir.exists() or all(secret not in p.read_text() for p in env_dir.iterdir() if p.is_file())
    fact_cache = Path(runner.config.fact_cache)
    assert not fact_cache.exists() or all(secret not in p.read_text() for p in fact_cache.iterdir() if p.is_file())


def test_job_template_sets_up_the_instance(emu, awx_job):
    run, secret = awx_job
    runner = run()
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.rc == 0

    published = _artifact_data(runner)["twinops_digital_twins"]["localhost"]
    assert published["name"] == "awx-job-twins"
    assert published["resource_group"] == "rg-awx-job"
    assert published["location"] == "westeurope"
    assert published["host_name"] == "awx-job-twins.api.weu.digitaltwins.azure.net"
    assert published["endpoint"] == "https://awx-job-twins.api.weu.digitaltwins.azure.net"
    assert published["id"].endswith(
        "/resourceGroups/rg-awx-job/providers/Microsoft.DigitalTwins/digitalTwinsInstances/awx-job-twins")
    granted = {(a["principal_id"], a["role_definition_id"].rsplit("/", 1)[-1]) for a in published["assignments"]}
    assert granted == {
        (_seed_id(emu, "users", "alice"), DATA_OWNER),
        (_seed_id(emu, "users", "bob_guest"), DATA_OWNER),
        (_seed_id(emu, "groups", "dt_operators"), DATA_READER),
    }

    # The job really talked to the emulator, as the credential's service principal.
    state = emu.state()
    assert [i["name"] for i in state["instances"]] == ["awx-job-twins"]
    on_instance = {(a["properties"]["principalId"], a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1])
                   for a in state["role_assignments"] if a["id"].lower().startswith(published["id"].lower() + "/")}
    assert on_instance == granted

    # The fact is cacheable: AWX's fact storage gets the same values as the job's artifacts.
    cached = _fact_cache(runner)["twinops_digital_twins"]
    assert cached == json.loads(json.dumps(published)), (cached, published)

    # The summary the role prints is in stdout.
    stdout = runner.stdout.read()
    assert "hostName: awx-job-twins.api.weu.digitaltwins.azure.net" in stdout
    _assert_no_secret(runner, secret)


def test_check_job_predicts_and_writes_nothing(emu, awx_job):
    run, secret = awx_job
    mark = max((entry["seq"] for entry in emu.requests()), default=0)
    runner = run(cmdline="--check --diff", ident="check-1")
    assert runner.status == "successful", runner.stdout.read()[-4000:]

    writes = write_requests(emu.requests(since=mark))
    assert writes == [], [(w["method"], w["path"]) for w in writes]
    assert emu.state()["instances"] == []

    published = _artifact_data(runner)["twinops_digital_twins"]["localhost"]
    assert published["name"] == "awx-job-twins"
    assert len(published["assignments"]) == 3
    assert {a["principal_id"] for a in published["assignments"]} == {
        _seed_id(emu, "users", "alice"), _seed_id(emu, "users", "bob_guest"), _seed_id(emu, "groups", "dt_operators")}
    _assert_no_secret(runner, secret)


def _fqcn_project(directory):
    """The README's AWX project: collections/requirements.yml and a playbook importing twinops.digital_twins.setup."""
    (directory / "collections").mkdir(parents=True)
    (directory / "collections" / "requirements.yml").write_text("collections:\n  - name: twinops.digital_twins\n")
    (directory / "setup.yml").write_text("- name: Set up an Azure Digital Twins instance\n"
                                         "  ansible.builtin.import_playbook: twinops.digital_twins.setup\n")
    return directory


def test_second_job_changes_nothing(emu, awx_job, tmp_path):
    """The second job runs from a project that imports the playbook by its FQCN, as the README describes."""
    run, secret = awx_job
    assert run(ident="first").status == "successful"
    mark = max((entry["seq"] for entry in emu.requests()), default=0)
    runner = run(ident="second", project_dir=_fqcn_project(tmp_path / "project"), playbook="setup.yml")
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.stats["changed"] == {}, runner.stats
    assert write_requests(emu.requests(since=mark)) == []
    published = _artifact_data(runner)["twinops_digital_twins"]["localhost"]
    assert published["endpoint"] == "https://awx-job-twins.api.weu.digitaltwins.azure.net"
    assert _fact_cache(runner)["twinops_digital_twins"]["host_name"] == "awx-job-twins.api.weu.digitaltwins.azure.net"
    _assert_no_secret(runner, secret)


# A job template running playbooks/fleet.yml over an inventory of three instances in three regions: the per-host
# settings come with the inventory, the shared ones are the job template's extra vars.
FLEET_INVENTORY = {
    "digital_twins": {
        "hosts": {
            "awx-fleet-weu": {"setup_location": "westeurope", "setup_resource_group": "rg-awx-fleet-weu",
                              "setup_data_owners": ["carol@contoso.com"]},
            "awx-fleet-wus2": {"setup_location": "westus2", "setup_resource_group": "rg-awx-fleet-wus2",
                               "setup_data_owners": ["alice@contoso.com", "bob@outlook.com"]},
            "awx-fleet-jpe": {"setup_location": "japaneast", "setup_resource_group": "rg-awx-fleet-jpe",
                              "setup_data_owners": ["alice@contoso.com"]},
        },
        "vars": {"ansible_connection": "local", "setup_instance_name": "{{ inventory_hostname }}"},
    },
}
FLEET_EXTRA_VARS = {"setup_data_readers": ["dt-operators"], "setup_exclusive": True}
FLEET_HOST_CODES = {"westeurope": "weu", "westus2": "wus2", "japaneast": "jpe"}
SEED_USERS = {"alice@contoso.com": "alice", "bob@outlook.com": "bob_guest", "carol@contoso.com": "carol"}


def test_fleet_job_publishes_every_hosts_fact(emu, awx_job):
    """Each host of a fleet job has its own fact, in the job's artifacts (set_stats) and in the fact cache."""
    run, secret = awx_job
    runner = run(ident="fleet-1", playbook="playbooks/fleet.yml", inventory=FLEET_INVENTORY,
                 extravars=FLEET_EXTRA_VARS, cmdline="--forks 5")
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    hosts = FLEET_INVENTORY["digital_twins"]["hosts"]
    assert runner.stats["failures"] == {}, runner.stats
    assert sorted(runner.stats["changed"]) == sorted(hosts), runner.stats

    published = _artifact_data(runner)["twinops_digital_twins"]
    assert sorted(published) == sorted(hosts)
    state = emu.state()
    assert sorted(i["name"] for i in state["instances"]) == sorted(hosts)
    for host, host_vars in hosts.items():
        fact = published[host]
        host_name = "%s.api.%s.digitaltwins.azure.net" % (host, FLEET_HOST_CODES[host_vars["setup_location"]])
        assert fact["name"] == host
        assert fact["resource_group"] == host_vars["setup_resource_group"]
        assert fact["location"] == host_vars["setup_location"]
        assert fact["host_name"] == host_name
        assert fact["endpoint"] == "https://" + host_name
        granted = {(a["principal_id"], a["role_definition_id"].rsplit("/", 1)[-1]) for a in fact["assignments"]}
        expected = {(_seed_id(emu, "users", SEED_USERS[owner]), DATA_OWNER) for owner in host_vars["setup_data_owners"]}
        expected.add((_seed_id(emu, "groups", "dt_operators"), DATA_READER))
        assert granted == expected, host
        # The instance really has these assignments.
        on_instance = {(a["properties"]["principalId"], a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1])
                       for a in state["role_assignments"] if a["id"].lower().startswith(fact["id"].lower() + "/")}
        assert on_instance == granted, host
        # The host's fact is in the fact cache under that host, equal to what the job published for it.
        cached = _fact_cache(runner, host)["twinops_digital_twins"]
        assert cached == json.loads(json.dumps(fact)), (host, cached, fact)
    _assert_no_secret(runner, secret)
