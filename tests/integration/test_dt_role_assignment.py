# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dt_role_assignment and dt_role_assignment_info against the emulator: every assignee and role form, idempotency,
adoption, concurrency, check mode and diff, permissions, request budget."""

from __future__ import annotations

import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import assignment_name

DATA_OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
DATA_READER = "d57506d4-4c8d-48b1-8587-93c323f6a5a3"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
SP_PIPELINE = "a0700000-0000-4000-8000-0000000000a4"
SP_PIPELINE_APP = "a0700000-0000-4000-8000-0000000000c4"
DT_OPERATORS = "06000000-0000-4000-8000-0000000000d7"
RG = "rg-twins-ra"
INSTANCE = "ra-00000"
ASSIGNMENTS = "/providers/microsoft.authorization/roleassignments"


# ---- helpers ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def instance(emu):
    """One Digital Twins instance (made through the admin API) and its scope."""
    emu.bulk_instances(count=1, resource_group=RG, name_prefix="ra")
    sub = emu.seed["subscription"]["id"]
    scope = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/%s" % (sub, RG, INSTANCE)
    return dict(instance=INSTANCE, resource_group=RG, scope=scope)


@pytest.fixture
def run(run_module):
    """run_module with dt_role_assignment as the default module."""

    def _run(name="dt_role_assignment", **args):
        return run_module(name, **args)

    return _run


def caller(emu, key):
    """Environment overrides that make a seeded service principal the caller."""
    sp = next(p for p in emu.seed["service_principals"] if p["key"] == key)
    return {"AZURE_CLIENT_ID": sp["app_id"], "AZURE_SECRET": sp["secret"]}


def assignments_of(emu, principal_id=None, scope=None):
    found = []
    for item in emu.state()["role_assignments"]:
        props = item["properties"]
        if principal_id and props["principalId"].lower() != principal_id.lower():
            continue
        if scope and props["scope"].lower().rstrip("/") != scope.lower().rstrip("/"):
            continue
        found.append(item)
    return found


def requests_since(emu, mark):
    return emu.requests(since=mark)


def last_seq(emu):
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def graph_requests(entries):
    return [e for e in entries if e["path"].lower().startswith("/v1.0/")]


def authorization_client(emu):
    """The real SDK client, pointed at the emulator, as the seeded automation principal."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.authorization import AuthorizationManagementClient

    env = emu.env
    credential = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"], authority=emu.url,
                                        disable_instance_discovery=True, connection_verify=emu.ca_path)
    return AuthorizationManagementClient(credential, env["AZURE_SUBSCRIPTION_ID"], base_url=emu.url,
                                         credential_scopes=["https://management.azure.com/.default"],
                                         connection_verify=emu.ca_path)


def failed(result):
    assert result.get("failed"), "expected a failure, got %r" % (result,)
    return result["msg"]


# ---- assignee forms --------------------------------------------------------------------------------------------------

ASSIGNEE_FORMS = [
    pytest.param("alice@contoso.com", ALICE, "User", "userPrincipalName", id="upn"),
    pytest.param("bob@outlook.com", BOB, "User", "mail", id="guest-email"),
    pytest.param("bob_outlook.com#EXT#@contoso.onmicrosoft.com", BOB, "User", "userPrincipalName", id="guest-ext-upn"),
    pytest.param(ALICE.upper(), ALICE, "User", "object_id", id="object-id"),
    pytest.param(SP_PIPELINE_APP, SP_PIPELINE, "ServicePrincipal", "app_id", id="sp-app-id"),
    pytest.param("sp-pipeline", SP_PIPELINE, "ServicePrincipal", "display_name", id="sp-display-name"),
    pytest.param("dt-operators", DT_OPERATORS, "Group", "display_name", id="group-display-name"),
]


@pytest.mark.parametrize("assignee, object_id, principal_type, resolved_by", ASSIGNEE_FORMS)
def test_assignee_forms_resolve_and_assign(emu, run, instance, assignee, object_id, principal_type,
                                           resolved_by):
    result = run(instance=INSTANCE, resource_group=RG, assignee=assignee)

    assert result["changed"] is True, result
    assignment = result["assignment"]
    assert assignment["principal_id"] == object_id
    assert assignment["principal_type"] == principal_type
    assert assignment["resolved_by"] == resolved_by
    assert assignment["assignee"] == assignee
    assert assignment["role_name"] == "Azure Digital Twins Data Owner"
    assert assignment["name"] == assignment_name(instance["scope"], object_id, DATA_OWNER)
    stored = assignments_of(emu, object_id, instance["scope"])
    assert [a["name"] for a in stored] == [assignment["name"]]
    assert stored[0]["properties"]["principalType"] == principal_type
    if object_id == BOB:
        assert any("guest" in text and "Sub-Domain not found" in text for text in result["warning_texts"])


