# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Azure cloud endpoints: the named public and sovereign clouds, or any cloud described by an ARM metadata URL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from ansible_collections.twinops.digital_twins.plugins.module_utils import _metadata_cache
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, short_reason

# Tried in this order when the user's URL names no api-version: the single-object form first, then the older forms
# that Azure Stack Hub and older ARM endpoints serve. A fallback is tried only after a 400 or 404.
METADATA_API_VERSIONS = ("2022-09-01", "2019-05-01", "2015-01-01")
METADATA_API_VERSION = METADATA_API_VERSIONS[0]


@dataclass(frozen=True)
class Cloud:
    """Where a cloud's services live and which token audiences they expect."""

    name: str
    authority: str
    resource_manager: str
    arm_audience: str
    graph_endpoint: Optional[str]
    graph_audience: Optional[str]
    custom: bool = False

    @property
    def arm_scope(self):
        return _scope(self.arm_audience)

    def require_graph(self):
        """The Microsoft Graph endpoint; a clear error when the cloud advertises none."""
        if not self.graph_endpoint or not self.graph_audience:
            raise DigitalTwinsError(
                "The cloud %s advertises no Microsoft Graph endpoint in its metadata (microsoftGraphResourceId), so "
                "principals cannot be looked up by name here." % self.name,
                hint="Give the principal's object id and type instead (assignee_object_id, principal_type).")
        return self.graph_endpoint

    @property
    def graph_scope(self):
        self.require_graph()
        return _scope(self.graph_audience)


def _scope(audience):
    return audience.rstrip("/") + "/.default"


KNOWN_CLOUDS = {
    "AzureCloud": Cloud("AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com/",
                        "https://management.azure.com/", "https://graph.microsoft.com/", "https://graph.microsoft.com/"),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/",
                             "https://management.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/",
                             "https://microsoftgraph.chinacloudapi.cn/"),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net/",
                               "https://management.usgovcloudapi.net/", "https://graph.microsoft.us/", "https://graph.microsoft.us/"),
}

# Names other tools accept for the same clouds (compared lower-cased, without spaces, dashes or underscores).
_ALIASES = {
    "azurecloud": "AzureCloud", "azurepubliccloud": "AzureCloud", "public": "AzureCloud",
    "azurechinacloud": "AzureChinaCloud", "china": "AzureChinaCloud",
    "azureusgovernment": "AzureUSGovernment", "azureusgovernmentcloud": "AzureUSGovernment", "usgovernment": "AzureUSGovernment",
}


def metadata_url(value, api_version=METADATA_API_VERSION):
    """The metadata document URL for an ARM endpoint or metadata URL given by the user."""
    parts = urlsplit(value)
    if "/metadata/endpoints" in parts.path:
        if "api-version=" in (parts.query or ""):
            return value
        return value + ("&" if parts.query else "?") + "api-version=" + api_version
    return "%s://%s%s/metadata/endpoints?api-version=%s" % (parts.scheme, parts.netloc, parts.path.rstrip("/"), api_version)


def _pick(documents, source):
    """From the 2019-05-01 array, the entry whose resourceManager is the host that served it (else the only one)."""
    if not documents:
        raise DigitalTwinsError("The cloud metadata at %s lists no cloud." % source)
    host = urlsplit(source).netloc.lower()
    for document in documents:
        if isinstance(document, dict) and urlsplit(document.get("resourceManager") or "").netloc.lower() == host:
            return document
    if len(documents) == 1:
        return documents[0]
    names = ", ".join(str(doc.get("name")) for doc in documents if isinstance(doc, dict))
    raise DigitalTwinsError("The cloud metadata at %s lists several clouds (%s) and none has its resourceManager on %s."
                            % (source, names, host),
                            hint="Point cloud_environment at the ARM endpoint of the cloud to use.")


