# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Read-only Microsoft Graph queries through msgraph-sdk, pointed at the session's cloud.

msgraph-sdk costs about 300 ms to import, so nothing here imports it until a query batch actually runs; tasks that
are given object ids never pay for it. The SDK is async: each batch of queries runs in one ``asyncio.run()`` with
its own httpx client, which is closed before the loop ends.

Base URL and token audience come from the cloud (``graph_endpoint`` + ``v1.0``, ``graph_scope``), so national and
private clouds work unchanged. The CA bundle follows httpx's own rules (``SSL_CERT_FILE``, ``SSL_CERT_DIR``); when
neither is set but ``REQUESTS_CA_BUNDLE`` (or ``CURL_CA_BUNDLE``) is, as for the Azure SDK's requests transport,
that bundle is used, so one CA setting covers ARM and Graph.
"""

from __future__ import annotations

import json
import os
import ssl
from urllib.parse import urlsplit

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import CLIENT_SETTINGS
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, from_azure, request_timeout

GRAPH_API_VERSION = "v1.0"
PAGE_SIZE = 25

# @odata.type of a directory object -> the principalType of a role assignment.
PRINCIPAL_TYPES = {
    "#microsoft.graph.user": "User",
    "#microsoft.graph.group": "Group",
    "#microsoft.graph.serviceprincipal": "ServicePrincipal",
    "#microsoft.graph.device": "Device",
}

USER_FIELDS = ["id", "displayName", "userPrincipalName", "mail", "otherMails", "userType"]
SERVICE_PRINCIPAL_FIELDS = ["id", "displayName", "appId", "servicePrincipalType"]
GROUP_FIELDS = ["id", "displayName", "mail", "securityEnabled"]

GRAPH_ACCESS_HINT = ("The identity running the task needs permission to read the directory in Microsoft Graph "
                     "(User.Read.All, Group.Read.All and Application.Read.All, or Directory.Read.All). Without it, pass "
                     "assignee_object_id and principal_type instead of assignee: that skips the directory lookup.")


class GraphError(DigitalTwinsError):
    """A failed Microsoft Graph request (still a DigitalTwinsError, so modules report it the same way)."""


def _imports():
    """Import msgraph-sdk and its transport only now; a clear error when it is missing."""
    try:
        import httpx
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
        from msgraph import GraphRequestAdapter, GraphServiceClient
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError
        from msgraph_core import GraphClientFactory
    except ImportError:
        raise DigitalTwinsError(
            "The Python library msgraph-sdk is required to resolve an assignee through Microsoft Graph "
            "(pip install msgraph-sdk).",
            hint="Or pass assignee_object_id and principal_type, which need no directory lookup.") from None
    return dict(httpx=httpx, RequestConfiguration=RequestConfiguration, GraphClientFactory=GraphClientFactory, ODataError=ODataError,
                AzureIdentityAuthenticationProvider=AzureIdentityAuthenticationProvider,
                GraphRequestAdapter=GraphRequestAdapter, GraphServiceClient=GraphServiceClient)


def ca_verify(environ=None):
    """What the Graph client verifies TLS against: True (httpx's rules) or an SSLContext from the requests bundle."""
    environ = os.environ if environ is None else environ
    if environ.get("SSL_CERT_FILE") or environ.get("SSL_CERT_DIR"):
        return True  # httpx reads these itself (trust_env)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        path = environ.get(name)
        if not path:
            continue
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(capath=path)
            return ssl.create_default_context(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise DigitalTwinsError("%s=%s cannot be used as a CA bundle for Microsoft Graph: %s" % (name, path, exc),
                                    hint="Point it at a readable PEM file or directory of certificates.") from None
    return True


def graph_base_url(cloud):
    return cloud.require_graph().rstrip("/") + "/" + GRAPH_API_VERSION


def principal_type_of(odata_type):
    return PRINCIPAL_TYPES.get((odata_type or "").lower())


def to_dict(obj):
    """A plain dict from a Graph directory object as JSON (user, group, service principal, device...)."""
    if obj is None:
        return None
    odata_type = obj.get("@odata.type")
    return {
        "id": (obj.get("id") or "").lower() or None,
        "odata_type": odata_type,
        "principal_type": principal_type_of(odata_type),
        "display_name": obj.get("displayName"),
        "user_principal_name": obj.get("userPrincipalName"),
        "mail": obj.get("mail"),
        "other_mails": list(obj.get("otherMails") or []),
        "user_type": obj.get("userType"),
        "app_id": obj.get("appId"),
    }


def _translate(exc, action, httpx):
    """A GraphError for anything raised while querying Graph; None for 'not found'."""
    status = getattr(exc, "response_status_code", None)
    if status is not None:  # kiota APIError / msgraph ODataError
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None)
        message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc).split("\n", maxsplit=1)[0]
        request_id = None
        inner = getattr(error, "inner_error", None)
        if inner is not None:
            request_id = getattr(inner, "request_id", None)
        hint = GRAPH_ACCESS_HINT if status in (401, 403) else None
        return GraphError("Could not %s in Microsoft Graph: %s" % (action, message), code=code, status=status,
                          request_id=request_id, hint=hint)
    timeout = request_timeout(exc, "%s in Microsoft Graph" % action, seconds=CLIENT_SETTINGS["read_timeout"])
    if timeout is not None:  # the endpoint was reached: no network or CA hint
        return GraphError(timeout.message, code=timeout.code, hint=timeout.hint)
    if isinstance(exc, httpx.HTTPError):
        return GraphError("Could not %s in Microsoft Graph: the request failed: %s" % (action, exc),
                          code="ConnectionError",
                          hint="Check network access to the Microsoft Graph endpoint of the cloud and the CA bundle "
                               "(SSL_CERT_FILE or REQUESTS_CA_BUNDLE).")
    error = from_azure(exc, "%s in Microsoft Graph" % action)
    return GraphError(error.message, code=error.code, status=error.status, request_id=error.request_id,
                      hint=error.hint, tb=error.tb)