def test_upn_is_tried_first_and_costs_one_graph_request(emu, run, instance):
    mark = last_seq(emu)
    run(instance=INSTANCE, resource_group=RG, assignee="alice@contoso.com", _ansible_check_mode=False)
    graph = graph_requests(requests_since(emu, mark))
    assert [g["path"] for g in graph] == ["/v1.0/users/alice@contoso.com"], graph


def test_guest_email_falls_back_to_mail_other_mails_and_ext_upn(emu, run, instance):
    mark = last_seq(emu)
    result = run(instance=INSTANCE, resource_group=RG, assignee="bob@outlook.com", check=True)
    assert result["assignment"]["principal_id"] == BOB
    graph = graph_requests(requests_since(emu, mark))
    assert graph[0]["path"].startswith("/v1.0/users/bob") and graph[0]["status"] == 404
    filters = sorted(g["query"] for g in graph[1:])
    assert len(filters) == 3
    assert any("mail%20eq" in f or "mail eq" in f for f in filters)
    assert any("otherMails" in f for f in filters)
    assert any("startswith" in f for f in filters)


def test_ambiguous_display_name_names_the_candidates(emu, run, instance, writes):
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee="Dana Smith"))
    assert "ambiguous" in msg
    assert "dana.smith@contoso.com" in msg and "dana.smith2@contoso.com" in msg
    assert "0e000000-0000-4000-8000-00000000da01" in msg and "0e000000-0000-4000-8000-00000000da02" in msg
    assert "assignee_object_id" in msg
    assert writes() == []


@pytest.mark.parametrize("assignee, expected", [
    ("nobody@contoso.com", "nobody_contoso.com#EXT#@"),
    ("Nobody At All", "No user, group or service principal is named"),
    ("9d3b1c5e-0000-4000-8000-000000000999", "No directory object has the id"),
])
def test_unknown_assignee_explains_and_changes_nothing(emu, run, instance, writes, assignee, expected):
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee=assignee))
    assert expected in msg
    assert "assignee_object_id" in msg and "principal_type" in msg
    assert writes() == []


# ---- role forms ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [
    "Azure Digital Twins Data Reader",
    "azure digital twins data reader",
    DATA_READER,
    "/subscriptions/5ab5c000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/" + DATA_READER.upper(),
    "/providers/Microsoft.Authorization/roleDefinitions/" + DATA_READER,
], ids=["name", "name-lower-case", "guid", "full-id", "tenant-id"])
def test_builtin_role_forms_resolve_without_a_request(emu, run, instance, role):
    mark = last_seq(emu)
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", role=role)
    assert result["changed"] is True, result
    assert result["assignment"]["role_name"] == "Azure Digital Twins Data Reader"
    assert result["assignment"]["role_definition_id"].lower().endswith("/roledefinitions/" + DATA_READER)
    assert not [e for e in requests_since(emu, mark) if "roledefinitions" in e["path"].lower()]


def test_custom_role_by_name_uses_a_role_name_filter(emu, run, instance):
    client = authorization_client(emu)
    sub_scope = "/subscriptions/" + emu.seed["subscription"]["id"]
    guid = str(uuid.uuid4())
    client.role_definitions.create_or_update(sub_scope, guid, {
        "role_name": "Twin Model Editor", "description": "custom", "assignable_scopes": [sub_scope],
        "permissions": [{"data_actions": ["Microsoft.DigitalTwins/models/*"]}]})
    mark = last_seq(emu)

    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", role="Twin Model Editor")

    assert result["changed"] is True, result
    assert result["assignment"]["role_name"] == "Twin Model Editor"
    assert result["assignment"]["role_definition_id"].lower().endswith(guid)
    lookups = [e for e in requests_since(emu, mark) if e["path"].lower().endswith("/roledefinitions")]
    assert len(lookups) == 1 and "roleName" in lookups[0]["query"], lookups


@pytest.mark.parametrize("role, expected", [
    ("No Such Role", "does not exist"),
    ("12345678-1234-4123-8123-123456789abc", "does not exist"),
    ("/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/1", "not a role definition id"),
])
def test_unknown_role_fails_clearly_and_changes_nothing(emu, run, instance, writes, role, expected):
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", role=role))
    assert expected in msg
    assert writes() == []


