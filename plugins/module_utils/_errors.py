# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""The collection's single exception type and the translation of Azure SDK errors into it."""

from __future__ import annotations

import re
import traceback
from contextlib import contextmanager

try:
    from azure.core import exceptions as azure_exceptions
except ImportError:  # reported by the module when it first needs a client (see _clients.import_client_class)
    azure_exceptions = None


class DigitalTwinsError(Exception):
    """Every failure a module reports goes through this type.

    ``message`` is short and actionable; ``code``, ``status`` and ``request_id`` carry what Azure said so that
    a support ticket can be opened from the output alone. ``tb`` is the original traceback (shown at -vvv).
    """

    def __init__(self, message, code=None, status=None, request_id=None, hint=None, tb=None, result=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.hint = hint
        self.tb = tb
        # Keys the failed result carries besides the message: what the run did before it failed (for example
        # ``created: true`` and the instance it created), so that a caller can roll it back.
        self.result = dict(result or {})

    def __str__(self):
        parts = [self.message]
        facts = []
        if self.code:
            facts.append("code: %s" % self.code)
        if self.status:
            facts.append("HTTP %s" % self.status)
        if self.request_id:
            facts.append("request id: %s" % self.request_id)
        if facts:
            parts.append("(%s)" % ", ".join(facts))
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)

    def to_result(self):
        """Keys added to fail_json besides ``msg``."""
        result = {}
        if self.code:
            result["error_code"] = self.code
        if self.status:
            result["status_code"] = self.status
        if self.request_id:
            result["request_id"] = self.request_id
        result.update(self.result)
        return result


_REQUEST_ID_HEADERS = ("x-ms-request-id", "x-ms-correlation-request-id", "request-id", "client-request-id")

# Codes that deserve a hint telling the user what to do next. Matched on Azure's error code, never on its text.
_HINTS = {
    "AuthorizationFailed": "The identity running the task lacks the Azure RBAC role this action needs: resource writes need "
                           "Contributor or Owner, role assignment writes need Owner or User Access Administrator at or "
                           "above the scope.",
    "LinkedAuthorizationFailed": "The identity running the task lacks a permission on a linked resource (for example "
                                 "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on a user-assigned identity).",
    "ResourceGroupNotFound": "Create the resource group first (twinops.digital_twins.resource_group) or check its name.",
    "SubscriptionNotFound": "Check subscription_id / AZURE_SUBSCRIPTION_ID and that the identity can see the subscription.",
    "InvalidSubscriptionId": "Check subscription_id / AZURE_SUBSCRIPTION_ID: it must be a subscription GUID.",
    "InvalidAuthenticationToken": "Check tenant, cloud_environment and that the credential belongs to this cloud.",
    "InvalidAuthenticationTokenTenant": "The credential belongs to another tenant than the subscription: check tenant.",
    "ExpiredAuthenticationToken": "The access token expired; re-run the task.",
    "TooManyRequests": "Azure kept throttling the requests after several retries; wait a minute and re-run the task.",
    "AnotherOperationInProgress": "Another operation is still running on this resource; re-run the task once it ends.",
    "MissingSubscriptionRegistration": "Register the resource provider in the subscription "
                                       "(az provider register --namespace Microsoft.DigitalTwins) or ask an Owner to.",
}

_AVAILABLE_REGIONS = re.compile(r"available regions for the resource type is '([^']*)'", re.IGNORECASE)
_AADSTS = re.compile(r"\b(AADSTS\d+)\b")
_AAD_CORRELATION = re.compile(r"Correlation ID:\s*([0-9a-fA-F-]{8,})")
_AAD_TRACE = re.compile(r"Trace ID:\s*([0-9a-fA-F-]{8,})")


