# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import sys

import pytest
from azure.core import exceptions as azure_exceptions

from ansible_collections.twinops.digital_twins.plugins.module_utils import _clients
from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import (
    AzureSession,
    Deadline,
    read_or_none,
    wait_for_lro,
    wait_until,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import SUB, TENANT, FakePoller, FakeResponse, http_error


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_deadline():
    clock = Clock()
    deadline = Deadline(30, clock=clock)
    assert deadline.remaining() == 30
    clock.now += 31
    assert deadline.remaining() == 0
    assert deadline.expired()


class TestWaitForLro:
    def test_result(self):
        poller = FakePoller(result="done")
        assert wait_for_lro(poller, Deadline(60), "create x", "x to be created") == "done"
        assert 59 < poller.waited[0] <= 60

    def test_timeout_says_the_operation_continues(self):
        poller = FakePoller(hang=True)
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(7), "create instance 'dt1'", "instance 'dt1' to be created")
        message = str(info.value)
        assert "Timed out after 7 s waiting for instance 'dt1' to be created" in message
        assert "continues in Azure" in message and "re-running the task" in message
        assert info.value.code == "OperationTimedOut"

    def test_failed_provisioning_carries_azure_code(self):
        response = FakeResponse(200, {"status": "Failed", "error": {"code": "ProvisioningFailed",
                                                                    "message": "Quota exceeded in westus2."}},
                                headers={"x-ms-request-id": "poll-9"})
        poller = FakePoller(error=azure_exceptions.HttpResponseError(response=response), status="Failed")
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "instance 'dt1' to be created")
        assert info.value.message == ("Could not create instance 'dt1': the operation ended with status Failed: "
                                      "Quota exceeded in westus2.")
        assert info.value.code == "ProvisioningFailed"
        assert info.value.request_id == "poll-9"

    def test_canceled_without_error_body(self):
        response = FakeResponse(200, {"status": "Canceled"})
        poller = FakePoller(error=azure_exceptions.HttpResponseError(response=response), status="Canceled")
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(60), "delete instance 'dt1'", "x")
        assert info.value.message == "Could not delete instance 'dt1': the operation ended with status Canceled."
        assert info.value.code == "ProvisioningCanceled"

    def test_http_error_while_polling(self):
        poller = FakePoller(error=http_error(403, "AuthorizationFailed", "no"), status="InProgress")
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "x")
        assert info.value.code == "AuthorizationFailed"


class TestWaitUntil:
    def test_backs_off_and_returns(self):
        values = iter(["Provisioning", "Provisioning", "Provisioning", "Succeeded"])
        sleeps = []
        result = wait_until(lambda: next(values), lambda value: value == "Succeeded", Deadline(100), "x",
                            sleep=sleeps.append)
        assert result == "Succeeded"
        assert sleeps == [1.0, 2.0, 4.0]

    def test_times_out_with_state(self):
        clock = Clock()
        deadline = Deadline(3, clock=clock)

        def sleep(seconds):
            clock.now += seconds

        with pytest.raises(DigitalTwinsError, match=r"Timed out after 3 s waiting for x \(provisioning state: Updating\)"):
            wait_until(lambda: "Updating", lambda value: False, deadline, "x", sleep=sleep, state_of=lambda v: v)


class TestReadOrNone:
    def test_not_found_is_none(self):
        def get():
            raise http_error(404, "ResourceNotFound", "gone")
        assert read_or_none("read x", get) is None

    def test_missing_resource_group_is_an_error(self):
        def get():
            raise http_error(404, "ResourceGroupNotFound", "Resource group 'rg' could not be found.")
        with pytest.raises(DigitalTwinsError) as info:
            read_or_none("read x", get)
        assert info.value.code == "ResourceGroupNotFound"

    def test_forbidden_is_never_absent(self):
        def get():
            raise http_error(403, "AuthorizationFailed", "no")
        with pytest.raises(DigitalTwinsError, match="Could not read x"):
            read_or_none("read x", get)


def session_params(**extra):
    params = dict(auth_source="auto", subscription_id=SUB, tenant=TENANT, client_id="c", secret="s", certificate_path=None,
                  certificate_password=None, federated_token_file=None, ad_user=None, password=None,
                  cloud_environment="AzureCloud")
    params.update(extra)
    return params