# ---- idempotency, check mode, diff -------------------------------------------------------------------------------------

def test_four_runs_check_apply_check_apply(emu, run, instance, writes):
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")

    check = run(check=True, **args)
    assert check["changed"] is True
    assert writes() == [], "check mode must send no write request"
    assert check["diff"]["before"] == {}
    assert check["diff"]["after"]["principal_id"] == ALICE

    apply = run(**args)
    assert apply["changed"] is True
    assert apply["assignment"] == check["assignment"], "check mode must predict exactly what a real run creates"
    assert len(writes()) == 1

    check_again = run(check=True, **args)
    apply_again = run(**args)
    assert check_again["changed"] is False and apply_again["changed"] is False
    assert apply_again["diff"]["before"] == apply_again["diff"]["after"] == apply["assignment"]
    assert len(writes()) == 1
    assert len(assignments_of(emu, ALICE, instance["scope"])) == 1


def test_scope_compares_case_insensitively(emu, run, instance):
    first = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    again = run(scope=instance["scope"].lower(), assignee_object_id=ALICE.upper(), principal_type="User",
                role=DATA_OWNER.upper())
    assert again["changed"] is False, again
    assert again["assignment"]["id"] == first["assignment"]["id"]


def test_no_change_run_costs_three_requests_and_lists_only_the_scope(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    mark = last_seq(emu)

    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")

    assert result["changed"] is False
    log = requests_since(emu, mark)
    paths = [(e["method"], e["path"]) for e in log]
    assert len(log) <= 6, paths
    # OIDC configuration, token, one scope-filtered list; the cloud metadata comes from the per-user cache
    assert len(log) == 3, paths
    assert not [e for e in log if e["path"].startswith("/metadata/")], paths
    listing = [e for e in log if e["path"].lower().endswith(ASSIGNMENTS)]
    assert len(listing) == 1
    assert listing[0]["path"].lower() == (instance["scope"] + ASSIGNMENTS).lower()
    assert "principalId" in listing[0]["query"]


def test_absent_removes_and_is_idempotent(emu, run, instance, writes):
    args = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    created = run(**args)["assignment"]

    check = run(check=True, state="absent", **args)
    assert check["changed"] is True and check["assignment"] == {}
    assert check["diff"]["before"]["id"] == created["id"] and check["diff"]["after"] == {}
    assert len(assignments_of(emu, ALICE, instance["scope"])) == 1

    removed = run(state="absent", **args)
    assert removed["changed"] is True
    assert assignments_of(emu, ALICE, instance["scope"]) == []
    # principal_type is not needed to remove
    again = run(state="absent", instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE)
    assert again["changed"] is False, again


def test_absent_leaves_other_roles_alone(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", role="Azure Digital Twins Data Reader")
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", state="absent")
    left = assignments_of(emu, ALICE, instance["scope"])
    assert [a["properties"]["roleDefinitionId"].lower().rsplit("/", 1)[1] for a in left] == [DATA_READER]


def test_equal_assignment_under_another_name_is_adopted(emu, run, instance, writes):
    foreign = str(uuid.uuid4())
    authorization_client(emu).role_assignments.create(instance["scope"], foreign, {
        "role_definition_id": "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s"
                              % (emu.seed["subscription"]["id"], DATA_OWNER),
        "principal_id": CAROL, "principal_type": "User"})
    before = len(writes())

    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL, principal_type="User")

    assert result["changed"] is False
    assert result["assignment"]["adopted"] is True
    assert result["assignment"]["name"] == foreign
    assert len(writes()) == before
    assert [a["name"] for a in assignments_of(emu, CAROL, instance["scope"])] == [foreign]

    removed = run(instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL, principal_type="User", state="absent")
    assert removed["changed"] is True
    assert assignments_of(emu, CAROL, instance["scope"]) == []


def test_two_concurrent_runs_leave_exactly_one_assignment(emu, run_playbook, instance, tmp_path):
    playbook = tmp_path / "concurrent.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Assign
              twinops.digital_twins.dt_role_assignment:
                instance: %s
                resource_group: %s
                assignee_object_id: %s
                principal_type: User
        """ % (INSTANCE, RG, CAROL)))
    mark = last_seq(emu)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda dummy: run_playbook(str(playbook)), range(2)))

    for result in results:
        assert result.rc == 0, result.output
    stored = assignments_of(emu, CAROL, instance["scope"])
    assert len(stored) == 1
    assert stored[0]["name"] == assignment_name(instance["scope"], CAROL, DATA_OWNER)
    puts = [e for e in requests_since(emu, mark) if e["method"] == "PUT"]
    assert 1 <= len(puts) <= 2 and len(set(p["path"] for p in puts)) == 1, puts


def test_playbook_check_diff_then_apply(emu, run_playbook, instance):
    playbook = textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/twinops.digital_twins.all:
              resource_group: %s
          tasks:
            - name: Grant Carol read access
              twinops.digital_twins.dt_role_assignment:
                instance: %s
                assignee_object_id: %s
                principal_type: User
                role: Azure Digital Twins Data Reader
        """ % (RG, INSTANCE, CAROL))
    check = run_playbook(playbook, check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.recap()["localhost"]["changed"] == 1
    assert "Azure Digital Twins Data Reader" in check.stdout and CAROL in check.stdout
    assert assignments_of(emu, CAROL) == []
    apply = run_playbook(playbook)
    assert apply.rc == 0 and apply.recap()["localhost"]["changed"] == 1, apply.output
    again = run_playbook(playbook)
    assert again.rc == 0 and again.recap()["localhost"]["changed"] == 0, again.output
    assert emu.env["AZURE_SECRET"] not in check.output + apply.output + again.output


# ---- replication delay, personal accounts, permissions ---------------------------------------------------------------

def test_new_principal_not_yet_replicated_is_assigned_with_principal_type(emu, run, instance):
    created = emu.add_principal(kind="servicePrincipal", display_name="sp-fresh-%s" % uuid.uuid4().hex[:6],
                                arm_visible_after_seconds=3)
    result = run(instance=INSTANCE, resource_group=RG, assignee=created["display_name"], principal_wait_timeout=20)
    assert result["changed"] is True, result
    assert result["assignment"]["principal_id"] == created["id"].lower()
    stored = assignments_of(emu, created["id"], instance["scope"])
    assert len(stored) == 1 and stored[0]["properties"]["principalType"] == "ServicePrincipal"


PRINCIPAL_NOT_FOUND = ("Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are "
                       "creating this principal and then immediately assigning a role, this error might be related to a replication "
                       "delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, "
                       "User, or Group.  See https://aka.ms/docs-principaltype")


def _principal_not_found(emu, principal_id, count):
    emu.inject_fault(path_regex=r"/providers/Microsoft\.Authorization/roleAssignments/", method="PUT", kind="status", status=400,
                     error_code="PrincipalNotFound", count=count,
                     error_message=PRINCIPAL_NOT_FOUND % (principal_id, emu.seed["tenant"]["id"]))


def test_principal_not_found_is_retried_until_replicated(emu, run, instance):
    """Azure can answer PrincipalNotFound even with principalType set; the module retries within principal_wait_timeout."""
    _principal_not_found(emu, ALICE, count=2)
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", principal_wait_timeout=60)
    assert result["changed"] is True, result
    puts = [r for r in emu.requests() if r["method"] == "PUT" and "roleAssignments" in r["path"]]
    assert [r["status"] for r in puts] == [400, 400, 201]
    assert len(assignments_of(emu, ALICE, instance["scope"])) == 1


def test_principal_not_found_beyond_the_timeout_fails_clearly(emu, run, instance):
    _principal_not_found(emu, ALICE, count=50)
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", principal_wait_timeout=3))
    assert "PrincipalNotFound" in msg and "principal_wait_timeout" in msg, msg
    assert assignments_of(emu, ALICE, instance["scope"]) == []


def test_personal_account_by_object_id_needs_no_graph(emu, run, instance):
    """The documented route for personal accounts, run by a caller that may not read the directory."""
    mark = last_seq(emu)
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=BOB, principal_type="User",
                 env=caller(emu, "no_graph"))
    assert result["changed"] is True, result
    assert result["assignment"]["resolved_by"] == "given"
    assert graph_requests(requests_since(emu, mark)) == []
    assert len(assignments_of(emu, BOB, instance["scope"])) == 1


