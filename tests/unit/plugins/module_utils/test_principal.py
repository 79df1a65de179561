# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assignee resolution: input classification, lookup order, ambiguity, not-found and access errors."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._cloud import Cloud
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._graph import GraphError, ca_verify, graph_base_url
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import (
    classify,
    display_names,
    given,
    guest_upn_prefix,
    resolve,
)

ALICE = {"id": "0e000000-0000-4000-8000-00000000a11c", "principal_type": "User", "display_name": "Alice Anders",
         "user_principal_name": "alice@contoso.com", "user_type": "Member"}
BOB = {"id": "0e000000-0000-4000-8000-00000000b0b0", "principal_type": "User", "display_name": "Bob",
       "user_principal_name": "bob_outlook.com#EXT#@contoso.onmicrosoft.com", "user_type": "Guest"}
DANA_1 = {"id": "0e000000-0000-4000-8000-00000000da01", "principal_type": "User", "display_name": "Dana Smith",
          "user_principal_name": "dana.smith@contoso.com"}
DANA_2 = dict(DANA_1, id="0e000000-0000-4000-8000-00000000da02", user_principal_name="dana.smith2@contoso.com")
SP = {"id": "a0700000-0000-4000-8000-0000000000a4", "principal_type": "ServicePrincipal", "display_name": "sp-pipeline",
      "app_id": "a0700000-0000-4000-8000-0000000000c4"}
GROUP = {"id": "06000000-0000-4000-8000-0000000000d7", "principal_type": "Group", "display_name": "dt-operators"}