def is_not_found(error):
    return isinstance(error, GraphError) and error.status == 404


class GraphQueries:
    """The read-only queries the collection makes, returning plain dicts. Used inside ``GraphDirectory.run``.

    msgraph-sdk builds each request (URL, query options, headers) and sends it through its adapter (authentication,
    retries, redirects); the answer is read as JSON rather than as msgraph's generated models, whose import alone costs
    seconds (over a thousand modules) for the few fields used here.
    """

    def __init__(self, client, mods):
        self._client = client
        self._mods = mods

    def _config(self, builder_query_class, **query):
        return self._mods["RequestConfiguration"](query_parameters=builder_query_class(**query))

    async def _call(self, action, request_info, missing=None):
        adapter = self._client.request_adapter
        try:
            raw = await adapter.send_primitive_async(request_info, "bytes", {"XXX": self._mods["ODataError"]})
        # kiota raises APIError/ODataError, httpx errors and azure-identity errors: all translated, only 404 is "none".
        except Exception as exc:  # pylint: disable=broad-except
            error = _translate(exc, action, self._mods["httpx"])
            if is_not_found(error):
                return missing
            raise error from exc
        try:
            return json.loads(raw) if raw else missing
        except ValueError:
            raise GraphError("Could not %s in Microsoft Graph: the answer is not JSON." % action) from None

    async def _list(self, action, builder, query_class, **query):
        page = await self._call(action, builder.to_get_request_information(self._config(query_class, **query)), {})
        return [to_dict(obj) for obj in (page or {}).get("value") or []]

    async def user(self, key):
        """A user by object id or userPrincipalName; None when there is none."""
        builder = self._client.users.by_user_id(key)
        config = self._config(builder.UserItemRequestBuilderGetQueryParameters, select=USER_FIELDS)
        result = to_dict(await self._call("read user %r" % key, builder.to_get_request_information(config)))
        if result is not None and not result["principal_type"]:
            result["principal_type"] = "User"  # typed endpoints need not send @odata.type
        return result

    async def users(self, odata_filter):
        builder = self._client.users
        found = await self._list("list users where %s" % odata_filter, builder, builder.UsersRequestBuilderGetQueryParameters,
                                 filter=odata_filter, select=USER_FIELDS, top=PAGE_SIZE)
        return [dict(obj, principal_type="User") for obj in found]

    async def service_principals(self, odata_filter):
        builder = self._client.service_principals
        found = await self._list("list service principals where %s" % odata_filter, builder,
                                 builder.ServicePrincipalsRequestBuilderGetQueryParameters, filter=odata_filter,
                                 select=SERVICE_PRINCIPAL_FIELDS, top=PAGE_SIZE)
        return [dict(obj, principal_type="ServicePrincipal") for obj in found]

    async def groups(self, odata_filter):
        builder = self._client.groups
        found = await self._list("list groups where %s" % odata_filter, builder, builder.GroupsRequestBuilderGetQueryParameters,
                                 filter=odata_filter, select=GROUP_FIELDS, top=PAGE_SIZE)
        return [dict(obj, principal_type="Group") for obj in found]

    async def directory_object(self, object_id):
        """Any directory object by id (its type from @odata.type); None when there is none."""
        builder = self._client.directory_objects.by_directory_object_id(object_id)
        return to_dict(await self._call("read directory object %s" % object_id, builder.to_get_request_information()))

    async def by_ids(self, object_ids):
        """Directory objects for up to 1000 ids per request (directoryObjects/getByIds); unknown ids are left out."""
        from msgraph.generated.directory_objects.get_by_ids.get_by_ids_post_request_body import GetByIdsPostRequestBody
        found = []
        ids = sorted(set(i.lower() for i in object_ids))
        builder = self._client.directory_objects.get_by_ids
        for start in range(0, len(ids), 1000):
            request = builder.to_post_request_information(GetByIdsPostRequestBody(ids=ids[start:start + 1000]))
            page = await self._call("read directory objects by id", request, {})
            found.extend(to_dict(obj) for obj in (page or {}).get("value") or [])
        return found