def test_lookup_without_graph_permission_says_how_to_skip_it(emu, run, instance, writes):
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee="alice@contoso.com", env=caller(emu, "no_graph")))
    assert "Microsoft Graph" in msg and "403" in msg
    assert "assignee_object_id" in msg and "principal_type" in msg
    assert writes() == []


def test_caller_without_role_assignment_rights_gets_a_clear_403(emu, run, instance):
    """ARM's own 403, with the pre-check off (test_permission_precheck.py covers the pre-check)."""
    before = emu.state()["role_assignments"]
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User",
                 check_permissions=False, env=caller(emu, "limited"))
    msg = failed(result)
    assert result.get("status_code") == 403
    assert "Owner, User Access Administrator" in msg and "Contributor is not enough" in msg
    assert "Nothing was changed" in msg
    assert emu.state()["role_assignments"] == before
    assert "test-only-limited-secret" not in str(result)


def test_missing_instance_is_reported_before_any_write(emu, run, writes):
    msg = failed(run(instance="does-not-exist", resource_group=RG, assignee_object_id=ALICE, principal_type="User"))
    assert "does-not-exist" in msg
    assert writes() == []


@pytest.mark.parametrize("args, expected", [
    (dict(scope="subscriptions/x", assignee_object_id=ALICE, principal_type="User"), "is not an Azure scope"),
    (dict(scope="/subscriptions/not-a-guid", assignee_object_id=ALICE, principal_type="User"), "by its id"),
    (dict(instance="-bad-", resource_group=RG, assignee_object_id=ALICE, principal_type="User"), "not a valid Azure Digital Twins"),
    (dict(instance=INSTANCE, resource_group=RG, assignee_object_id="alice", principal_type="User"), "is not an object id"),
    (dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE), "principal_type is required"),
    (dict(instance=INSTANCE, resource_group=RG, assignee="  "), "must not be empty"),
    (dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", role="/subscriptions/x/foo"),
     "not a role definition id"),
    (dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User", principal_wait_timeout=-1),
     "principal_wait_timeout"),
])
def test_bad_input_fails_before_any_request(emu, run, args, expected):
    mark = last_seq(emu)
    msg = failed(run(**args))
    assert expected in msg
    assert requests_since(emu, mark) == [], "validation must happen before the first request (token included)"


