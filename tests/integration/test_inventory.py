# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The twinops.digital_twins.dt_instances inventory plugin, run as ``ansible-inventory --list`` against the emulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import DEV_COLLECTIONS, ROOT, _environment  # pylint: disable=import-error

BINDIR = Path(sys.executable).parent
LIST_SUFFIX = "/providers/microsoft.digitaltwins/digitaltwinsinstances"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
DATA_OWNER = "Azure Digital Twins Data Owner"


def plain(value):
    """``value`` without ansible-inventory's markers of untrusted strings ({"__ansible_unsafe": text})."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class InventoryRun:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.raw = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else None
        self.data = plain(self.raw)

    @property
    def hostvars(self):
        return self.data["_meta"]["hostvars"]

    def hosts(self, group="all"):
        """Every host under ``group`` (through its children), sorted."""
        found = set(self.data.get(group, {}).get("hosts", []))
        for child in self.data.get(group, {}).get("children", []):
            found |= set(self.hosts(child))
        return sorted(found)


@pytest.fixture
def inventory(emu, tmp_path):
    """``inventory(config, env=None, args=())``: write ``config`` to a *.dt_instances.yml file, run ansible-inventory."""

    def _run(config, env=None, args=(), name="twins.dt_instances.yml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(dict({"plugin": "twinops.digital_twins.dt_instances"}, **config)))
        environment = _environment(emu, env)
        environment.update(ANSIBLE_COLLECTIONS_PATH=str(DEV_COLLECTIONS), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                           ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
                           PATH=str(BINDIR) + os.pathsep + "/usr/bin:/bin")
        if env and "PATH" in env:
            environment["PATH"] = env["PATH"]
        proc = subprocess.run([str(BINDIR / "ansible-inventory"), "-i", str(path), "--list", *args], env=environment,
                              capture_output=True, text=True, timeout=600, check=False, cwd=str(tmp_path))
        return InventoryRun(proc)

    return _run


def list_requests(emu, since=0):
    return [r for r in emu.requests(since=since) if r["method"] == "GET" and r["path"].lower().endswith(LIST_SUFFIX)]


def last_seq(emu):
    entries = emu.requests()
    return entries[-1]["seq"] if entries else 0


@pytest.fixture
def tagged(run_module, emu):
    """Four instances in two groups and two regions, tagged with env and site."""
    emu.settings(provisioning_delay_seconds=0)
    for group, location in (("rg-a", "westus2"), ("rg-b", "westeurope")):
        assert not run_module("resource_group", name=group, location=location).get("failed")
    created = {}
    for name, group, location, tags in (("dt-a1", "rg-a", "westus2", {"env": "prod", "site": "boise"}),
                                        ("dt-a2", "rg-a", "westus2", {"env": "dev"}),
                                        ("dt-b1", "rg-b", "westeurope", {"env": "prod", "site": "Amsterdam Port"}),
                                        ("dt-b2", "rg-b", "westeurope", {"note": "{{ 6 * 7 }}"})):
        result = run_module("dt_instance", name=name, resource_group=group, location=location, tags=tags)
        assert not result.get("failed"), result
        created[name] = result["instance"]
    return created


def test_one_paged_list_for_a_thousand_instances(inventory, emu, run_module):
    emu.bulk_instances(count=1000, resource_group="rg-bulk", name_prefix="bulk")
    emu.settings(page_size=100)
    mark = last_seq(emu)
    result = inventory({})
    assert result.rc == 0, result.stderr
    assert result.hosts() == ["bulk-%05d" % i for i in range(1000)]
    # one list of the subscription, followed through its ten pages, and no other ARM request
    lists = list_requests(emu, mark)
    assert len(lists) == 10
    assert all(r["path"].lower().startswith("/subscriptions/%s/providers" % emu.env["AZURE_SUBSCRIPTION_ID"]) for r in lists)
    arm = [r for r in emu.requests(since=mark) if r["path"].startswith("/subscriptions/")]
    assert arm == lists
    # host variables: the dt_instance return shape, plus the subscription
    info = run_module("dt_instance_info", name="bulk-00042", resource_group="rg-bulk")["instances"][0]
    assert result.hostvars["bulk-00042"] == {"dt_instance": dict(info, subscription_id=emu.env["AZURE_SUBSCRIPTION_ID"])}
    assert "reserved name" not in result.stderr
    assert "Traceback" not in result.stderr


def test_resource_groups_lists_only_those_groups(inventory, emu, tagged):
    mark = last_seq(emu)
    result = inventory({"resource_groups": ["rg-b", "rg-missing"]})
    assert result.rc == 0, result.stderr
    assert result.hosts() == ["dt-b1", "dt-b2"]
    paths = [r["path"].lower() for r in list_requests(emu, mark)]
    assert paths == ["/subscriptions/%s/resourcegroups/%s%s" % (emu.env["AZURE_SUBSCRIPTION_ID"], group, LIST_SUFFIX)
                     for group in ("rg-b", "rg-missing")]
    assert "resource group 'rg-missing'" in result.stderr and "does not exist" in result.stderr


def test_filters_and_exclude(inventory, tagged):
    result = inventory({"filters": ["tags.env | default('') == 'prod'"], "exclude": ["resource_group == 'rg-b'"]})
    assert result.rc == 0, result.stderr
    assert result.hosts() == ["dt-a1"]
    both = inventory({"filters": ["location == 'westeurope'", "'site' in tags"]})
    assert both.hosts() == ["dt-b1"]
    # an expression that cannot be evaluated counts as false, or fails with strict
    loose = inventory({"filters": ["tags.site.upper() != ''"]})
    assert loose.rc == 0, loose.stderr
    assert loose.hosts() == ["dt-a1", "dt-b1"]
    strict = inventory({"filters": ["tags.site.upper() != ''"], "strict": True})
    assert strict.rc != 0
    assert "could not evaluate filters entry" in strict.stderr


def test_keyed_groups_compose_groups_and_hostnames(inventory, tagged):
    result = inventory({
        "keyed_groups": [{"key": "location", "prefix": "twins"}, {"key": "tags.site | default('none')", "prefix": "site"},
                         {"key": "tags", "prefix": "tag"}],
        "groups": {"production": "tags.env | default('') == 'prod'"},
        "compose": {"ansible_connection": "'local'", "dt_url": "endpoint"},
        "hostnames": ["tags.site | default('')", "name"],
    })
    assert result.rc == 0, result.stderr
    assert result.hosts("twins_westus2") == ["boise", "dt-a2"]
    assert result.hosts("twins_westeurope") == ["Amsterdam Port", "dt-b2"]
    assert result.hosts("site_boise") == ["boise"]
    assert result.hosts("site_Amsterdam_Port") == ["Amsterdam Port"]
    assert result.hosts("site_none") == ["dt-a2", "dt-b2"]
    assert result.hosts("tag_env_prod") == ["Amsterdam Port", "boise"]
    assert result.hosts("tag_env_dev") == ["dt-a2"]
    assert result.hosts("tag_note____6___7___") == ["dt-b2"]  # a tag value holding Jinja only names a group
    assert result.hosts("production") == ["Amsterdam Port", "boise"]
    boise = result.hostvars["boise"]
    assert boise["dt_instance"]["name"] == "dt-a1" and boise["ansible_connection"] == "local"
    assert boise["dt_url"] == tagged["dt-a1"]["endpoint"]


def test_values_read_from_azure_are_never_templated(inventory, tagged):
    result = inventory({"compose": {"note": "tags.note | default('')"}})
    assert result.rc == 0, result.stderr
    assert result.raw["_meta"]["hostvars"]["dt-b2"]["dt_instance"]["tags"]["note"] == {"__ansible_unsafe": "{{ 6 * 7 }}"}
    assert result.raw["_meta"]["hostvars"]["dt-b2"]["note"] == {"__ansible_unsafe": "{{ 6 * 7 }}"}


def test_the_same_host_name_twice_gets_the_resource_group(inventory, tagged):
    result = inventory({"hostnames": ["location"]})
    assert result.rc == 0, result.stderr
    assert len(result.hosts()) == 4
    assert set(result.hosts()) == {"westus2", "westus2_rg-a", "westeurope", "westeurope_rg-b"}
    assert "host name westus2 is taken" in result.stderr


def test_role_assignments_on_each_instance(inventory, emu, run_module, tagged):
    added = run_module("dt_role_assignment", instance="dt-a1", resource_group="rg-a", assignee_object_id=ALICE,
                       principal_type="User", role=DATA_OWNER)
    assert added["changed"], added
    mark = last_seq(emu)
    result = inventory({"include_role_assignments": True, "role_assignment_workers": 3,
                        "groups": {"with_data_owner": "role_assignments | selectattr('role_name', 'eq', '%s') | list | length > 0" % DATA_OWNER}})
    assert result.rc == 0, result.stderr
    # only the direct assignments: the seeded subscription-level ones are not listed
    a1 = result.hostvars["dt-a1"]["dt_role_assignments"]
    assert len(a1) == 1
    assert a1[0]["principal_id"] == ALICE and a1[0]["role_name"] == DATA_OWNER and a1[0]["inherited"] is False
    assert a1[0]["id"] == added["assignment"]["id"]
    for name in ("dt-a2", "dt-b1", "dt-b2"):
        assert result.hostvars[name]["dt_role_assignments"] == []
    assert result.hosts("with_data_owner") == ["dt-a1"]
    # one list per instance, on the instance's scope
    assignment_lists = [r for r in emu.requests(since=mark) if r["path"].lower().endswith("/providers/microsoft.authorization/roleassignments")]
    assert len(assignment_lists) == 4
    assert sorted(r["path"].rsplit("/providers/Microsoft.Authorization", 1)[0].rsplit("/", 1)[1] for r in assignment_lists) == \
        ["dt-a1", "dt-a2", "dt-b1", "dt-b2"]


def test_an_instance_whose_assignments_cannot_be_read_is_named(inventory, emu, tagged):
    emu.inject_fault(kind="status", status=403, path_regex="/dt-a2/providers/Microsoft.Authorization/roleAssignments",
                     error_code="AuthorizationFailed", error_message="The client does not have authorization.", count=5)
    result = inventory({"include_role_assignments": True})
    assert result.rc == 0, result.stderr
    assert result.hosts() == ["dt-a1", "dt-a2", "dt-b1", "dt-b2"]
    assert "dt_role_assignments" not in result.hostvars["dt-a2"]
    assert all(result.hostvars[name]["dt_role_assignments"] == [] for name in ("dt-a1", "dt-b1", "dt-b2"))
    assert "the role assignments of 1 instance(s) could not be read" in result.stderr
    assert "dt-a2" in result.stderr and "AuthorizationFailed" in result.stderr and "Traceback" not in result.stderr


def test_a_second_run_is_served_from_the_cache(inventory, emu, tagged, tmp_path):
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
              "keyed_groups": [{"key": "location", "prefix": "twins"}]}
    first = inventory(config)
    assert first.rc == 0, first.stderr
    mark = last_seq(emu)
    second = inventory(config)
    assert second.rc == 0, second.stderr
    assert second.data == first.data
    assert emu.requests(since=mark) == []  # not even a sign-in
    cached = list((tmp_path / "cache").iterdir())
    assert len(cached) == 1
    text = cached[0].read_text()
    assert "dt-a1" in text and emu.env["AZURE_SECRET"] not in text
    # --flush-cache reads Azure again
    third = inventory(config, args=("--flush-cache",))
    assert third.rc == 0, third.stderr
    assert len(list_requests(emu, mark)) == 1


def test_several_subscriptions(inventory, emu, tagged):
    subscription = emu.env["AZURE_SUBSCRIPTION_ID"]
    mark = last_seq(emu)
    same = inventory({"subscription_ids": [subscription, subscription.upper()]}, env={"AZURE_SUBSCRIPTION_ID": None})
    assert same.rc == 0, same.stderr
    assert same.hosts() == ["dt-a1", "dt-a2", "dt-b1", "dt-b2"]
    assert len(list_requests(emu, mark)) == 1
    unknown = "00000000-0000-4000-8000-00000000dead"
    wrong = inventory({"subscription_ids": [subscription, unknown]})
    assert wrong.rc != 0
    assert "SubscriptionNotFound" in wrong.stderr and "Traceback" not in wrong.stderr


def test_no_credentials_is_a_clear_error(inventory, emu):
    start = last_seq(emu)
    result = inventory({}, env={"AZURE_CLIENT_ID": None, "AZURE_SECRET": None, "AZURE_TENANT": None})
    assert result.rc != 0
    assert "dt_instances inventory: No Azure credentials were found" in result.stderr
    assert "AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT" in result.stderr
    assert "module_defaults" not in result.stderr
    assert "Traceback" not in result.stderr
    no_tenant = inventory({}, env={"AZURE_TENANT": None})
    assert no_tenant.rc != 0
    assert "Sign-in with a client secret needs tenant as well" in no_tenant.stderr
    no_subscription = inventory({}, env={"AZURE_SUBSCRIPTION_ID": None})
    assert no_subscription.rc != 0
    assert "no subscription to list" in no_subscription.stderr
    assert list_requests(emu, start) == []
    assert emu.env["AZURE_SECRET"] not in result.stderr + no_tenant.stderr + no_subscription.stderr


def test_a_wrong_secret_fails_without_a_traceback(inventory, emu):
    result = inventory({}, env={"AZURE_SECRET": "not-the-secret"})
    assert result.rc != 0
    assert "dt_instances inventory: Could not sign in to Azure" in result.stderr
    assert "Traceback" not in result.stderr and "not-the-secret" not in result.stderr


def test_a_caller_that_may_read_nothing_gets_an_empty_inventory(inventory, emu, tagged):
    nobody = emu.add_principal(kind="servicePrincipal", display_name="inventory-nobody", secret="test-only-nobody-secret")
    result = inventory({"include_role_assignments": True},
                       env={"AZURE_CLIENT_ID": nobody["app_id"], "AZURE_SECRET": "test-only-nobody-secret"})
    assert result.rc == 0, result.stderr
    assert result.hosts() == []
    assert "may not list the Azure Digital Twins instances of subscription %s" % emu.env["AZURE_SUBSCRIPTION_ID"] in result.stderr
    assert "Traceback" not in result.stderr


def test_ansible_doc_shows_the_plugin(emu):
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(DEV_COLLECTIONS), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(BINDIR / "ansible-doc"), "-t", "inventory", "twinops.digital_twins.dt_instances"],
                          env=environment, capture_output=True, text=True, timeout=300, check=False, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    assert "include_role_assignments" in proc.stdout and "AZURE_SUBSCRIPTION_ID" in proc.stdout


EXAMPLE = ROOT / "playbooks" / "inventories" / "dt_instances"
AUDIT = str(ROOT / "playbooks" / "audit.yml")


def _audit_reports(output):
    """{host: audit_report} from the output of the 'Show the drift report' task."""
    reports = {}
    for host, body in re.findall(r'ok: \[([^\]]+)\] => (\{\n    "audit_report": .*?\n\})', output, re.S):
        reports[host] = json.loads(body)["audit_report"]
    return reports


def test_the_example_inventory_feeds_the_audit_playbook(emu, run_module, run_playbook, tagged):
    added = run_module("dt_role_assignment", instance="dt-b1", resource_group="rg-b", assignee_object_id=ALICE,
                       principal_type="User", role=DATA_OWNER)
    assert added["changed"], added
    mark = last_seq(emu)
    result = run_playbook(AUDIT, inventory=str(EXAMPLE), extra_vars={"digital_twins_hosts": "digital_twins"})
    assert result.rc == 0, result.output[-4000:]
    assert "reserved name" not in result.output
    reports = _audit_reports(result.stdout)
    assert sorted(reports) == ["dt-a1", "dt-a2", "dt-b1", "dt-b2"], result.stdout[-4000:]
    for name, report in reports.items():
        assert report["instance"] == name and report["resource_group"] == tagged[name]["resource_group"]
        assert report["exists"] is True and report["settings_drift"] is False
    # every instance's access is reported: Alice's data role on dt-b1, and the subscription's assignments everywhere
    assert [(a["principal_id"], a["role_name"]) for a in reports["dt-b1"]["undeclared_assignments"]] == [(ALICE, DATA_OWNER)]
    for name in ("dt-a1", "dt-a2", "dt-b2"):
        assert reports[name]["undeclared_assignments"] == []
    for report in reports.values():
        assert ("Owner", "twinops-automation") in [(a["role_name"], a.get("principal_display_name"))
                                                   for a in report["inherited_assignments"]]
    assert [r for r in emu.requests(since=mark) if r["method"] in ("PUT", "PATCH", "DELETE")] == []

    # with a declared set, the drift from it: Alice is declared as data owner of every instance
    declared = run_playbook(AUDIT, inventory=str(EXAMPLE), check=True,
                            extra_vars={"digital_twins_hosts": "twins_westeurope", "setup_data_owners": ["alice@contoso.com"]})
    assert declared.rc == 0, declared.output[-4000:]
    reports = _audit_reports(declared.stdout)
    assert sorted(reports) == ["dt-b1", "dt-b2"]
    assert reports["dt-b1"]["drift"] is False and reports["dt-b1"]["undeclared_assignments"] == []
    assert reports["dt-b1"]["missing_assignments"] == []
    assert reports["dt-b2"]["drift"] is True
    assert [(a["principal_id"], a["role_name"]) for a in reports["dt-b2"]["missing_assignments"]] == [(ALICE, DATA_OWNER)]
    assert [r for r in emu.requests(since=mark) if r["method"] in ("PUT", "PATCH", "DELETE")] == []