def cloud_from_metadata(document, source):
    """Build a Cloud from an ARM metadata document.

    Accepts the 2022-09-01 single object, the 2019-05-01 array of clouds and the 2015-01-01 / 2018-01-01 objects
    (which carry no resourceManager: the host that served the document is the ARM endpoint then).
    Microsoft Graph is optional: only principal look-ups by name need it.
    """
    if isinstance(document, list):
        document = _pick(document, source)
    if not isinstance(document, dict):
        raise DigitalTwinsError("The cloud metadata at %s is not a JSON object." % source)
    auth = document.get("authentication") or {}
    resource_manager = document.get("resourceManager") or _arm_from_source(source)
    login = auth.get("loginEndpoint")
    audiences = auth.get("audiences") or []
    if isinstance(audiences, str):
        audiences = [audiences]
    missing = [name for name, val in (("authentication.loginEndpoint", login), ("authentication.audiences", audiences))
               if not val]
    if missing:
        raise DigitalTwinsError("The cloud metadata at %s lacks %s." % (source, ", ".join(missing)),
                                hint="Point cloud_environment at an ARM endpoint that serves /metadata/endpoints.")
    graph = document.get("microsoftGraphResourceId")
    return Cloud(name=document.get("name") or urlsplit(resource_manager).netloc, authority=login.rstrip("/"),
                 resource_manager=_slash(resource_manager), arm_audience=audiences[0],
                 graph_endpoint=_slash(graph) if graph else None, graph_audience=_slash(graph) if graph else None,
                 custom=True)


def _slash(url):
    return url.rstrip("/") + "/"


def _arm_from_source(source):
    parts = urlsplit(source)
    return "%s://%s/" % (parts.scheme, parts.netloc)


def known_cloud(value):
    """The Cloud for a cloud name (AzureCloud, AzureChinaCloud, AzureUSGovernment or an alias), or None."""
    key = (value or "AzureCloud").strip().lower()
    for char in " -_":
        key = key.replace(char, "")
    name = _ALIASES.get(key)
    return KNOWN_CLOUDS[name] if name else None


def validate_cloud_environment(value):
    """Check ``cloud_environment`` without any request; raises DigitalTwinsError when it cannot work."""
    if known_cloud(value):
        return
    text = (value or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise DigitalTwinsError(
            "cloud_environment %r is neither a known cloud (%s) nor an https URL of an ARM endpoint or its metadata."
            % (text, ", ".join(sorted(KNOWN_CLOUDS))))


def resolve_cloud(value, fetch=None):
    """Return the Cloud for ``value``: a known cloud name, or an https URL of an ARM endpoint or its metadata.

    ``fetch(url)`` returns ``(status, text)``; it defaults to an HTTPS GET that trusts the same CA bundle as the
    Azure SDK (``REQUESTS_CA_BUNDLE``), with the per-user disk cache of _metadata_cache in front of it.
    """
    cloud = known_cloud(value)
    if cloud:
        return cloud
    validate_cloud_environment(value)
    value = value.strip()
    if fetch is None:
        cached = _metadata_cache.load(value)
        if isinstance(cached, dict) and isinstance(cached.get("source"), str):
            try:
                return cloud_from_metadata(cached.get("metadata"), cached["source"])
            except DigitalTwinsError:
                pass  # an entry this version cannot use: fetch the document again
        cloud, document, source = _fetch_cloud(value, _https_get)
        _metadata_cache.store(value, {"source": source, "metadata": document})
        return cloud
    return _fetch_cloud(value, fetch)[0]


def _fetch_cloud(value, fetch):
    """(Cloud, metadata document, URL it came from), read from the cloud itself."""
    explicit = "api-version=" in (urlsplit(value).query or "")
    versions = (None,) if explicit else METADATA_API_VERSIONS
    for version in versions:
        url = value if explicit else metadata_url(value, version)
        status, text = fetch(url)
        if status == 200:
            break
        if explicit or status not in (400, 404) or version == versions[-1]:
            raise DigitalTwinsError("Could not read the cloud metadata from %s: HTTP %s." % (url, status), status=status,
                                    hint="Check cloud_environment / AZURE_CLOUD_ENVIRONMENT: it must be the ARM endpoint "
                                         "of the cloud (or its /metadata/endpoints URL).")
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        raise DigitalTwinsError("The cloud metadata at %s is not JSON." % url) from None
    return cloud_from_metadata(document, url), document, url


def _https_get(url):
    try:
        import requests  # azure-core depends on requests, so it is present wherever the SDK is
    except ImportError:
        raise DigitalTwinsError("The Python library requests is needed to read cloud metadata from %s." % url) from None
    try:
        response = requests.get(url, timeout=(10, 30), headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise DigitalTwinsError("Could not read the cloud metadata from %s: %s" % (url, short_reason(str(exc))),
                                code="ConnectionError",
                                hint="Check cloud_environment / AZURE_CLOUD_ENVIRONMENT, network access and the CA bundle "
                                     "(REQUESTS_CA_BUNDLE).") from None
    return response.status_code, response.text