class FakeCredential:
    def __init__(self, error=None):
        self.error = error
        self.scopes = []

    def get_token_info(self, scope, **kwargs):
        self.scopes.append(scope)
        if self.error:
            raise self.error
        return type("Token", (), {"token": "t0k3n"})()


class TestSession:
    def test_preflight_needs_no_request(self):
        def fetch(url):
            raise AssertionError("no request in preflight")
        session = AzureSession(session_params(cloud_environment="https://arm.private.test"), fetch=fetch)
        assert session.preflight() == "secret"

    @pytest.mark.parametrize("params, words", [
        (dict(subscription_id=None), "subscription_id is required"),
        (dict(subscription_id="prod"), "must be a GUID"),
        (dict(cloud_environment="Mars"), "neither a known cloud"),
        (dict(client_id=None, secret=None, auth_source="env"), "No Azure credentials"),
    ])
    def test_preflight_errors(self, params, words):
        with pytest.raises(DigitalTwinsError, match=words):
            AzureSession(session_params(**params)).preflight()

    def test_clients_share_one_credential_and_sign_in_once(self, monkeypatch):
        session = AzureSession(session_params())
        credential = FakeCredential()
        session._credential = credential  # pylint: disable=protected-access
        created = []

        class Client:
            def __init__(self, cred, subscription, **kwargs):
                created.append((cred, subscription, kwargs))

        monkeypatch.setattr(_clients, "import_client_class", lambda kind: Client)
        first = session.client("digitaltwins")
        assert session.client("digitaltwins") is first
        session.client("resource")
        assert credential.scopes == ["https://management.azure.com/.default"]
        assert [entry[0] for entry in created] == [credential, credential]
        kwargs = created[0][2]
        assert kwargs["base_url"] == "https://management.azure.com"
        assert kwargs["credential_scopes"] == ["https://management.azure.com/.default"]
        assert kwargs["polling_interval"] == 5 and kwargs["retry_total"] == 6

    def test_sign_in_failure_is_one_clear_error(self, monkeypatch):
        session = AzureSession(session_params())
        session._credential = FakeCredential(azure_exceptions.ClientAuthenticationError(  # pylint: disable=protected-access
            message="Authentication failed: AADSTS90002: Tenant 'nope' not found.\r\nTrace ID: 1234abcd-0000"))

        class Client:
            def __init__(self, *args, **kwargs):
                pytest.fail("no client without a token")

        monkeypatch.setattr(_clients, "import_client_class", lambda kind: Client)
        with pytest.raises(DigitalTwinsError) as info:
            session.client("digitaltwins")
        assert info.value.code == "AADSTS90002"
        assert info.value.message == "Could not sign in to Azure: AADSTS90002: Tenant 'nope' not found."
        assert info.value.request_id == "1234abcd-0000"

    def test_msal_value_error_becomes_sign_in_error(self):
        session = AzureSession(session_params())
        session._credential = FakeCredential(ValueError("Unable to get authority configuration for "  # pylint: disable=protected-access
                                                        "https://login.private.test/nope"))
        with pytest.raises(DigitalTwinsError) as info:
            session.token("https://management.azure.com/.default")
        assert info.value.message == "Could not sign in to Azure: the login endpoint https://login.private.test does not know tenant 'nope'."
        assert info.value.code == "TenantNotFound"

    def test_missing_sdk_package(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "azure.mgmt.digitaltwins", None)
        with pytest.raises(DigitalTwinsError, match=r"azure-mgmt-digitaltwins is required .*pip install azure-mgmt-digitaltwins"):
            _clients.import_client_class("digitaltwins")


# ---- the task's deadline in the HTTP pipeline; a poller that gives up ------------------------------------------

class _Transport:
    def __init__(self):
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)


def _pipeline_response(status, headers=None, method="PUT", url="https://arm.example/subscriptions/s/x?api-version=1"):
    from azure.core.pipeline import PipelineContext, PipelineResponse
    from azure.core.rest import HttpRequest

    request = HttpRequest(method, url)
    response = FakeResponse(status, {}, headers=headers or {})
    return PipelineResponse(request, response, PipelineContext(None))