class GraphDirectory:
    """Runs batches of Graph queries for one task with the session's credential and cloud."""

    def __init__(self, session):
        self._session = session

    def run(self, work):
        """Run ``await work(queries)`` in a fresh event loop and return its result."""
        import asyncio  # only when the directory is queried: asyncio costs ~20 ms to import

        return asyncio.run(self._run(work))

    async def _run(self, work):
        mods = _imports()
        httpx = mods["httpx"]
        cloud = self._session.cloud
        credential = self._session.credential
        base_url = graph_base_url(cloud)
        http = httpx.AsyncClient(base_url=base_url, verify=ca_verify(),
                                 timeout=httpx.Timeout(CLIENT_SETTINGS["read_timeout"],
                                                       connect=CLIENT_SETTINGS["connection_timeout"]))
        try:
            # Tokens go only to the Graph host of this cloud, for this cloud's Graph audience. Without continuous
            # access evaluation (pointless for a run of seconds), the Graph token comes from the same token cache and
            # sign-in session as the ARM one, instead of a second one that discovers the authority again.
            auth = mods["AzureIdentityAuthenticationProvider"](credential, scopes=[cloud.graph_scope],
                                                               allowed_hosts=[urlsplit(base_url).hostname],
                                                               is_cae_enabled=False)
            adapter = mods["GraphRequestAdapter"](auth, client=mods["GraphClientFactory"].create_with_default_middleware(
                client=http))
            adapter.base_url = base_url
            return await work(GraphQueries(mods["GraphServiceClient"](request_adapter=adapter), mods))
        finally:
            await http.aclose()
