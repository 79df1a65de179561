# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cases of the reliability suite, as data: the tests run them and gen_report.py renders the same tables.

A case names its preparation (``setup``) by a word; the tests map those words to code. String values in ``args``
and ``env`` may hold ``{placeholders}`` (``{fresh_id}``, ``{fresh_name}``, ``{instance_id}``, ``{rg_scope}``) that the
test fills in once the preparation has made the object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RG = "rg-rel"
RG2 = "rg-rel-2"
INSTANCE = "dt-rel-00000"          # made by the admin API (bulk instances, prefix dt-rel) in the 'instance' setup
LOCATION = "westus2"

ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
SP_PIPELINE = "a0700000-0000-4000-8000-0000000000a4"
DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"

TABLE_FAULTS = "faults"
TABLE_BAD_INPUT = "bad_input"
TABLE_CHECKS = "checks"


@dataclass(frozen=True)
class FaultCase:
    """A fault injected through the emulator's admin API while one module runs in-process.

    ``expect`` is ``ok`` (a transient fault the module rides out) or ``fail`` (it must fail with ``words`` in its
    message). Either way the emulator's state must hold nothing duplicated or half-done afterwards, and a re-run
    without the fault must converge (a second re-run reports no change).
    """

    id: str
    title: str
    module: str
    args: dict
    faults: tuple = ()
    expect: str = "ok"
    words: tuple = ()
    setup: str = "group"
    behaviour: dict = None
    client_settings: dict = None     # overrides of the modules' ARM client settings (read_timeout) for this run
    graph: bool = False              # the case resolves an assignee through Microsoft Graph
    leaves: str = ""                 # what a failed run may leave behind in Azure, in words (checked by the test)
    provisioning_delay: float = 0    # seconds the emulator takes to provision an instance
    avoid: tuple = ()                # words the message must not hold (a misleading hint)
    max_seconds: float = 0           # when set, the run must return within this many seconds
    returns: tuple = ()              # (dotted key, value) pairs the result must hold, e.g. ("created", True)


def _fault(path_regex, kind="status", status=None, count=1, retry_after=None, method=None, delay_seconds=None):
    spec = {"path_regex": path_regex, "kind": kind, "count": count}
    if status is not None:
        spec["status"] = status
    if retry_after is not None:
        spec["retry_after"] = retry_after
    if method:
        spec["method"] = method
    if delay_seconds is not None:
        spec["delay_seconds"] = delay_seconds
    return spec


def _instance_args(name, **extra):
    args = dict(name=name, resource_group=RG, location=LOCATION)
    args.update(extra)
    return args