class TestDeadlineRetryPolicy:
    def policy(self, deadline):
        return _clients.deadline_retry_policy(lambda: deadline)

    def test_retry_after_past_the_deadline_is_not_waited_for(self):
        clock = Clock()
        policy = self.policy(Deadline(5, clock=clock))
        transport = _Transport()
        clock.now += 1
        with pytest.raises(_clients.DeadlineReached) as info:
            policy.sleep(policy.configure_retries({}), transport, _pipeline_response(429, {"Retry-After": "40"}))
        assert transport.slept == []
        assert info.value.message == ("PUT /subscriptions/s/x answered HTTP 429 and Azure asks to retry in 40 s "
                                      "(Retry-After), after wait_timeout (5 s) ends: not retried.")

    def test_retry_after_within_the_deadline_is_waited_for(self):
        policy = self.policy(Deadline(60))
        transport = _Transport()
        policy.sleep(policy.configure_retries({}), transport, _pipeline_response(429, {"Retry-After": "2"}))
        assert transport.slept == [2]

    def test_without_deadline_it_is_the_plain_policy(self):
        policy = self.policy(None)
        transport = _Transport()
        policy.sleep(policy.configure_retries({}), transport, _pipeline_response(429, {"Retry-After": "40"}))
        assert transport.slept == [40]

    def test_no_write_after_the_deadline_and_reads_only_in_the_grace(self):
        from azure.core.rest import HttpRequest
        clock = Clock()
        deadline = Deadline(5, clock=clock)
        clock.now += 6
        refuse = _clients.deadline_retry_policy(lambda: deadline)._refuse_late
        with pytest.raises(_clients.DeadlineReached, match="PUT /x was not sent"):
            refuse(deadline, HttpRequest("PUT", "https://arm.example/x"))
        refuse(deadline, HttpRequest("GET", "https://arm.example/x"))
        clock.now += _clients.READ_GRACE_SECONDS
        with pytest.raises(_clients.DeadlineReached):
            refuse(deadline, HttpRequest("GET", "https://arm.example/x"))

    def test_call_names_the_action(self):
        def send():
            raise _clients.DeadlineReached("PUT /x answered HTTP 429; ...")
        with pytest.raises(DigitalTwinsError) as info:
            _clients.call("create instance 'dt1'", send)
        assert info.value.message.startswith("Could not create instance 'dt1': timed out: PUT /x answered HTTP 429")
        assert info.value.code == "OperationTimedOut"


class TestPollerGivesUp:
    def error_500(self):
        from azure.core.polling.base_polling import BadStatus
        try:
            try:
                raise BadStatus("Invalid return status 500 for 'GET' operation")
            except BadStatus as cause:
                body = {"error": {"code": "InternalServerError", "message": "oops"}}
                raise azure_exceptions.HttpResponseError(response=FakeResponse(500, body), error=cause) from cause
        except azure_exceptions.HttpResponseError as exc:
            return exc

    def test_status_unknown_says_what_the_instance_is(self, monkeypatch):
        monkeypatch.setitem(_clients.CLIENT_SETTINGS, "retry_total", 2)
        poller = FakePoller(error=self.error_500(), status="Failed")
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "x", read_state=lambda: "Succeeded",
                         noun="the instance")
        message = info.value.message
        assert message.startswith("Could not create instance 'dt1': the operation's status is unknown after 3 failed polls "
                                  "(HTTP 500 InternalServerError); the instance is Succeeded at 20")
        assert "ended with status" not in message
        assert "re-running the task" in info.value.hint

    def test_a_failed_state_read_from_azure_is_azures_verdict(self):
        poller = FakePoller(error=self.error_500(), status="Failed")
        with pytest.raises(DigitalTwinsError) as info:
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "x", read_state=lambda: "Failed", noun="the instance")
        assert "the operation ended with status Failed (read from the instance" in info.value.message
        assert info.value.code == "ProvisioningFailed"

    def test_absent_and_unreadable(self):
        poller = FakePoller(error=self.error_500(), status="Failed")
        with pytest.raises(DigitalTwinsError, match="the instance does not exist at"):
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "x", read_state=lambda: None, noun="the instance")

        def unreadable():
            raise DigitalTwinsError("Could not read instance 'dt1': HTTP 500")
        with pytest.raises(DigitalTwinsError, match="could not be read either"):
            wait_for_lro(poller, Deadline(60), "create instance 'dt1'", "x", read_state=unreadable, noun="the instance")
