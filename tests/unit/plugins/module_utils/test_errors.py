# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from azure.core import exceptions as azure_exceptions

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import (
    DigitalTwinsError,
    authentication_error,
    available_regions,
    azure_errors,
    error_code,
    first_line,
    from_azure,
    is_not_found,
    short_reason,
)
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import http_error

REGIONS_MESSAGE = ("The provided location 'brazilsouth' is not available for resource type "
                   "'Microsoft.DigitalTwins/digitalTwinsInstances'. List of available regions for the resource type is "
                   "'westcentralus,westus2,northeurope'.")


def test_str_carries_code_status_request_id_and_hint():
    error = DigitalTwinsError("Could not x", code="C", status=403, request_id="r-1", hint="Do y.")
    assert str(error) == "Could not x (code: C, HTTP 403, request id: r-1) Do y."
    assert error.to_result() == {"error_code": "C", "status_code": 403, "request_id": "r-1"}
    assert str(DigitalTwinsError("plain")) == "plain"
    assert DigitalTwinsError("plain").to_result() == {}


def test_arm_error_keeps_code_message_and_request_id():
    exc = http_error(403, "AuthorizationFailed", "The client 'x' does not have authorization to perform action "
                     "'Microsoft.DigitalTwins/digitalTwinsInstances/write'.", headers={"x-ms-request-id": "req-42"})
    error = from_azure(exc, "create instance 'dt1'")
    assert error.code == "AuthorizationFailed"
    assert error.status == 403
    assert error.request_id == "req-42"
    assert error.message.startswith("Could not create instance 'dt1': The client 'x' does not have authorization")
    assert "Contributor or Owner" in error.hint
    assert "\n" not in str(error)


def test_correlation_id_is_used_without_request_id():
    exc = http_error(500, "InternalServerError", "boom", headers={"x-ms-correlation-request-id": "corr-1"})
    assert from_azure(exc, "read").request_id == "corr-1"


def test_location_not_available_lists_the_regions_from_the_message():
    exc = http_error(400, "LocationNotAvailableForResourceType", REGIONS_MESSAGE)
    error = from_azure(exc, "create instance 'dt1'")
    assert error.code == "LocationNotAvailableForResourceType"
    assert error.hint == "Pick one of the regions that offer it: westcentralus, westus2, northeurope."
    assert available_regions(REGIONS_MESSAGE) == ["westcentralus", "westus2", "northeurope"]
    assert available_regions("no list here") == []


def test_resource_group_not_found_hint():
    error = from_azure(http_error(404, "ResourceGroupNotFound", "Resource group 'nope' could not be found."), "read")
    assert error.code == "ResourceGroupNotFound"
    assert "twinops.digital_twins.resource_group" in error.hint
    assert is_not_found(http_error(404, "ResourceNotFound", "x"))
    assert not is_not_found(http_error(403, "AuthorizationFailed", "x"))


def test_throttling_without_body_gets_a_code():
    exc = http_error(429, body="", headers={"x-ms-request-id": "r"})
    error = from_azure(exc, "read instance")
    assert error.code == "TooManyRequests"
    assert "throttling" in error.hint


def test_body_without_odata_error_falls_back_to_text():
    exc = http_error(502, body="<html>Bad gateway</html>")
    error = from_azure(exc, "read")
    assert error.status == 502
    assert error.code is None
    assert error_code(exc) is None


def test_wrong_secret_message_from_entra_id():
    exc = azure_exceptions.ClientAuthenticationError(
        message="ClientSecretCredential.get_token failed: Authentication failed: AADSTS7000215: Invalid client secret "
                "provided. Ensure the secret being sent in the request is the client secret value.\r\n"
                "Trace ID: 0f0e0d0c-0000-4000-8000-000000000001\r\nCorrelation ID: 11111111-2222-4333-8444-555555555555\r\n"
                "Timestamp: 2026-11-26 22:00:00Z")
    error = from_azure(exc, "read instance 'dt1'")
    assert error.code == "AADSTS7000215"
    assert error.request_id == "11111111-2222-4333-8444-555555555555"
    assert error.message == ("Could not sign in to Azure: AADSTS7000215: Invalid client secret provided. Ensure the "
                             "secret being sent in the request is the client secret value.")
    assert "Trace ID" not in str(error)


def test_unreachable_login_endpoint():
    exc = azure_exceptions.ClientAuthenticationError(
        message="Authentication failed: HTTPSConnectionPool(host='login.example', port=443): Max retries exceeded with "
                "url: /t/v2.0/.well-known/openid-configuration (Caused by NewConnectionError('<urllib3.connection."
                "HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))")
    error = authentication_error(exc)
    assert error.code == "ConnectionError"
    assert error.message.endswith("[Errno 111] Connection refused")


def test_arm_401_is_not_mistaken_for_a_sign_in_failure():
    exc = http_error(401, "InvalidAuthenticationToken", "The access token is invalid.")
    error = from_azure(exc, "read")
    assert error.code == "InvalidAuthenticationToken"
    assert error.status == 401


def test_network_errors_are_short():
    exc = azure_exceptions.ServiceRequestError(
        "<urllib3.connection.HTTPSConnection object at 0x7f2>: Failed to establish a new connection: [Errno 111] Connection refused")
    error = from_azure(exc, "read instance 'dt1'")
    assert error.code == "ConnectionError"
    assert error.message == "Could not read instance 'dt1': the request could not be sent: [Errno 111] Connection refused"
    response_error = from_azure(azure_exceptions.ServiceResponseError("Connection aborted: read timed out"), "update")
    assert "may or may not have been applied" in response_error.hint