_ASSIGN_ALICE = dict(instance=INSTANCE, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
_ASSIGN_BY_UPN = dict(instance=INSTANCE, resource_group=RG, assignee="alice@contoso.com")
_INSTANCE_PATH = r"/digitalTwinsInstances/%s$"
_ASSIGNMENT_PATH = r"/roleAssignments/[0-9a-f-]{36}$"

FAULT_CASES = [
    # ---- throttling and server errors on ARM -------------------------------------------------------------------------
    FaultCase("arm-429-burst-create-instance", "3 x 429 with Retry-After: 1 on the instance PUT", "dt_instance",
              _instance_args("dt-f429"), (_fault(_INSTANCE_PATH % "dt-f429", status=429, retry_after=1, count=3, method="PUT"),)),
    FaultCase("arm-429-burst-resource-group", "3 x 429 with Retry-After: 1 on the resource group PUT", "resource_group",
              dict(name="rg-f429", location=LOCATION),
              (_fault(r"/resourcegroups/rg-f429$", status=429, retry_after=1, count=3, method="PUT"),), setup="none"),
    FaultCase("arm-429-burst-assignment", "3 x 429 with Retry-After: 1 on the role assignment PUT", "dt_role_assignment",
              _ASSIGN_ALICE, (_fault(_ASSIGNMENT_PATH, status=429, retry_after=1, count=3, method="PUT"),), setup="instance"),
    FaultCase("arm-429-every-request", "429 with Retry-After: 1 on the first 4 ARM requests of any kind", "dt_instance",
              _instance_args("dt-f429all"), (_fault(r"^/subscriptions/", status=429, retry_after=1, count=4),)),
    FaultCase("arm-500-read", "2 x 500 on the instance GET", "dt_instance", _instance_args("dt-f500"),
              (_fault(_INSTANCE_PATH % "dt-f500", status=500, count=2, method="GET"),)),
    FaultCase("arm-503-lro-poll", "2 x 503 with Retry-After: 1 on the operation status poll", "dt_instance",
              _instance_args("dt-fpoll"), (_fault(r"/operationsStatuses/", status=503, retry_after=1, count=2),), provisioning_delay=1),
    FaultCase("arm-503-list-assignments", "2 x 503 with Retry-After: 1 on the role assignment list", "dt_role_assignment",
              _ASSIGN_ALICE, (_fault(r"/roleAssignments$", status=503, retry_after=1, count=2, method="GET"),), setup="instance"),
    FaultCase("arm-503-persistent-put", "503 with Retry-After: 1 on every instance PUT", "dt_instance",
              _instance_args("dt-f503"), (_fault(_INSTANCE_PATH % "dt-f503", status=503, retry_after=1, count=50, method="PUT"),),
              expect="fail", words=("503",)),
    FaultCase("arm-500-persistent-delete", "500 on every role assignment DELETE", "dt_role_assignment",
              dict(_ASSIGN_ALICE, state="absent"),
              (_fault(_ASSIGNMENT_PATH, status=500, count=50, method="DELETE"),), setup="assignment",
              expect="fail", words=("500",), leaves="the assignment stays"),
    # ---- dropped connections and answers slower than the client's read timeout ----------------------------------------
    FaultCase("arm-drop-once", "1 dropped connection on the instance PUT", "dt_instance", _instance_args("dt-fdrop"),
              (_fault(_INSTANCE_PATH % "dt-fdrop", kind="drop", count=1, method="PUT"),)),
    FaultCase("arm-drop-persistent", "every role assignment PUT connection dropped", "dt_role_assignment", _ASSIGN_ALICE,
              (_fault(_ASSIGNMENT_PATH, kind="drop", count=50, method="PUT"),), setup="instance",
              expect="fail", words=("ConnectionError",)),
    FaultCase("arm-slow-put", "instance PUT answered after 4 s, client read timeout 2 s (once)", "dt_instance",
              _instance_args("dt-fslow"), (_fault(_INSTANCE_PATH % "dt-fslow", kind="slow", delay_seconds=4, count=1, method="PUT"),),
              client_settings={"read_timeout": 2}),
    FaultCase("arm-slow-persistent", "every instance GET answered after 3 s, client read timeout 1 s", "dt_instance_info",
              dict(name="dt-fslowread", resource_group=RG),
              (_fault(_INSTANCE_PATH % "dt-fslowread", kind="slow", delay_seconds=3, count=20, method="GET"),),
              client_settings={"read_timeout": 1}, expect="fail", words=("timed out",)),
    # ---- long-running operation ends Failed ---------------------------------------------------------------------------
    FaultCase("provisioning-failed", "the instance's provisioning ends Failed", "dt_instance", _instance_args("dt-ffail"),
              behaviour={"instance_name": "dt-ffail", "provisioning_result": "Failed"}, expect="fail", words=("Failed",),
              leaves="the instance stays, provisioning state Failed (as in Azure); the re-run re-provisions it",
              returns=(("created", True), ("instance.provisioning_state", "Failed"))),
    # ---- Entra ID token endpoint ---------------------------------------------------------------------------------------
    FaultCase("token-500-once", "1 x 500 on the token endpoint", "dt_instance", _instance_args("dt-ftok500"),
              (_fault(r"/oauth2/", status=500, count=1),)),
    FaultCase("token-429-burst", "2 x 429 with Retry-After: 1 on the token endpoint", "dt_instance", _instance_args("dt-ftok429"),
              (_fault(r"/oauth2/", status=429, retry_after=1, count=2),)),
    FaultCase("token-503-persistent", "503 on every token request", "dt_instance", _instance_args("dt-ftok503"),
              (_fault(r"/oauth2/", status=503, count=50),), expect="fail", words=("sign in", "503"), avoid=("Check the credentials",)),
    FaultCase("token-drop-persistent", "every token request's connection dropped", "dt_instance", _instance_args("dt-ftokdrop"),
              (_fault(r"/oauth2/", kind="drop", count=50),), expect="fail", words=("sign in",), avoid=("Check the credentials",)),
    # ---- replication delay (PrincipalNotFound) --------------------------------------------------------------------------
    FaultCase("principal-not-replicated-object-id", "service principal created 0 s ago, ARM knows it after 4 s (by object id)",
              "dt_role_assignment", dict(instance=INSTANCE, resource_group=RG, assignee_object_id="{fresh_id}",
                                         principal_type="ServicePrincipal", principal_wait_timeout=30), setup="fresh-principal"),
    FaultCase("principal-not-replicated-lookup", "service principal created 0 s ago, ARM knows it after 4 s (by display name)",
              "dt_role_assignment", dict(instance=INSTANCE, resource_group=RG, assignee="{fresh_name}", principal_wait_timeout=30),
              setup="fresh-principal", graph=True),
    # ---- Microsoft Graph ----------------------------------------------------------------------------------------------
    FaultCase("graph-429-burst", "2 x 429 with Retry-After: 1 on Microsoft Graph", "dt_role_assignment", _ASSIGN_BY_UPN,
              (_fault(r"^/v1\.0/", status=429, retry_after=1, count=2),), setup="instance", graph=True),
    FaultCase("graph-503-once", "1 x 503 on Microsoft Graph", "dt_role_assignment", _ASSIGN_BY_UPN,
              (_fault(r"^/v1\.0/", status=503, count=1),), setup="instance", graph=True),
    FaultCase("graph-429-persistent", "429 with Retry-After: 1 on every Microsoft Graph request", "dt_role_assignment",
              _ASSIGN_BY_UPN, (_fault(r"^/v1\.0/", status=429, retry_after=1, count=50),), setup="instance", graph=True,
              expect="fail", words=("429",)),
    FaultCase("graph-slow-read-named", "every Microsoft Graph answer after 3 s, client read timeout 1 s (dt_role_assignment)",
              "dt_role_assignment", _ASSIGN_BY_UPN, (_fault(r"^/v1\.0/", kind="slow", delay_seconds=3, count=20),),
              setup="instance", graph=True, client_settings={"read_timeout": 1}, expect="fail",
              words=("Microsoft Graph", "timed out", "(read timeout)"), avoid=("CA bundle", "network access")),
] + [
    # ---- instance and resource group: poller errors, the task's deadline, timeouts, a name taken by the instance itself
    FaultCase("arm-500-every-poll", "500 on every operation status poll (the instance itself provisions fine)", "dt_instance",
              _instance_args("dt-fpoll500"), (_fault(r"/operationsStatuses/", status=500, count=50),),
              client_settings={"retry_total": 2, "retry_status": 2, "retry_backoff_factor": 0.2},
              expect="fail", words=("status is unknown after 3 failed polls", "the instance is Succeeded at"),
              avoid=("ended with status",),
              leaves="the instance, Succeeded (Azure finished it); the re-run finds it unchanged"),
    FaultCase("arm-429-past-deadline", "429 with Retry-After: 40 on the instance PUT, wait_timeout: 5", "dt_instance",
              _instance_args("dt-fdeadline", wait_timeout=5),
              (_fault(_INSTANCE_PATH % "dt-fdeadline", status=429, retry_after=40, count=1, method="PUT"),),
              expect="fail", words=("wait_timeout (5 s", "Retry-After", "429", "not retried"), max_seconds=8),
    FaultCase("arm-429-past-deadline-group", "429 with Retry-After: 40 on the resource group PUT, wait_timeout: 5",
              "resource_group", dict(name="rg-fdeadline", location=LOCATION, wait_timeout=5),
              (_fault(r"/resourcegroups/rg-fdeadline$", status=429, retry_after=40, count=1, method="PUT"),), setup="none",
              expect="fail", words=("wait_timeout (5 s", "Retry-After", "429"), max_seconds=8),
    FaultCase("arm-slow-read-named", "every instance GET answered after 3 s, client read timeout 1 s (dt_instance)",
              "dt_instance", _instance_args("dt-fslowname"),
              (_fault(_INSTANCE_PATH % "dt-fslowname", kind="slow", delay_seconds=3, count=20, method="GET"),),
              client_settings={"read_timeout": 1, "retry_backoff_factor": 0.2}, expect="fail",
              words=("timed out", "(read timeout)", "GET /subscriptions/"), avoid=("CA trust", "CA bundle", "network access")),
    FaultCase("instance-name-taken-by-itself", "the first instance GET answers 404 (as before a concurrent run created it): "
              "checkNameAvailability then says taken", "dt_instance", _instance_args(INSTANCE),
              (_fault(_INSTANCE_PATH % INSTANCE, status=404, count=1, method="GET"),), setup="instance",
              returns=(("changed", False), ("instance.name", INSTANCE))),
]


@dataclass(frozen=True)
class BadInputCase:
    """Input that must fail with a clear message (all of ``words`` in it) before any write request is sent.

    ``module`` is a module name, ``role`` (the setup role, ``args`` are its variables) or ``teardown``.
    """

    id: str
    title: str
    module: str
    args: dict
    words: tuple
    env: dict = field(default_factory=dict)
    setup: str = "none"
    graph: bool = False
    # A product gap this case still shows: the test records it and xfails; once the gap is gone it fails, so the
    # marker must be removed.
    known_gap: str = ""


_ASSIGN = dict(instance=INSTANCE, resource_group=RG)
_ROLE = dict(setup_resource_group=RG, setup_instance_name="dt-rel-role", setup_location=LOCATION)
_NO_SECRET_AUTH = {"AZURE_CLIENT_ID": None, "AZURE_SECRET": None, "AZURE_TENANT": None}

BAD_INPUT_CASES = [
    # ---- resource_group --------------------------------------------------------------------------------------------------
    BadInputCase("rg-name-characters", "name with a slash", "resource_group", dict(name="rg/bad", location=LOCATION), ("rg/bad",)),
    BadInputCase("rg-name-trailing-dot", "name ending with a dot", "resource_group", dict(name="rg-bad.", location=LOCATION), ("rg-bad.",)),
    BadInputCase("rg-location-unknown", "unknown location", "resource_group", dict(name="rg-x", location="mars"), ("mars", "westus2")),
    BadInputCase("rg-tags-wrong-type", "tags given as a list", "resource_group", dict(name="rg-x", location=LOCATION, tags=["owner"]),
                 ("tags",)),
    BadInputCase("rg-state-choice", "state: gone", "resource_group", dict(name="rg-x", state="gone"), ("state",)),
    BadInputCase("rg-absent-not-empty", "state=absent on a group that holds an instance, without force", "resource_group",
                 dict(name=RG, state="absent"), ("force", INSTANCE), setup="instance"),
    # ---- dt_instance -------------------------------------------------------------------------------------------------
    BadInputCase("dt-name-hyphen", "name starting with a hyphen", "dt_instance", _instance_args("-bad-"), ("-bad-",)),
    BadInputCase("dt-name-short", "name of 2 characters", "dt_instance", _instance_args("ab"), ("'ab'",)),
    BadInputCase("dt-name-long", "name of 64 characters", "dt_instance", _instance_args("a" * 64), ("63",)),
    BadInputCase("dt-name-underscore", "name with an underscore", "dt_instance", _instance_args("dt_bad"), ("dt_bad",)),
    BadInputCase("dt-location-not-offered", "region without Azure Digital Twins (westus)", "dt_instance",
                 _instance_args("dt-rel-west", location="westus"), ("westus",), setup="group"),
    BadInputCase("dt-location-unknown", "unknown location", "dt_instance", _instance_args("dt-rel-mars", location="mars"), ("mars",),
                 setup="group"),
    BadInputCase("dt-location-change", "other location for an existing instance", "dt_instance",
                 _instance_args(INSTANCE, location="eastus"), ("location",), setup="instance"),
    BadInputCase("dt-name-taken", "name already used by an instance in another resource group", "dt_instance",
                 dict(name=INSTANCE, resource_group=RG2, location=LOCATION), (INSTANCE,), setup="instance+group2"),
    BadInputCase("dt-missing-resource-group", "resource group that does not exist", "dt_instance",
                 dict(name="dt-rel-orphan", resource_group="rg-missing", location=LOCATION), ("rg-missing",)),
    BadInputCase("dt-identity-type", "identity type Bogus", "dt_instance", _instance_args("dt-rel-id", identity={"type": "Bogus"}),
                 ("Bogus",), setup="group"),
    BadInputCase("dt-identity-user-assigned-empty", "identity UserAssigned without identities", "dt_instance",
                 _instance_args("dt-rel-id", identity={"type": "UserAssigned"}), ("user_assigned_identities",), setup="group"),
    BadInputCase("dt-network-access-choice", "public_network_access: Maybe", "dt_instance",
                 _instance_args("dt-rel-net", public_network_access="Maybe"), ("public_network_access",)),
    BadInputCase("dt-wait-timeout-zero", "wait_timeout: 0", "dt_instance", _instance_args("dt-rel-wait", wait_timeout=0), ("wait_timeout",)),
    BadInputCase("dt-tags-wrong-type", "tags given as a list", "dt_instance", _instance_args("dt-rel-tags", tags=["a"]), ("tags",)),
    BadInputCase("dt-delete-while-provisioning", "state=absent while the instance is still provisioning", "dt_instance",
                 dict(name="dt-rel-prov", resource_group=RG, state="absent", wait_timeout=5), ("dt-rel-prov",), setup="provisioning"),
    # ---- dt_instance_info ----------------------------------------------------------------------------------------------
    BadInputCase("info-name-characters", "name with ! and _", "dt_instance_info", dict(name="a_b!"), ("a_b!",)),
    # ---- dt_role_assignment --------------------------------------------------------------------------------------------
    BadInputCase("ra-object-id-not-guid", "assignee_object_id: alice", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id="alice", principal_type="User"), ("not an object id",)),
    BadInputCase("ra-object-id-short-guid", "assignee_object_id one digit short", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE[:-1], principal_type="User"), ("not an object id",)),
    BadInputCase("ra-role-unknown", "role: Data Wizard", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE, principal_type="User", role="Data Wizard"), ("Data Wizard",), setup="instance"),
    BadInputCase("ra-role-malformed-guid", "role: a GUID one digit short", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE, principal_type="User", role="bcd981a7-7f74-457b-83e1-cceb9e632ff"),
                 ("bcd981a7-7f74-457b-83e1-cceb9e632ff",), setup="instance"),
    BadInputCase("ra-assignee-ambiguous", "assignee: Dana Smith (two users)", "dt_role_assignment", dict(_ASSIGN, assignee="Dana Smith"),
                 ("ambiguous",), setup="instance", graph=True),
    BadInputCase("ra-assignee-unknown", "assignee: nobody@contoso.com", "dt_role_assignment",
                 dict(_ASSIGN, assignee="nobody@contoso.com"), ("nobody@contoso.com", "No user in the directory"), setup="instance",
                 graph=True),
    BadInputCase("ra-scope-and-instance", "scope and instance together", "dt_role_assignment",
                 dict(_ASSIGN, scope="/subscriptions/x", assignee_object_id=ALICE, principal_type="User"), ("mutually exclusive",)),
    BadInputCase("ra-assignee-and-object-id", "assignee and assignee_object_id together", "dt_role_assignment",
                 dict(_ASSIGN, assignee="alice@contoso.com", assignee_object_id=ALICE), ("mutually exclusive",)),
    BadInputCase("ra-principal-type-choice", "principal_type: Robot", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE, principal_type="Robot"), ("principal_type",)),
    BadInputCase("ra-object-id-without-type", "assignee_object_id without principal_type", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE), ("principal_type",)),
    BadInputCase("ra-scope-malformed", "scope: subscriptions/x", "dt_role_assignment",
                 dict(scope="subscriptions/x", assignee_object_id=ALICE, principal_type="User"), ("subscriptions/x",)),
    BadInputCase("ra-wait-wrong-type", "principal_wait_timeout: soon", "dt_role_assignment",
                 dict(_ASSIGN, assignee_object_id=ALICE, principal_type="User", principal_wait_timeout="soon"), ("principal_wait_timeout",)),
    BadInputCase("ra-instance-missing", "instance that does not exist", "dt_role_assignment",
                 dict(instance="dt-rel-nope", resource_group=RG, assignee_object_id=ALICE, principal_type="User"), ("dt-rel-nope",),
                 setup="group"),
    # hostile scopes: refused before any request (an HTTP stack removes dot segments: the write would land elsewhere)
    BadInputCase("ra-scope-escape-up", "scope: <instance id>/../../../../../.. (would be the subscription)", "dt_role_assignment",
                 dict(scope="{instance_id}/../../../../../..", assignee_object_id=ALICE, principal_type="User"),
                 ("'..' segments are not allowed",), setup="instance"),
    BadInputCase("ra-scope-dot-dot-same", "scope: <instance id>/x/.. (the same scope, never equal)", "dt_role_assignment",
                 dict(scope="{instance_id}/x/..", assignee_object_id=ALICE, principal_type="User"), ("not allowed",), setup="instance"),
    BadInputCase("ra-scope-dot", "scope: <instance id>/./", "dt_role_assignment",
                 dict(scope="{instance_id}/./", assignee_object_id=ALICE, principal_type="User"), ("is not an Azure scope",),
                 setup="instance"),
    BadInputCase("ra-scope-encoded-slash", "scope: <instance id>%2F..%2F..", "dt_role_assignment",
                 dict(scope="{instance_id}%2F..%2F..", assignee_object_id=ALICE, principal_type="User"), ("percent-encoding",),
                 setup="instance"),
    BadInputCase("ra-scope-empty-segment", "scope: <group>//providers/...", "dt_role_assignment",
                 dict(scope="{rg_scope}//providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt-rel-00000", assignee_object_id=ALICE,
                      principal_type="User"), ("empty segment",), setup="instance"),
    BadInputCase("ra-scope-query", "scope: <instance id>?api-version=2015-07-01", "dt_role_assignment",
                 dict(scope="{instance_id}?api-version=2015-07-01", assignee_object_id=ALICE, principal_type="User"), ("'?'",),
                 setup="instance"),
    BadInputCase("ra-scope-trailing-type", "scope: <instance id>/endpoints (a type without a name)", "dt_role_assignment",
                 dict(scope="{instance_id}/endpoints", assignee_object_id=ALICE, principal_type="User"), ("a name for every type",),
                 setup="instance"),
    BadInputCase("ra-list-bad-item", "assignments: the second item has an object id that is no GUID", "dt_role_assignment",
                 dict(_ASSIGN, assignments=[dict(assignee_object_id=ALICE, principal_type="User"),
                                            dict(assignee_object_id="alice", principal_type="User")]),
                 ("assignments[1] (alice,", "Nothing was changed"), setup="instance"),
    BadInputCase("ra-list-escape-item", "assignments: an item whose scope escapes upward", "dt_role_assignment",
                 dict(assignments=[dict(scope="{instance_id}/../..", assignee_object_id=ALICE, principal_type="User")]),
                 ("assignments[0]", "not allowed"), setup="instance"),
    BadInputCase("rai-scope-escape-up", "scope: <instance id>/../../../../../..", "dt_role_assignment_info",
                 dict(scope="{instance_id}/../../../../../.."), ("'..' segments are not allowed",), setup="instance"),
    # ---- dt_role_assignment_info ---------------------------------------------------------------------------------------
    BadInputCase("rai-inherited-wrong-type", "include_inherited: maybe", "dt_role_assignment_info",
                 dict(_ASSIGN, include_inherited="maybe"), ("include_inherited",)),
    BadInputCase("rai-role-unknown", "role: Data Wizard", "dt_role_assignment_info", dict(_ASSIGN, role="Data Wizard"), ("Data Wizard",),
                 setup="instance"),
    # ---- credentials and cloud (shared by every module) ------------------------------------------------------------------
    BadInputCase("auth-no-credentials", "no credentials at all", "dt_instance", _instance_args("dt-rel-auth"), ("No Azure credentials",),
                 env=dict(_NO_SECRET_AUTH, PATH="/nonexistent")),
    BadInputCase("auth-wrong-secret", "wrong client secret", "dt_instance", _instance_args("dt-rel-auth"), ("AADSTS7000215",),
                 env={"AZURE_SECRET": "rel-wrong-secret-value"}),
    BadInputCase("auth-unknown-client", "unknown client id", "dt_instance", _instance_args("dt-rel-auth"), ("AADSTS700016",),
                 env={"AZURE_CLIENT_ID": "00000000-0000-4000-8000-000000000000"}),
    BadInputCase("auth-unknown-tenant", "unknown tenant", "dt_instance", _instance_args("dt-rel-auth"), ("tenant",),
                 env={"AZURE_TENANT": "00000000-0000-4000-8000-00000000dead"}),
    BadInputCase("auth-subscription-not-guid", "subscription_id: prod", "dt_instance", _instance_args("dt-rel-auth", subscription_id="prod"),
                 ("subscription_id",)),
    BadInputCase("auth-certificate-missing", "certificate_path that does not exist", "dt_instance",
                 _instance_args("dt-rel-auth", certificate_path="/nonexistent/cert.pem"), ("/nonexistent/cert.pem",),
                 env={"AZURE_SECRET": None}),
    BadInputCase("auth-cloud-not-https", "cloud_environment: http://example.invalid", "dt_instance",
                 _instance_args("dt-rel-auth", cloud_environment="http://example.invalid"), ("cloud_environment",)),
    BadInputCase("auth-metadata-unreachable", "cloud metadata URL that does not answer", "dt_instance", _instance_args("dt-rel-auth"),
                 ("metadata",), env={"AZURE_CLOUD_ENVIRONMENT": "https://127.0.0.1:1"}),
    # ---- the setup role --------------------------------------------------------------------------------------------------
    BadInputCase("role-instance-name", "setup_instance_name: -bad-", "role", dict(_ROLE, setup_instance_name="-bad-"), ("-bad-",)),
    BadInputCase("role-no-location", "setup_state=present without setup_location", "role",
                 {k: v for k, v in _ROLE.items() if k != "setup_location"}, ("location is required to create it",)),
    BadInputCase("role-location-not-offered", "setup_location: westus", "role", dict(_ROLE, setup_location="westus"), ("westus",)),
    BadInputCase("role-state-choice", "setup_state: gone", "role", dict(_ROLE, setup_state="gone"), ("setup_state",)),
    BadInputCase("role-exclusive-wrong-type", "setup_exclusive: sometimes", "role", dict(_ROLE, setup_exclusive="sometimes"),
                 ("setup_exclusive",)),
    BadInputCase("role-no-resource-group", "setup_create_resource_group=false and no group", "role",
                 dict(_ROLE, setup_create_resource_group=False), (RG,)),
    BadInputCase("role-object-id-without-type", "setup_role_assignments entry with an object id and no type", "role",
                 dict(_ROLE, setup_role_assignments=[{"assignee_object_id": ALICE}]), ("principal_type",)),
    BadInputCase("role-unknown-owner", "setup_data_owners: nobody@contoso.com", "role",
                 dict(_ROLE, setup_data_owners=["nobody@contoso.com"]), ("nobody@contoso.com", "No user in the directory"), graph=True),
    BadInputCase("role-ambiguous-reader", "setup_data_readers: Dana Smith (two users)", "role",
                 dict(_ROLE, setup_data_readers=["Dana Smith"]), ("ambiguous",), graph=True),
    BadInputCase("role-unknown-role", "setup_role_assignments role: Data Wizard", "role",
                 dict(_ROLE, setup_role_assignments=[{"assignee_object_id": ALICE, "principal_type": "User", "role": "Data Wizard"}]),
                 ("Data Wizard",)),
] + [
    # ---- instance and resource group: tag limits on the merged result (purge_tags: false), in check mode too ------------
    BadInputCase("rg-tags-merged-past-limit", "10 new tags merged into a group's 45 (purge_tags: false)", "resource_group",
                 dict(name=RG, tags={"new%02d" % i: "v" for i in range(10)}, purge_tags=False), ("55 tags", "at most 50"),
                 setup="group-45-tags"),
    BadInputCase("rg-tags-merged-past-limit-check", "the same in check mode", "resource_group",
                 dict(name=RG, tags={"new%02d" % i: "v" for i in range(10)}, purge_tags=False, check=True),
                 ("55 tags", "at most 50"), setup="group-45-tags"),
    BadInputCase("dt-tags-merged-past-limit", "10 new tags merged into an instance's 45 (purge_tags: false)", "dt_instance",
                 _instance_args("dt-rel-tagged", tags={"new%02d" % i: "v" for i in range(10)}, purge_tags=False),
                 ("55 tags", "at most 50"), setup="instance-45-tags"),
    BadInputCase("dt-tags-merged-past-limit-check", "the same in check mode", "dt_instance",
                 _instance_args("dt-rel-tagged", tags={"new%02d" % i: "v" for i in range(10)}, purge_tags=False, check=True),
                 ("55 tags", "at most 50"), setup="instance-45-tags"),
    BadInputCase("dt-tag-name-forbidden", "tag name with '<'", "dt_instance", _instance_args("dt-rel-tags", tags={"a<b": "1"}),
                 ("a<b",), setup="group"),
    BadInputCase("dt-tag-value-long", "tag value of 257 characters", "dt_instance",
                 _instance_args("dt-rel-tags", tags={"a": "v" * 257}), ("256",), setup="group"),
]

