# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""One session per task: the cloud, one credential and token, and the ARM clients, each created on first use.

Also the waits: long-running operations bounded by the module's own deadline (the SDK poller has none).
"""

from __future__ import annotations

import datetime
import importlib
import logging
import time
import traceback

from ansible_collections.twinops.digital_twins.plugins.module_utils._auth import (
    build_credential,
    resolve_subscription,
    select_method,
    validate_auth_params,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._cloud import resolve_cloud, validate_cloud_environment
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import (
    AZURE_ERRORS,
    DigitalTwinsError,
    authentication_error,
    azure_errors,
    azure_exceptions,
    error_code,
    error_message,
    first_line,
    from_azure,
    is_not_found,
)

COLLECTION_VERSION = "0.1.0"

# kind -> (python module, class name, pip package). Imported only when a task needs that client.
ARM_CLIENTS = {
    "resource": ("azure.mgmt.resource.resources", "ResourceManagementClient", "azure-mgmt-resource"),
    "digitaltwins": ("azure.mgmt.digitaltwins", "AzureDigitalTwinsManagementClient", "azure-mgmt-digitaltwins"),
    "authorization": ("azure.mgmt.authorization", "AuthorizationManagementClient", "azure-mgmt-authorization"),
}

# Transport and retry settings for every ARM client. azure-core retries 408, 429 and 5xx (and any error that carries
# Retry-After) and sleeps what Retry-After says; the polling interval is used only when Azure sends no Retry-After
# on a long-running operation (the SDK default would be 30 s).
CLIENT_SETTINGS = dict(
    retry_total=6,
    retry_status=6,
    retry_backoff_factor=0.8,
    retry_backoff_max=30,
    connection_timeout=20,
    read_timeout=120,
    polling_interval=5,
)

# After the task's deadline no write is sent; a read (to report what Azure holds) may still go out during this grace.
READ_GRACE_SECONDS = 5

# Provisioning states after which nothing more happens without a new request.
TERMINAL_STATES = ("succeeded", "failed", "canceled")


def import_client_class(kind):
    module_name, class_name, package = ARM_CLIENTS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise DigitalTwinsError("The Python library %s is required on the host that runs the task "
                                "(pip install %s)." % (package, package)) from None
    return getattr(module, class_name)


def import_models(kind):
    """The models module of the ARM client of ``kind`` (already loaded with the client, so free)."""
    module_name, dummy, package = ARM_CLIENTS[kind]
    try:
        return importlib.import_module(module_name + ".models")
    except ImportError:
        raise DigitalTwinsError("The Python library %s is required on the host that runs the task "
                                "(pip install %s)." % (package, package)) from None


class AzureSession:
    """Lazily resolves the cloud, the credential and the clients for one module run."""

    def __init__(self, params, fetch=None):
        self._params = params
        self._fetch = fetch
        self._cloud = None
        self._credential = None
        self._method = None
        self._authenticated = set()
        self._clients = {}
        # The task's Deadline (wait_timeout), set by modules that have one: every ARM request honours it (see
        # deadline_retry_policy), so throttling cannot carry the task past it.
        self.deadline = None

    def preflight(self):
        """Every check of the authentication options that needs no request; raises DigitalTwinsError."""
        validate_auth_params(self._params)
        resolve_subscription(self._params)
        validate_cloud_environment(self._params.get("cloud_environment"))
        self._method = select_method(self._params)
        return self._method

    @property
    def method(self):
        if self._method is None:
            self._method = select_method(self._params)
        return self._method

    @property
    def cloud(self):
        if self._cloud is None:
            self._cloud = resolve_cloud(self._params.get("cloud_environment"), fetch=self._fetch)
        return self._cloud

    @property
    def subscription_id(self):
        return resolve_subscription(self._params)

    @property
    def credential(self):
        if self._credential is None:
            method = self.method
            cloud = self.cloud
            # azure-identity logs failed sign-ins as warnings; the module reports them itself, so keep stderr clean.
            logging.getLogger("azure").addHandler(logging.NullHandler())
            try:
                self._credential = build_credential(self._params, cloud, method)
            except (ValueError, OSError) as exc:  # an unreadable certificate, a malformed authority
                raise DigitalTwinsError("Could not set up sign-in with %s: %s" % (method, exc)) from None
        return self._credential

    def token(self, scope):
        """An access token for ``scope``; the first call per scope signs in, azure-identity caches it afterwards.

        Signing in before the first ARM request turns a wrong secret or an unknown tenant into one clear error
        instead of an error about whatever the task was doing.
        """
        credential = self.credential
        try:
            if hasattr(credential, "get_token_info"):
                token = credential.get_token_info(scope).token
            else:
                token = credential.get_token(scope).token
        except Exception as exc:  # pylint: disable=broad-except  # azure-identity and MSAL raise many types
            if azure_exceptions is not None and isinstance(exc, azure_exceptions.ClientAuthenticationError):
                raise authentication_error(exc, tb=_format(exc)) from None
            if azure_exceptions is not None and isinstance(exc, azure_exceptions.AzureError):
                raise from_azure(exc, "sign in to Azure") from None
            raise authentication_error(exc, tb=_format(exc)) from None
        self._authenticated.add(scope)
        return token

    def client(self, kind):
        """The ARM management client of ``kind`` ("resource", "digitaltwins" or "authorization")."""
        if kind not in self._clients:
            client_class = import_client_class(kind)
            subscription = self.subscription_id
            cloud = self.cloud
            if cloud.arm_scope not in self._authenticated:
                self.token(cloud.arm_scope)
            self._clients[kind] = client_class(
                self.credential, subscription,
                base_url=cloud.resource_manager.rstrip("/"),
                credential_scopes=[cloud.arm_scope],
                user_agent="twinops.digital_twins/%s" % COLLECTION_VERSION,
                retry_policy=deadline_retry_policy(lambda: self.deadline),
                **CLIENT_SETTINGS)
        return self._clients[kind]

    def models(self, kind):
        """The models module that goes with ``client(kind)``."""
        return import_models(kind)

    def graph_token(self):
        """A bearer token for Microsoft Graph in this cloud (one per process, refreshed by azure-identity)."""
        return self.token(self.cloud.graph_scope)


def _format(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class Deadline:
    """The time a module may still spend waiting (``wait_timeout``), measured from its creation."""

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self):
        return max(0.0, self._end - self._clock())

    def expired(self):
        return self.remaining() <= 0

    def overdue(self):
        """Seconds since the deadline passed (0 before it)."""
        return max(0.0, self._clock() - self._end)


class DeadlineReached(DigitalTwinsError):
    """Raised inside the HTTP pipeline when a request would be sent, or a retry would wait, past the deadline.

    ``call`` and ``azure_errors`` users see it as a DigitalTwinsError; its message names the request.
    """

    def __init__(self, message):
        super().__init__(message, code="OperationTimedOut",
                         hint="Raise wait_timeout; the task sent nothing after its deadline.")


def _describe(http_request):
    path = (getattr(http_request, "url", "") or "").split("?", 1)[0]
    path = path.split("://", 1)[-1]
    path = path[path.find("/"):] if "/" in path else "/"
    return "%s %s" % (getattr(http_request, "method", "?"), path)


def deadline_retry_policy(get_deadline):
    """An azure-core RetryPolicy (CLIENT_SETTINGS' retry settings) that keeps to the task's deadline.

    ``get_deadline()`` returns the task's Deadline or None (no deadline: the plain policy). With a deadline:

    - no write (anything but GET) is sent once the deadline has passed, and a GET only within READ_GRACE_SECONDS
      after it (to read back what Azure holds for the report);
    - a retry whose wait (Retry-After, or the backoff) would end past the deadline is not waited for: the request
      fails at once, naming the request, the status and the wait Azure asked for;
    - the read timeout of each attempt is cut to the time left (plus the grace), so one slow answer cannot
      outlast the deadline either.
    """
    from azure.core.pipeline.policies import RetryPolicy  # pylint: disable=import-outside-toplevel

    settings = {key: value for key, value in CLIENT_SETTINGS.items() if key.startswith("retry_")}

    class DeadlineRetryPolicy(RetryPolicy):
        def send(self, request):
            deadline = get_deadline()
            if deadline is not None:
                self._refuse_late(deadline, request.http_request)
                grace = READ_GRACE_SECONDS if request.http_request.method == "GET" else 0
                limit = max(1.0, deadline.remaining() + grace)
                current = request.context.options.get("read_timeout", CLIENT_SETTINGS.get("read_timeout"))
                request.context.options["read_timeout"] = min(current or limit, limit)
                request.context["twinops_request"] = request.http_request
            return super().send(request)

        @staticmethod
        def _refuse_late(deadline, http_request):
            if not deadline.expired():
                return
            if http_request.method != "GET" or deadline.overdue() > READ_GRACE_SECONDS:
                raise DeadlineReached("wait_timeout (%s s) has passed, so %s was not sent."
                                      % (deadline.seconds, _describe(http_request)))

        def sleep(self, settings, transport, response=None):  # pylint: disable=redefined-outer-name
            deadline = get_deadline()
            if deadline is not None:
                asked = self.get_retry_after(response) if response is not None else None
                wait = asked if asked is not None else self.get_backoff_time(settings)
                if wait >= deadline.remaining():
                    http_request = getattr(response, "http_request", None)
                    status = getattr(getattr(response, "http_response", None), "status_code", None)
                    raise DeadlineReached(
                        "%s %s and %s %s s%s, after wait_timeout (%s s) ends: not retried."
                        % (_describe(http_request) if http_request is not None else "a request",
                           ("answered HTTP %s" % status) if status else "failed",
                           "Azure asks to retry in" if asked is not None else "the next retry would be in",
                           _seconds(wait), " (Retry-After)" if asked is not None else "", deadline.seconds))
            super().sleep(settings, transport, response=response)

    return DeadlineRetryPolicy(**settings)


def _seconds(value):
    return ("%.1f" % value).rstrip("0").rstrip(".")


def timeout_error(what, deadline, state=None):
    state_text = " (provisioning state: %s)" % state if state else ""
    return DigitalTwinsError(
        "Timed out after %s s waiting for %s%s. The operation continues in Azure; re-running the task waits for it "
        "and converges." % (deadline.seconds, what, state_text),
        code="OperationTimedOut", hint="Raise wait_timeout, or set wait=false to return without waiting.")


def wait_for_lro(poller, deadline, action, what, read_state=None, noun="the resource"):
    """Wait for an azure-core LROPoller until it ends or ``deadline`` passes, and return its result.

    ``action`` reads like "create instance 'dt1'" (for errors), ``what`` like "instance 'dt1' to be created"
    (for the timeout message). An operation that Azure reports Failed or Canceled raises DigitalTwinsError saying so.

    Only a terminal status Azure sent is reported as Azure's. When the poller itself gives up (the status polls keep
    failing, the connection breaks), ``read_state()`` (the resource's provisioning state, None when it does not exist)
    is read and the error says what is known: "status unknown after N failed polls; <noun> is <state> at <time>".
    """
    try:
        poller.wait(timeout=deadline.remaining())
        if not poller.done():
            raise timeout_error(what, deadline, _status(poller))
        return poller.result()
    except DeadlineReached as reached:
        raise _about(action, reached) from None
    except DigitalTwinsError:
        raise
    except Exception as exc:  # pylint: disable=broad-except  # the poller re-raises what its thread caught
        if azure_exceptions is None or not isinstance(exc, azure_exceptions.AzureError):
            raise
        status = _status(poller)
        error = from_azure(exc, action)
        if _azure_verdict(exc, status):
            detail = first_line(error_message(exc) or "")
            if "Operation returned an invalid status" in detail or "Operation failed or canceled" in detail:
                detail = ""
            message = "Could not %s: the operation ended with status %s%s" % (action, status, (": " + detail) if detail else ".")
            raise DigitalTwinsError(message, code=error.code or ("Provisioning%s" % status.capitalize()), status=error.status,
                                    request_id=error.request_id, hint=error.hint, tb=error.tb) from None
        raise poll_gave_up(error, action, read_state, noun) from None


def _azure_verdict(exc, status):
    """True when the poller stopped because Azure's operation status said Failed or Canceled (a 2xx answer)."""
    if (status or "").lower() not in ("failed", "canceled"):
        return False
    cause = exc.__cause__
    if cause is not None and type(cause).__name__ == "OperationFailed":
        return True
    if cause is not None and type(cause).__name__ in ("BadStatus", "BadResponse"):
        return False
    code = getattr(exc, "status_code", None)
    return code is not None and code < 400


def failed_polls():
    """How many polls a status poll makes before azure-core gives up (the first try and its retries)."""
    return 1 + min(CLIENT_SETTINGS.get("retry_total", 3), CLIENT_SETTINGS.get("retry_status", 3))


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def poll_gave_up(error, action, read_state=None, noun="the resource"):
    """A DigitalTwinsError for an operation whose status could not be learnt: what failed, and what Azure holds now."""
    reason = error.message
    prefix = "Could not %s: " % action
    if reason.startswith(prefix):
        reason = reason[len(prefix):]
    if error.status:
        reason = "HTTP %s%s" % (error.status, (" " + error.code) if error.code else "")
    known = ""
    verdict = None
    if read_state is not None:
        try:
            state = read_state()
        except DigitalTwinsError as read_error:
            known = "; %s could not be read either: %s" % (noun, read_error.message)
        else:
            if state is None:
                known = "; %s does not exist at %s" % (noun, utc_now())
            else:
                known = "; %s is %s at %s" % (noun, state, utc_now())
                if state.lower() in ("failed", "canceled"):
                    verdict = state
    if verdict:
        message = "Could not %s: the operation ended with status %s (read from %s after %d failed polls: %s)." % (
            action, verdict, noun, failed_polls(), reason)
        return DigitalTwinsError(message, code="Provisioning%s" % verdict.capitalize(), status=error.status,
                                 request_id=error.request_id, tb=error.tb)
    message = "Could not %s: the operation's status is unknown after %d failed polls (%s)%s." % (
        action, failed_polls(), reason, known)
    return DigitalTwinsError(message, code=error.code or "OperationStatusUnknown", status=error.status,
                             request_id=error.request_id, tb=error.tb,
                             hint="The operation may still finish in Azure; re-running the task waits for it and converges.")


def _status(poller):
    try:
        return poller.status()
    except Exception:  # pylint: disable=broad-except  # a poller that never started has no status
        return None


def wait_until(read, done, deadline, what, sleep=time.sleep, state_of=None):
    """Call ``read()`` until ``done(value)`` or ``deadline`` passes, backing off from 1 s to 15 s between reads.

    Used when no long-running operation handle exists: an operation started by an earlier run that timed out,
    or by another tool.
    """
    delay = 1.0
    while True:
        value = read()
        if done(value):
            return value
        if deadline.expired():
            raise timeout_error(what, deadline, state_of(value) if state_of else None)
        sleep(min(delay, deadline.remaining()))
        delay = min(delay * 2, 15.0)


def is_terminal(state):
    return (state or "succeeded").lower() in TERMINAL_STATES


def _about(action, reached):
    """A DeadlineReached (raised in the HTTP pipeline, which does not know the task's words) about ``action``."""
    return DigitalTwinsError("Could not %s: timed out: %s" % (action, reached.message), code=reached.code,
                             hint=reached.hint)


def call(action, function, *args, **kwargs):
    """Run one SDK call, translating its errors into DigitalTwinsError about ``action``."""
    try:
        with azure_errors(action):
            return function(*args, **kwargs)
    except DeadlineReached as reached:
        raise _about(action, reached) from None


def read_or_none(action, function, *args, group_missing_is_absent=False, **kwargs):
    """Run one SDK read; a 404 means "absent" and gives None, except ResourceGroupNotFound, which is raised
    (a resource inside a missing group) unless ``group_missing_is_absent`` (reading the group itself).

    Anything else (403, throttling that outlasted the retries, network errors) is raised as DigitalTwinsError:
    an error is never mistaken for "absent".
    """
    try:
        return function(*args, **kwargs)
    except DeadlineReached as reached:
        raise _about(action, reached) from None
    except AZURE_ERRORS as exc:
        if is_not_found(exc) and (group_missing_is_absent or error_code(exc) != "ResourceGroupNotFound"):
            return None
        raise from_azure(exc, action) from exc
