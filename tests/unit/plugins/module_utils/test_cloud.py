# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._cloud import (
    KNOWN_CLOUDS,
    cloud_from_metadata,
    known_cloud,
    metadata_url,
    resolve_cloud,
    validate_cloud_environment,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

ARM = "https://arm.example.test:8443/"

# The public cloud's 2022-09-01 document (abridged): a single object.
DOC_2022 = {
    "name": "AzureCloud", "resourceManager": "https://management.azure.com/",
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                       "tenant": "common", "identityProvider": "AAD"},
    "microsoftGraphResourceId": "https://graph.microsoft.com/", "graph": "https://graph.windows.net/",
}
# 2019-05-01: an array of per-cloud objects (azure-cli's ARM_CLOUD_METADATA_URL form).
DOC_2019 = [
    {"name": "AzureChinaCloud", "resourceManager": "https://management.chinacloudapi.cn/",
     "authentication": {"loginEndpoint": "https://login.chinacloudapi.cn", "audiences": ["https://management.core.chinacloudapi.cn/"]}},
    {"name": "Emulated", "resourceManager": ARM,
     "authentication": {"loginEndpoint": ARM, "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"]},
     "graph": ARM},
]
# 2015-01-01 (Azure Stack Hub): no resourceManager and only the Azure AD Graph endpoint.
DOC_2015 = {"galleryEndpoint": "https://gallery.local/", "graphEndpoint": "https://graph.windows.net/",
            "portalEndpoint": "https://portal.local/",
            "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                               "audiences": ["https://management.adfs.azurestack.local/4711"]}}


class Fetcher:
    def __init__(self, answers):
        self.answers = answers
        self.urls = []

    def __call__(self, url):
        self.urls.append(url)
        for marker, (status, document) in self.answers.items():
            if marker in url:
                return status, document if isinstance(document, str) else json.dumps(document)
        return 404, "{}"


@pytest.mark.parametrize("name, expected", [("AzureCloud", "AzureCloud"), ("azurepubliccloud", "AzureCloud"),
                                            (None, "AzureCloud"), ("AzureChinaCloud", "AzureChinaCloud"),
                                            ("Azure US Government", "AzureUSGovernment"), ("usgovernment", "AzureUSGovernment")])
def test_known_clouds_need_no_request(name, expected):
    def no_fetch(url):
        raise AssertionError("no request expected, got %s" % url)
    cloud = resolve_cloud(name, fetch=no_fetch)
    assert cloud is KNOWN_CLOUDS[expected]
    assert not cloud.custom


def test_public_cloud_scopes():
    cloud = KNOWN_CLOUDS["AzureCloud"]
    assert cloud.arm_scope == "https://management.azure.com/.default"
    assert cloud.graph_scope == "https://graph.microsoft.com/.default"
    assert KNOWN_CLOUDS["AzureUSGovernment"].authority == "https://login.microsoftonline.us"


@pytest.mark.parametrize("given, expected", [
    ("https://h:1", "https://h:1/metadata/endpoints?api-version=2022-09-01"),
    ("https://h:1/", "https://h:1/metadata/endpoints?api-version=2022-09-01"),
    ("https://h:1/metadata/endpoints", "https://h:1/metadata/endpoints?api-version=2022-09-01"),
    ("https://h:1/metadata/endpoints?api-version=2019-05-01", "https://h:1/metadata/endpoints?api-version=2019-05-01"),
])
def test_metadata_url(given, expected):
    assert metadata_url(given) == expected


def test_form_2022_single_object():
    cloud = cloud_from_metadata(DOC_2022, "https://management.azure.com/metadata/endpoints?api-version=2022-09-01")
    assert cloud.name == "AzureCloud"
    assert cloud.authority == "https://login.microsoftonline.com"
    assert cloud.resource_manager == "https://management.azure.com/"
    assert cloud.arm_scope == "https://management.core.windows.net/.default"
    assert cloud.graph_endpoint == "https://graph.microsoft.com/"
    assert cloud.custom


def test_form_2019_array_picks_the_cloud_served_by_that_host():
    cloud = cloud_from_metadata(DOC_2019, ARM + "metadata/endpoints?api-version=2019-05-01")
    assert cloud.name == "Emulated"
    assert cloud.resource_manager == ARM
    assert cloud.authority == ARM.rstrip("/")
    # no microsoftGraphResourceId: Graph look-ups fail clearly, ARM work is unaffected
    assert cloud.graph_endpoint is None
    with pytest.raises(DigitalTwinsError, match="no Microsoft Graph endpoint"):
        assert cloud.graph_scope


def test_form_2019_array_with_no_matching_host():
    with pytest.raises(DigitalTwinsError, match="lists several clouds"):
        cloud_from_metadata(DOC_2019, "https://other.test/metadata/endpoints?api-version=2019-05-01")
    single = cloud_from_metadata(DOC_2019[:1], "https://other.test/metadata/endpoints")
    assert single.name == "AzureChinaCloud"


def test_form_2015_uses_the_serving_host_as_arm():
    cloud = cloud_from_metadata(DOC_2015, "https://management.local.azurestack.external/metadata/endpoints?api-version=2015-01-01")
    assert cloud.resource_manager == "https://management.local.azurestack.external/"
    assert cloud.arm_audience == "https://management.adfs.azurestack.local/4711"
    assert cloud.authority == "https://login.microsoftonline.com"
    assert cloud.graph_endpoint is None


@pytest.mark.parametrize("document, words", [
    ([], "lists no cloud"),
    ("text", "not a JSON object"),
    ({"authentication": {"audiences": ["x"]}}, "authentication.loginEndpoint"),
    ({"authentication": {"loginEndpoint": "https://l"}}, "authentication.audiences"),
])
def test_incomplete_documents(document, words):
    with pytest.raises(DigitalTwinsError, match=words):
        cloud_from_metadata(document, "https://x/metadata/endpoints")


def test_resolve_url_reads_2022_first():
    fetch = Fetcher({"2022-09-01": (200, DOC_2022)})
    cloud = resolve_cloud("https://management.azure.com", fetch=fetch)
    assert fetch.urls == ["https://management.azure.com/metadata/endpoints?api-version=2022-09-01"]
    assert cloud.graph_endpoint == "https://graph.microsoft.com/"


def test_resolve_url_falls_back_to_older_forms_after_400():
    fetch = Fetcher({"2022-09-01": (400, {"error": {"code": "InvalidApiVersionParameter"}}),
                     "2019-05-01": (404, "{}"), "2015-01-01": (200, DOC_2015)})
    cloud = resolve_cloud("https://management.local.azurestack.external", fetch=fetch)
    assert [url.rsplit("=", 1)[1] for url in fetch.urls] == ["2022-09-01", "2019-05-01", "2015-01-01"]
    assert cloud.resource_manager == "https://management.local.azurestack.external/"


def test_resolve_url_strips_a_bom():
    fetch = Fetcher({"2022-09-01": (200, "\ufeff" + json.dumps(DOC_2022))})
    assert resolve_cloud("https://management.azure.com/", fetch=fetch).name == "AzureCloud"


def test_explicit_api_version_is_not_second_guessed():
    fetch = Fetcher({"2019-05-01": (500, "oops")})
    with pytest.raises(DigitalTwinsError, match="HTTP 500") as info:
        resolve_cloud(ARM + "metadata/endpoints?api-version=2019-05-01", fetch=fetch)
    assert len(fetch.urls) == 1
    assert "cloud_environment" in info.value.hint


def test_server_error_does_not_fall_back():
    fetch = Fetcher({"2022-09-01": (503, "busy")})
    with pytest.raises(DigitalTwinsError, match="HTTP 503"):
        resolve_cloud(ARM, fetch=fetch)
    assert len(fetch.urls) == 1


def test_not_json():
    with pytest.raises(DigitalTwinsError, match="is not JSON"):
        resolve_cloud(ARM, fetch=Fetcher({"2022": (200, "<html>")}))


@pytest.mark.parametrize("value", ["AzureGermanCloud", "http://insecure.test", "management.azure.com", "https://"])
def test_invalid_cloud_environment_is_rejected_without_request(value):
    with pytest.raises(DigitalTwinsError, match="neither a known cloud"):
        validate_cloud_environment(value)
    with pytest.raises(DigitalTwinsError):
        resolve_cloud(value, fetch=Fetcher({}))


def test_known_cloud_lookup():
    assert known_cloud("AzureChinaCloud").name == "AzureChinaCloud"
    assert known_cloud("https://x") is None


def test_unreachable_metadata_url_gives_a_short_message():
    # Nothing listens on port 1 of the loopback interface: the real HTTPS GET fails at once.
    with pytest.raises(DigitalTwinsError) as info:
        resolve_cloud("https://127.0.0.1:1")
    assert info.value.code == "ConnectionError"
    assert "Could not read the cloud metadata from https://127.0.0.1:1/metadata/endpoints" in str(info.value)
    assert "HTTPSConnection object at" not in str(info.value)