def _request_id(response):
    headers = getattr(response, "headers", None) or {}
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _error_body(exc):
    """Return (code, message) from an azure-core HttpResponseError (ARM, LRO status or Graph shapes)."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    if code or message:
        return code, message
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            body = response.json()
        except Exception:  # pylint: disable=broad-except  # any undecodable body: fall back to the text
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code"), body["error"].get("message")
    return None, getattr(exc, "message", None) or str(exc)


def available_regions(message):
    """The regions listed in an ARM LocationNotAvailableForResourceType message, or []."""
    match = _AVAILABLE_REGIONS.search(message or "")
    if not match:
        return []
    return [region.strip() for region in match.group(1).split(",") if region.strip()]


def _hint(code, message):
    if code == "LocationNotAvailableForResourceType":
        regions = available_regions(message)
        if regions:
            return "Pick one of the regions that offer it: %s." % ", ".join(regions)
        return "Pick a region that offers this resource type."
    return _HINTS.get(code)


def short_reason(text):
    """The useful part of a requests/urllib3 connection error: '[Errno 111] Connection refused' and the like."""
    text = text or ""
    for pattern in (r"(\[Errno -?\d+\][^'\")]*)", r"(Name or service not known)", r"(timed out)",
                    r"(certificate verify failed[^'\")]*)", r"(Connection refused)", r"(Connection reset by peer)"):
        match = re.search(pattern, text)
        if match:
            return match.group(1).strip().rstrip(".,")
    return first_line(text)[:300]


_TIMEOUT_SECONDS = re.compile(r"\b(read|connect)(?:ion)? timeout=([0-9.]+)", re.IGNORECASE)
_TIMEOUT_CLASS_NAMES = ("ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException",
                        "ReadTimeoutError", "ConnectTimeoutError", "ServiceRequestTimeoutError",
                        "ServiceResponseTimeoutError", "TimeoutError", "timeout")


def _chain(exc):
    """``exc`` and the exceptions it wraps (``inner_exception``/``error`` of azure-core, ``__cause__``, args)."""
    seen = []
    todo = [exc]
    while todo and len(seen) < 12:
        item = todo.pop(0)
        if item is None or any(item is known for known in seen) or not isinstance(item, BaseException):
            continue
        seen.append(item)
        todo.extend([getattr(item, "inner_exception", None), getattr(item, "error", None), item.__cause__,
                     item.__context__] + [arg for arg in getattr(item, "args", ()) if isinstance(arg, BaseException)])
    return seen


def _request_of(chain):
    """'METHOD /path' of the request a timeout is about (requests' and httpx's exceptions carry it), or None."""
    for item in chain:
        try:
            request = getattr(item, "request", None)
        except RuntimeError:  # httpx raises when the exception was made without a request
            request = None
        method = getattr(request, "method", None)
        url = getattr(request, "url", None)
        if method and url:
            path = str(url).split("?", 1)[0]
            path = re.sub(r"^[a-z]+://[^/]+", "", path)
            return "%s %s" % (method.decode() if isinstance(method, bytes) else method, path or "/")
    return None


def request_timeout(exc, action, seconds=None):
    """A DigitalTwinsError naming the timeout when ``exc`` (azure-core, requests/urllib3, httpx or socket) is one, else None.

    The message says which request timed out and after how long (``seconds`` when the exception does not say); it
    gives no network or CA hint, since the endpoint was reached or at least resolved. ``action`` reads like
    "create instance 'dt1'".
    """
    chain = _chain(exc)
    names = {cls.__name__ for item in chain for cls in type(item).__mro__}
    if not names & set(_TIMEOUT_CLASS_NAMES):
        return None
    text = " ".join(str(item) for item in chain)
    found = _TIMEOUT_SECONDS.search(text)
    kind = "connect" if names & {"ConnectTimeout", "ConnectTimeoutError", "ServiceRequestTimeoutError"} else "read"
    if found:
        kind = found.group(1).lower()
        seconds = found.group(2)
    if isinstance(seconds, float) and seconds.is_integer():
        seconds = int(seconds)
    request = _request_of(chain)
    if kind == "connect":
        what = "no connection within %s s (connect timeout)" % seconds if seconds else "no connection (connect timeout)"
        hint = "Nothing was sent; re-run the task."
    else:
        what = "no answer within %s s (read timeout)" % seconds if seconds else "no answer in time (read timeout)"
        writes = request is None or not request.startswith("GET ")
        hint = ("The request may or may not have been applied; re-running the task converges." if writes
                else "Re-run the task; the service answered slower than the client waits.")
    target = (" to %s" % request) if request else ""
    return DigitalTwinsError("Could not %s: the request timed out: %s%s." % (action, what, target),
                             code="RequestTimeout", hint=hint)


def from_azure(exc, action):
    """Translate an exception raised by azure-core / azure-identity into a DigitalTwinsError.

    ``action`` reads like "create instance 'dt1'" and starts the message.
    """
    if isinstance(exc, DigitalTwinsError):
        return exc
    tb = traceback.format_exc()
    if tb.strip() == "NoneType: None":
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if azure_exceptions is None:
        return DigitalTwinsError("Could not %s: %s: %s" % (action, type(exc).__name__, first_line(str(exc))), tb=tb)
    response = getattr(exc, "response", None)
    if isinstance(exc, azure_exceptions.ClientAuthenticationError) and (response is None or not _is_arm_body(exc)):
        return authentication_error(exc, tb=tb)
    if isinstance(exc, azure_exceptions.HttpResponseError):
        code, message = _error_body(exc)
        status = getattr(exc, "status_code", None)
        if not code and status == 429:
            code = "TooManyRequests"
        return DigitalTwinsError("Could not %s: %s" % (action, first_line(message or str(exc))), code=code,
                                 status=status, request_id=_request_id(response), hint=_hint(code, message), tb=tb)
    timeout = request_timeout(exc, action)
    if timeout is not None:
        timeout.tb = tb
        return timeout
    if isinstance(exc, azure_exceptions.ServiceRequestError):
        return DigitalTwinsError("Could not %s: the request could not be sent: %s" % (action, short_reason(str(exc))),
                                 code="ConnectionError", tb=tb,
                                 hint="Check network access to the cloud endpoints (cloud_environment), proxies and CA "
                                      "trust (REQUESTS_CA_BUNDLE).")
    if isinstance(exc, azure_exceptions.ServiceResponseError):
        return DigitalTwinsError("Could not %s: no complete answer was received: %s" % (action, short_reason(str(exc))),
                                 code="ConnectionError", tb=tb,
                                 hint="The request may or may not have been applied; re-running the task converges.")
    return DigitalTwinsError("Could not %s: %s" % (action, first_line(str(exc))), tb=tb)


def authentication_error(exc, tb=None):
    """A DigitalTwinsError for a failed sign-in (wrong secret, unknown client or tenant, unreachable login endpoint).

    Entra ID's AADSTS code becomes the error code and its correlation (or trace) id the request id.
    """
    text = getattr(exc, "message", None) or str(exc)
    text = re.sub(r"^(?:\w+Credential\.get_token(?:_info)? failed: )?(?:Authentication failed: )?", "", text.strip())
    first = first_line(text)
    aadsts = _AADSTS.search(text)
    if aadsts:
        # "Microsoft Entra ID error '(invalid_client) AADSTS700027: ... Trace ID: ...'" and similar wrappers:
        # keep Entra ID's own sentence.
        first = re.split(r"\s*(?:Trace ID|Correlation ID|Timestamp):|'?\r?\n", text[aadsts.start():])[0].strip().rstrip("'")
    ids = _AAD_CORRELATION.search(text) or _AAD_TRACE.search(text)
    unavailable = re.search(r"HTTP Error: (5\d\d|429)\b", text)
    if unavailable and not aadsts:
        # The token endpoint itself failed (outage or throttling), after azure-identity's own retries.
        return DigitalTwinsError("Could not sign in to Azure: the login endpoint answered HTTP %s." % unavailable.group(1),
                                 code="ServiceUnavailable", status=int(unavailable.group(1)), tb=tb,
                                 hint="This is a service-side or transient failure, not a credential problem; nothing was "
                                      "changed, re-run the task later.")
    if re.search(r"Failed to establish a new connection|Name or service not known|Connection refused|timed out|"
                 r"Connection aborted|RemoteDisconnected|Connection reset|"
                 r"certificate verify failed|Max retries exceeded", text):
        return DigitalTwinsError("Could not sign in to Azure: the login endpoint could not be reached: %s" % short_reason(text),
                                 code="ConnectionError", tb=tb,
                                 hint="Check cloud_environment, network access to the login endpoint and CA trust "
                                      "(REQUESTS_CA_BUNDLE).")
    authority = re.search(r"Unable to get authority configuration for (\S+?)\.?(?:\s|$)", text)
    if authority:
        # MSAL could not read <authority>/<tenant>/v2.0/.well-known/openid-configuration: Entra ID answers 400 for
        # a tenant it does not know (AADSTS90002), which MSAL does not pass on.
        login, tenant = authority.group(1).rstrip("/").rsplit("/", 1)
        return DigitalTwinsError(
            "Could not sign in to Azure: the login endpoint %s does not know tenant '%s'." % (login, tenant),
            code="TenantNotFound", tb=tb,
            hint="Check tenant / AZURE_TENANT (the directory id or domain) and cloud_environment.")
    return DigitalTwinsError("Could not sign in to Azure: %s" % first,
                             code=aadsts.group(1) if aadsts else "AuthenticationFailed",
                             request_id=ids.group(1) if ids else None, tb=tb,
                             hint="Check the credentials (client_id with secret, certificate or federated token; tenant) "
                                  "and cloud_environment.")


AZURE_ERRORS = (azure_exceptions.AzureError,) if azure_exceptions is not None else ()
_AZURE_ERRORS = AZURE_ERRORS


@contextmanager
def azure_errors(action):
    """Turn any Azure SDK error raised inside the block into a DigitalTwinsError about ``action``."""
    try:
        yield
    except AZURE_ERRORS as exc:
        raise from_azure(exc, action) from exc


def _is_arm_body(exc):
    code, dummy = _error_body(exc)
    return bool(code)


def first_line(text):
    """The first paragraph of an SDK message, without azure-core's repeated 'Code:/Message:' block or AAD's trailer."""
    text = (text or "").replace("\r\n", "\n").strip()
    # azure-core formats errors as "(Code) message\nCode: ...\nMessage: ..."; keep the first paragraph only.
    text = text.split("\nCode:")[0].strip()
    text = re.split(r"\n\s*(?:Trace ID|Correlation ID|Timestamp|Content):", text)[0].strip()
    text = re.sub(r"^\(\w+\)\s*", "", text)
    return text.split("\n")[0].strip()


def error_code(exc):
    """The ARM/Graph error code of an azure-core HttpResponseError, or None."""
    code, dummy = _error_body(exc)
    return code


def error_message(exc):
    """The ARM/Graph error message of an azure-core HttpResponseError (without azure-core's decoration), or None."""
    dummy, message = _error_body(exc)
    return message


def is_not_found(exc):
    """True for a 404 from ARM (ResourceNotFound, ResourceGroupNotFound, ...)."""
    if azure_exceptions is not None and isinstance(exc, azure_exceptions.ResourceNotFoundError):
        return True
    return getattr(exc, "status_code", None) == 404