class FakeQueries:
    """Answers keyed by (method, argument); records every call in order."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    async def _answer(self, method, argument, default):
        self.calls.append((method, argument))
        answer = self.answers.get((method, argument), default)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def user(self, key):
        return await self._answer("user", key, None)

    async def users(self, odata_filter):
        return await self._answer("users", odata_filter, [])

    async def service_principals(self, odata_filter):
        return await self._answer("service_principals", odata_filter, [])

    async def groups(self, odata_filter):
        return await self._answer("groups", odata_filter, [])

    async def directory_object(self, object_id):
        return await self._answer("directory_object", object_id, None)

    async def by_ids(self, object_ids):
        return await self._answer("by_ids", tuple(sorted(object_ids)), [])


class FakeDirectory:
    def __init__(self, answers=None):
        self.queries = FakeQueries(answers or {})
        self.runs = 0

    def run(self, work):
        self.runs += 1
        return asyncio.run(work(self.queries))


def denied():
    return GraphError("Could not list users in Microsoft Graph: Insufficient privileges", code="Authorization_RequestDenied",
                      status=403)


@pytest.mark.parametrize("value, kind", [
    ("alice@contoso.com", "email"),
    ("bob_outlook.com#EXT#@contoso.onmicrosoft.com", "email"),
    ("0E000000-0000-4000-8000-00000000A11C", "object_id"),
    ("sp-pipeline", "name"),
    ("Dana Smith", "name"),
])
def test_classify(value, kind):
    assert classify(value) == kind


@pytest.mark.parametrize("value", ["", "   ", "a" * 300, "alice@", "@contoso.com", "al ice@contoso.com", "x\ny"])
def test_classify_rejects_impossible_values(value):
    with pytest.raises(DigitalTwinsError):
        classify(value)


def test_guest_upn_prefix():
    assert guest_upn_prefix("bob@outlook.com") == "bob_outlook.com#EXT#@"


def test_given_needs_a_guid_and_a_type():
    principal = given("0E000000-0000-4000-8000-00000000A11C", "User")
    assert (principal.id, principal.principal_type, principal.resolved_by) == (ALICE["id"], "User", "given")
    with pytest.raises(DigitalTwinsError, match="is not an object id"):
        given("alice@contoso.com", "User")
    with pytest.raises(DigitalTwinsError, match="principal_type must be one of"):
        given(ALICE["id"], "Person")
    assert given(ALICE["id"], None).principal_type is None


def test_upn_first_and_nothing_else():
    directory = FakeDirectory({("user", "alice@contoso.com"): ALICE})
    principal = resolve("alice@contoso.com", directory)
    assert (principal.id, principal.resolved_by, principal.principal_type) == (ALICE["id"], "userPrincipalName", "User")
    assert directory.queries.calls == [("user", "alice@contoso.com")]
    assert directory.runs == 1


def test_email_falls_back_in_order_mail_other_mails_guest_upn():
    mail = "mail eq 'bob@outlook.com'"
    other = "otherMails/any(m:m eq 'bob@outlook.com')"
    guest = "startswith(userPrincipalName,'bob_outlook.com#EXT#@')"
    # Only the guest form knows Bob: resolved by it.
    directory = FakeDirectory({("users", guest): [BOB]})
    principal = resolve("bob@outlook.com", directory)
    assert principal.resolved_by == "guest_upn"
    assert directory.queries.calls[0] == ("user", "bob@outlook.com")
    assert sorted(c[1] for c in directory.queries.calls[1:]) == sorted([mail, other, guest])
    # otherMails beats the guest form, mail beats both.
    assert resolve("bob@outlook.com", FakeDirectory({("users", other): [BOB], ("users", guest): [BOB]})).resolved_by == "otherMails"
    assert resolve("bob@outlook.com", FakeDirectory({("users", mail): [BOB], ("users", other): [BOB]})).resolved_by == "mail"


def test_guest_gets_the_tenant_warning():
    principal = resolve("bob@outlook.com", FakeDirectory({("users", "mail eq 'bob@outlook.com'"): [BOB]}))
    assert principal.warnings and "Sub-Domain not found" in principal.warnings[0]
    assert not resolve("alice@contoso.com", FakeDirectory({("user", "alice@contoso.com"): ALICE})).warnings


def test_email_quotes_are_escaped():
    directory = FakeDirectory()
    with pytest.raises(DigitalTwinsError):
        resolve("o'neil@contoso.com", directory)
    assert ("users", "mail eq 'o''neil@contoso.com'") in directory.queries.calls


def test_two_users_with_the_same_mail_are_ambiguous():
    directory = FakeDirectory({("users", "mail eq 'dana@contoso.com'"): [DANA_1, DANA_2]})
    with pytest.raises(DigitalTwinsError, match="ambiguous") as info:
        resolve("dana@contoso.com", directory)
    assert "dana.smith@contoso.com" in str(info.value) and "dana.smith2@contoso.com" in str(info.value)


def test_unknown_email_explains_guests_personal_accounts_and_the_bypass():
    with pytest.raises(DigitalTwinsError) as info:
        resolve("nobody@outlook.com", FakeDirectory())
    message = str(info.value)
    assert "nobody_outlook.com#EXT#@" in message
    assert "personal Microsoft accounts" in message
    assert "assignee_object_id" in message and "principal_type" in message


def test_object_id_then_app_id():
    directory = FakeDirectory({("directory_object", SP["id"]): SP})
    assert resolve(SP["id"].upper(), directory).resolved_by == "object_id"
    assert directory.queries.calls == [("directory_object", SP["id"])]

    directory = FakeDirectory({("service_principals", "appId eq '%s'" % SP["app_id"]): [SP]})
    principal = resolve(SP["app_id"], directory)
    assert (principal.id, principal.resolved_by, principal.principal_type) == (SP["id"], "app_id", "ServicePrincipal")
    assert [c[0] for c in directory.queries.calls] == ["directory_object", "service_principals"]


def test_application_object_id_is_explained():
    app = {"id": "0a000000-0000-4000-8000-000000000001", "odata_type": "#microsoft.graph.application", "principal_type": None,
           "display_name": "my-app"}
    with pytest.raises(DigitalTwinsError, match="application registration"):
        resolve(app["id"], FakeDirectory({("directory_object", app["id"]): app}))


def test_display_name_searches_users_service_principals_and_groups():
    directory = FakeDirectory({("groups", "displayName eq 'dt-operators'"): [GROUP]})
    principal = resolve("dt-operators", directory)
    assert (principal.id, principal.principal_type, principal.resolved_by) == (GROUP["id"], "Group", "display_name")
    assert sorted(c[0] for c in directory.queries.calls) == ["groups", "service_principals", "users"]


def test_display_name_matching_two_objects_is_ambiguous():
    directory = FakeDirectory({("users", "displayName eq 'Dana Smith'"): [DANA_1, DANA_2]})
    with pytest.raises(DigitalTwinsError, match="ambiguous.*2 directory objects") as info:
        resolve("Dana Smith", directory)
    assert DANA_1["id"] in str(info.value) and DANA_2["id"] in str(info.value)
    # Same name on a user and a service principal: ambiguous too.
    directory = FakeDirectory({("users", "displayName eq 'x'"): [ALICE], ("service_principals", "displayName eq 'x'"): [SP]})
    with pytest.raises(DigitalTwinsError, match="ambiguous"):
        resolve("x", directory)


def test_graph_permission_denied_says_how_to_bypass():
    with pytest.raises(DigitalTwinsError) as info:
        resolve("alice@contoso.com", FakeDirectory({("user", "alice@contoso.com"): denied()}))
    assert info.value.status == 403
    assert "assignee_object_id" in str(info.value)


def test_one_unsupported_filter_does_not_hide_a_hit_but_all_failing_is_an_error():
    unsupported = GraphError("unsupported", code="Request_UnsupportedQuery", status=400)
    other = "otherMails/any(m:m eq 'bob@outlook.com')"
    directory = FakeDirectory({("users", other): unsupported, ("users", "mail eq 'bob@outlook.com'"): [BOB]})
    assert resolve("bob@outlook.com", directory).resolved_by == "mail"

    filters = ("mail eq 'bob@outlook.com'", other, "startswith(userPrincipalName,'bob_outlook.com#EXT#@')")
    everything_fails = {("users", f): unsupported for f in filters}
    with pytest.raises(GraphError, match="unsupported"):
        resolve("bob@outlook.com", FakeDirectory(everything_fails))


def test_validation_happens_before_the_directory_is_touched():
    directory = FakeDirectory()
    with pytest.raises(DigitalTwinsError):
        resolve("  ", directory)
    assert directory.runs == 0


def test_display_names_in_one_batch():
    directory = FakeDirectory({("by_ids", (ALICE["id"], SP["id"])): [ALICE, SP]})
    assert display_names([SP["id"], ALICE["id"]], directory) == {ALICE["id"]: "Alice Anders", SP["id"]: "sp-pipeline"}
    assert directory.runs == 1
    assert display_names([], directory) == {}
    assert directory.runs == 1


def test_msgraph_is_imported_only_when_a_lookup_runs():
    """Each task is a fresh Python: importing the modules and resolving offline must not load msgraph (~300 ms)."""
    code = textwrap.dedent("""\
        import sys
        from ansible_collections.twinops.digital_twins.plugins.modules import dt_role_assignment, dt_role_assignment_info
        from ansible_collections.twinops.digital_twins.plugins.module_utils import _principal, _roles
        _principal.given("0e000000-0000-4000-8000-00000000a11c", "User")
        _roles.resolve_role("Azure Digital Twins Data Owner", "/subscriptions/x", None)
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("msgraph", "kiota_abstractions", "httpx")))
        """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_graph_base_url_and_ca_bundle(tmp_path):
    cloud = Cloud("Test", "https://login.example.test", "https://arm.example.test/", "https://arm.example.test/",
                  "https://graph.example.test/", "https://graph.example.test/", custom=True)
    assert graph_base_url(cloud) == "https://graph.example.test/v1.0"
    no_graph = Cloud("Stack", "https://login.example.test", "https://arm.example.test/", "https://arm.example.test/", None, None, custom=True)
    with pytest.raises(DigitalTwinsError, match="advertises no Microsoft Graph endpoint"):
        graph_base_url(no_graph)
    assert ca_verify({}) is True
    assert ca_verify({"SSL_CERT_FILE": "/x.pem", "REQUESTS_CA_BUNDLE": "/y.pem"}) is True  # httpx reads SSL_CERT_FILE itself
    with pytest.raises(DigitalTwinsError, match="REQUESTS_CA_BUNDLE"):
        ca_verify({"REQUESTS_CA_BUNDLE": str(tmp_path / "missing.pem")})