def test_azure_errors_context_translates_and_chains():
    with pytest.raises(DigitalTwinsError) as info:
        with azure_errors("delete instance 'dt1'"):
            raise http_error(409, "Conflict", "busy")
    assert info.value.code == "Conflict"
    assert isinstance(info.value.__cause__, azure_exceptions.HttpResponseError)
    assert "Traceback" in info.value.tb


def test_azure_errors_leaves_other_exceptions_alone():
    with pytest.raises(KeyError):
        with azure_errors("x"):
            raise KeyError("not azure")


def test_digital_twins_error_passes_through():
    original = DigitalTwinsError("mine", code="X")
    assert from_azure(original, "x") is original


def test_first_line_strips_sdk_decoration():
    assert first_line("(Code) The message\nCode: Code\nMessage: The message") == "The message"
    assert first_line("AADSTS1: bad\r\nTrace ID: 1\r\nCorrelation ID: 2") == "AADSTS1: bad"
    assert first_line(None) == ""


def test_short_reason():
    assert short_reason("... [Errno -2] Name or service not known')) ") == "[Errno -2] Name or service not known"
    assert short_reason("SSLError(certificate verify failed: unable to get local issuer certificate (_ssl.c:1000))") \
        .startswith("certificate verify failed")


def test_entra_wrapper_around_aadsts_is_removed():
    exc = azure_exceptions.ClientAuthenticationError(
        message="WorkloadIdentityCredential.get_token_info failed: Microsoft Entra ID error '(invalid_client) AADSTS700027: "
                "Client assertion failed signature validation. Trace ID: 81533f6e-680a-4c22-8efb-fdddc7303708 "
                "Correlation ID: 5406abf8-e9ec-11f1-b7fe-02fc00000001 Timestamp: 2026-11-26 22:54:25Z'\nContent: {}")
    error = authentication_error(exc)
    assert error.message == "Could not sign in to Azure: AADSTS700027: Client assertion failed signature validation."
    assert error.code == "AADSTS700027"
    assert error.request_id == "5406abf8-e9ec-11f1-b7fe-02fc00000001"


def test_unknown_tenant_from_msal():
    exc = azure_exceptions.ClientAuthenticationError(
        message="Authentication failed: Unable to get authority configuration for https://login.example/nope-tenant. "
                "Authority would typically be in a format of https://login.microsoftonline.com/your_tenant.")
    error = authentication_error(exc)
    assert error.code == "TenantNotFound"
    assert error.message == "Could not sign in to Azure: the login endpoint https://login.example does not know tenant 'nope-tenant'."


# ---- timeouts name themselves ------------------------------------------------------------------------------------

class TestTimeouts:
    def test_arm_read_timeout_names_the_request_and_the_time(self):
        import requests
        from urllib3.exceptions import ReadTimeoutError
        prepared = requests.Request("GET", "https://management.example/subscriptions/s/resourceGroups/rg?api-version=1").prepare()
        inner = requests.exceptions.ReadTimeout(
            ReadTimeoutError(None, "/x", "HTTPSConnectionPool(host='management.example', port=443): Read timed out. "
                                         "(read timeout=2)"), request=prepared)
        error = from_azure(azure_exceptions.ServiceResponseTimeoutError(inner, error=inner), "read resource group 'rg'")
        assert error.code == "RequestTimeout"
        assert error.message == ("Could not read resource group 'rg': the request timed out: no answer within 2 s "
                                 "(read timeout) to GET /subscriptions/s/resourceGroups/rg.")
        assert "CA" not in str(error) and "network" not in str(error)

    def test_write_timeout_says_it_may_have_been_applied(self):
        import requests
        prepared = requests.Request("PUT", "https://management.example/x").prepare()
        inner = requests.exceptions.ReadTimeout("Read timed out. (read timeout=120)", request=prepared)
        error = from_azure(azure_exceptions.ServiceResponseTimeoutError(inner, error=inner), "create instance 'dt1'")
        assert "no answer within 120 s (read timeout) to PUT /x" in error.message
        assert "may or may not have been applied" in error.hint

    def test_connect_timeout(self):
        inner = TimeoutError("timed out")
        error = from_azure(azure_exceptions.ServiceRequestTimeoutError(inner, error=inner), "read instance 'dt1'")
        assert error.code == "RequestTimeout" and "connect timeout" in error.message

    def test_graph_httpx_timeout(self):
        import httpx
        from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import request_timeout
        exc = httpx.ReadTimeout("The read operation timed out", request=httpx.Request("GET", "https://graph.example/v1.0/users?$filter=x"))
        error = request_timeout(exc, "look up 'alice' in Microsoft Graph", seconds=60)
        assert error.message == ("Could not look up 'alice' in Microsoft Graph: the request timed out: no answer within "
                                 "60 s (read timeout) to GET /v1.0/users.")
        assert request_timeout(httpx.ConnectError("refused"), "x") is None

    def test_other_connection_errors_keep_their_hint(self):
        error = from_azure(azure_exceptions.ServiceRequestError("[Errno 111] Connection refused"), "read")
        assert error.code == "ConnectionError" and "CA trust" in error.hint


def test_result_keys_go_into_the_failed_result():
    error = DigitalTwinsError("boom", code="X", result={"created": True})
    assert error.to_result() == {"error_code": "X", "created": True}