# Checks that are not rows of the two tables above; each test records its outcome under one of these ids.
CHECKS = [
    ("secrets-playbook-verbose", "Secrets", "playbooks at -vvvv with --diff print no client secret, certificate password or access "
     "token: with ANSIBLE_DEBUG=1 and the credentials in the environment (secret; certificate and its password), and with "
     "secrets given as module options (one right, two wrong)"),
    ("secrets-module-results", "Secrets", "returned values, diffs, warnings and exception tracebacks of in-process runs at verbosity 4 "
     "hold no secret or token"),
    ("secrets-ansible-runner", "Secrets", "ansible-runner at verbosity 4 with --diff (a change, a secret given as an option, a failed "
     "sign-in): job events, stdout and every artifact but artifacts/<id>/command hold no secret or token"),
    ("race-modules", "Races", "3 concurrent playbooks (resource group, instance, 2 assignments): one instance, no duplicate "
     "assignment, every run succeeds or fails cleanly, a re-run changes nothing"),
    ("race-role", "Races", "2 concurrent runs of the setup role (setup_exclusive) on the same instance: one instance, no duplicate "
     "assignment, every run succeeds or fails cleanly"),
    ("role-rollback-failed-instance", "Rollback", "the setup role creates a resource group and an instance whose provisioning "
     "ends Failed: the rollback deletes the Failed instance, then the group; the message gives the original error first, "
     "then what was created and rolled back, and never says nothing was changed"),
    ("lp-module-scope", "Least privilege", "dt_role_assignment with instance assigns at the instance scope, nothing above it"),
    ("lp-role-scope", "Least privilege", "the setup role assigns every declared role at the instance scope"),
    ("lp-exclusive", "Least privilege", "setup_exclusive removes only undeclared direct Data Owner/Reader assignments on the "
     "instance; inherited ones, other roles and other instances stay"),
    ("lp-teardown", "Least privilege", "teardown deletes only its instance (and the assignments on it); the other instance, the "
     "resource group and assignments above the instance stay"),
    ("lp-no-rights", "Least privilege", "the setup role run by a principal without any role changes nothing and sends no accepted "
     "write"),
    ("lp-contributor", "Least privilege", "the setup role run by a Contributor (may create, may not assign) fails in its "
     "dry run with a clear message and sends no write request at all"),
    ("lp-contributor-existing", "Least privilege", "the setup role run by a Contributor on an existing instance, with new tags "
     "for the group and the instance and public network access disabled: the dry run plans every change, fails at the "
     "role assignments and no write request is sent at all (the request log shows none)"),
    ("lp-contributor-new-group", "Least privilege", "the same in a resource group that does not exist yet (Azure cannot tell the "
     "permissions there in advance): the role creates the group and the instance, the access call refuses before its "
     "first write, and the host's rollback deletes the instance and the group; no role assignment write is sent"),
] + [
    # ---- instance and resource group ---------------------------------------------------------------------------------
    ("rollback-failed-instance", "Rollback", "an instance whose create ends Failed, in a group made for it: the failed result "
     "says created: true with the instance's id and state; resource_group state=absent refuses the group without "
     "delete_resources and deletes it (instance included) with delete_resources: [that id]"),
    ("race-instance-name", "Races", "4 concurrent playbooks creating the same resource group and instance: every run "
     "succeeds (a name taken by the instance being created is that instance, not a conflict), one instance"),
]
