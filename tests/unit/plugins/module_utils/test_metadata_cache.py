# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils import _cloud, _metadata_cache
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

ARM = "https://arm.example.test:8443"
DOC = {"name": "Private", "resourceManager": ARM + "/",
       "authentication": {"loginEndpoint": "https://login.example.test", "audiences": ["https://management.azure.com/"]},
       "microsoftGraphResourceId": "https://graph.example.test/"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv("TWINOPS_METADATA_CACHE", raising=False)
    monkeypatch.delenv("TWINOPS_METADATA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "twinops.digital_twins"


@pytest.fixture
def fetches(monkeypatch):
    """The URLs the default HTTPS GET was asked for (answered with DOC, or with the given status)."""
    seen = Fetches()

    def fake_get(url):
        seen.append(url)
        return seen.answer["status"], json.dumps(DOC)

    monkeypatch.setattr(_cloud, "_https_get", fake_get)
    return seen


class Fetches(list):
    def __init__(self):
        super().__init__()
        self.answer = {"status": 200}


def test_second_process_reads_the_cache(cache, fetches):
    first = _cloud.resolve_cloud(ARM)
    second = _cloud.resolve_cloud(ARM)
    assert first == second and second.resource_manager == ARM + "/"
    assert len(fetches) == 1
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700"
    files = list(cache.iterdir())
    assert len(files) == 1 and oct(os.stat(files[0]).st_mode & 0o777) == "0o600"


def test_entries_are_per_url(cache, fetches):
    _cloud.resolve_cloud(ARM)
    _cloud.resolve_cloud(ARM + "/metadata/endpoints?api-version=2022-09-01")
    assert len(fetches) == 2


def test_stale_entry_is_fetched_again(cache, fetches, monkeypatch):
    _cloud.resolve_cloud(ARM)
    real_time = _metadata_cache.time.time
    monkeypatch.setattr(_metadata_cache.time, "time", lambda: real_time() + _metadata_cache.TTL + 1)
    _cloud.resolve_cloud(ARM)
    assert len(fetches) == 2


@pytest.mark.parametrize("value", ["off", "0", "false"])
def test_cache_can_be_turned_off(cache, fetches, monkeypatch, value):
    monkeypatch.setenv("TWINOPS_METADATA_CACHE", value)
    _cloud.resolve_cloud(ARM)
    _cloud.resolve_cloud(ARM)
    assert len(fetches) == 2 and not cache.exists()


def test_cache_dir_can_be_moved(tmp_path, fetches, monkeypatch):
    monkeypatch.setenv("TWINOPS_METADATA_CACHE_DIR", str(tmp_path / "elsewhere"))
    _cloud.resolve_cloud(ARM)
    _cloud.resolve_cloud(ARM)
    assert len(fetches) == 1 and len(list((tmp_path / "elsewhere").iterdir())) == 1


@pytest.mark.parametrize("content", ["{not json", json.dumps({"url": "other"}), json.dumps([1, 2]),
                                     json.dumps({"url": ARM, "fetched": 0, "document": {"source": 1}})])
def test_unusable_entry_is_ignored_and_replaced(cache, fetches, content):
    _cloud.resolve_cloud(ARM)
    (entry,) = cache.iterdir()
    entry.write_text(content)
    assert _cloud.resolve_cloud(ARM).name == "Private"
    assert len(fetches) == 2
    assert json.loads(entry.read_text())["url"] == ARM


def test_entry_writable_by_others_is_not_trusted(cache, fetches):
    _cloud.resolve_cloud(ARM)
    (entry,) = cache.iterdir()
    os.chmod(entry, 0o666)
    _cloud.resolve_cloud(ARM)
    assert len(fetches) == 2


def test_directory_open_to_others_is_not_used(cache, fetches):
    _cloud.resolve_cloud(ARM)
    os.chmod(cache, 0o755)
    _cloud.resolve_cloud(ARM)
    _cloud.resolve_cloud(ARM)
    assert len(fetches) == 3


def test_failed_fetch_is_not_cached(cache, fetches):
    fetches.answer["status"] = 500
    with pytest.raises(DigitalTwinsError, match="HTTP 500"):
        _cloud.resolve_cloud(ARM)
    assert not cache.exists() or not list(cache.iterdir())


def test_unwritable_cache_still_resolves(tmp_path, fetches, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TWINOPS_METADATA_CACHE_DIR", str(blocker / "sub"))
    assert _cloud.resolve_cloud(ARM).name == "Private"
    assert _cloud.resolve_cloud(ARM).name == "Private"
    assert len(fetches) == 2


def test_injected_fetch_bypasses_the_cache(cache):
    calls = []

    def fetch(url):
        calls.append(url)
        return 200, json.dumps(DOC)

    _cloud.resolve_cloud(ARM, fetch=fetch)
    _cloud.resolve_cloud(ARM, fetch=fetch)
    assert len(calls) == 2 and not cache.exists()


def test_known_clouds_need_no_cache(cache, fetches):
    assert _cloud.resolve_cloud("AzureCloud").name == "AzureCloud"
    assert fetches == [] and not cache.exists()