def test_wrong_secret_fails(emu, run, instance):
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User",
                 env={"AZURE_SECRET": "wrong-secret"})
    msg = failed(result)
    assert "Invalid client secret" in msg or "authentication" in msg.lower()
    assert "wrong-secret" not in str(result)


# ---- the Owner-is-not-Data-Owner warning ----------------------------------------------------------------------------

def test_contributor_without_data_role_gets_a_warning(emu, run, instance):
    result = run(instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL, principal_type="User", role="Contributor")
    assert result["changed"] is True
    assert any("Contributor" in w and "no Azure Digital Twins data role" in w for w in result["warning_texts"]), result

    data = run(instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL, principal_type="User",
               role="Azure Digital Twins Data Reader")
    assert not any("data role" in w for w in data["warning_texts"]), data["warning_texts"]


# ---- dt_role_assignment_info -----------------------------------------------------------------------------------------

def test_info_direct_inherited_and_filters(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=CAROL, principal_type="User", role="Azure Digital Twins Data Reader")

    direct = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG)
    assert direct["changed"] is False
    assert sorted((a["principal_id"], a["role_name"]) for a in direct["assignments"]) == [
        (ALICE, "Azure Digital Twins Data Owner"), (CAROL, "Azure Digital Twins Data Reader")]
    assert all(a["inherited"] is False for a in direct["assignments"])
    assert {a["principal_display_name"] for a in direct["assignments"]} == {"Alice Anders", "Carol Chen"}

    inherited = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, include_inherited=True)
    owners = [a for a in inherited["assignments"] if a["inherited"]]
    assert {a["role_name"] for a in owners} >= {"Owner", "Contributor"}
    assert any("twinops-automation" in w and "Owner" in w for w in inherited["warning_texts"])

    by_assignee = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, assignee="carol@contoso.com")
    assert [(a["principal_id"], a["resolved_by"]) for a in by_assignee["assignments"]] == [(CAROL, "userPrincipalName")]

    by_role = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, role=DATA_OWNER, resolve_names=False)
    assert [a["principal_id"] for a in by_role["assignments"]] == [ALICE]
    assert "principal_display_name" not in by_role["assignments"][0]


def test_info_lists_with_one_request_and_names_with_one_more(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    mark = last_seq(emu)
    run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, include_inherited=True)
    log = requests_since(emu, mark)
    listing = [e for e in log if e["path"].lower().endswith(ASSIGNMENTS)]
    assert len(listing) == 1 and "atScope" in listing[0]["query"]
    assert [e["path"] for e in graph_requests(log)] == ["/v1.0/directoryObjects/getByIds"]


def test_info_without_graph_permission_warns_and_still_lists(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    result = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, env=caller(emu, "no_graph"))
    assert not result.get("failed"), result
    assert [a["principal_id"] for a in result["assignments"]] == [ALICE]
    assert "principal_display_name" not in result["assignments"][0]
    assert any("display names are left out" in w for w in result["warning_texts"])


def test_info_assignee_lookup_without_graph_fails_instead_of_listing_everything(emu, run, instance):
    run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    result = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, assignee="alice@contoso.com",
                 env=caller(emu, "no_graph"))
    assert "assignee_object_id" in failed(result)
    assert "assignments" not in result


def test_wrong_principal_type_is_explained(emu, run, instance, writes):
    msg = failed(run(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="Group"))
    assert "principal_type must be the type" in msg
    assert assignments_of(emu, ALICE) == []


def test_info_fails_when_the_token_request_fails(emu, run, instance):
    result = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG, env={"AZURE_SECRET": "wrong-secret"})
    msg = failed(result)
    assert "Invalid client secret" in msg or "authentication" in msg.lower()
    assert "assignments" not in result


def test_info_fails_when_the_arm_list_fails(emu, run, instance):
    emu.inject_fault(kind="status", status=400, path_regex="/providers/Microsoft.Authorization/roleAssignments$", count=1)
    result = run("dt_role_assignment_info", instance=INSTANCE, resource_group=RG)
    assert "Could not list the role assignments" in failed(result)
    assert result.get("status_code") == 400


# ---- hostile scopes --------------------------------------------------------------------------------------------------

ESCAPING_SUFFIXES = [
    "/../../../../../..",          # would land on the subscription once the HTTP stack removes the dot segments
    "/x/..",                       # the same scope, written so that it never compares equal
    "/./",
    "%2F..%2F..%2F..%2F..",
    "/%2e%2e/%2e%2e",
    "//",
    "?api-version=2015-07-01",
    "\\..\\..",
    "/endpoints",
]


@pytest.mark.parametrize("suffix", ESCAPING_SUFFIXES)
@pytest.mark.parametrize("module", ["dt_role_assignment", "dt_role_assignment_info"])
def test_scope_that_could_escape_is_refused_before_any_request(emu, run, instance, module, suffix):
    mark = last_seq(emu)
    args = dict(scope=instance["scope"] + suffix, assignee_object_id=ALICE)
    if module == "dt_role_assignment":
        args["principal_type"] = "User"
    msg = failed(run(module, **args))
    assert "is not an Azure scope" in msg
    assert requests_since(emu, mark) == [], "a malformed scope must be refused before the first request"
    sub = emu.seed["subscription"]["id"]
    held = run("dt_role_assignment_info", scope="/subscriptions/%s" % sub, assignee_object_id=ALICE,
               resolve_names=False)["assignments"]
    assert [a for a in held if a["scope"].lower() == "/subscriptions/%s" % sub] == [], \
        "nothing may be assigned at the subscription"


def test_escape_through_a_missing_group_and_instance_is_refused(emu, run, writes):
    sub = emu.seed["subscription"]["id"]
    scope = ("/subscriptions/%s/resourceGroups/rg-any/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt-any"
             "/../../../../../.." % sub)
    msg = failed(run(scope=scope, assignee_object_id=ALICE, principal_type="User"))
    assert "'..' segments are not allowed" in msg
    assert writes() == []


def test_scope_is_normalised_once_and_used_as_written(emu, run, instance, writes):
    """Keyword case differs from ARM's: the assignment lands on the instance, and a re-run reports no change."""
    scope = instance["scope"].replace("/resourceGroups/", "/RESOURCEGROUPS/").replace("/providers/", "/Providers/")
    first = run(scope=scope, assignee_object_id=BOB, principal_type="User", role="Azure Digital Twins Data Reader")
    assert first["changed"] and first["assignment"]["scope"].lower() == instance["scope"].lower()
    [put] = [w for w in writes() if w["method"] == "PUT"]
    assert put["path"].lower().startswith(instance["scope"].lower() + ASSIGNMENTS)
    second = run(scope=scope, assignee_object_id=BOB, principal_type="User", role="Azure Digital Twins Data Reader")
    assert not second["changed"]
