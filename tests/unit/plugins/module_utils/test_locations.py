# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._locations import LocationChecker

KEY = "https://management.azure.com/subscriptions/5ab5c000-0000-4000-8000-000000000001"


class FakeResourceClient:
    """Counts the reads of the resource provider; ``regions`` can change between reads."""

    def __init__(self, regions):
        self.regions = regions
        self.reads = 0
        self.providers = SimpleNamespace(get=self._get)

    def _get(self, namespace):
        self.reads += 1
        kind = SimpleNamespace(resource_type="digitalTwinsInstances", locations=list(self.regions))
        return SimpleNamespace(namespace=namespace, resource_types=[kind])


def checker(client, key=KEY):
    return LocationChecker(client, "Microsoft.DigitalTwins", "digitalTwinsInstances", "Azure Digital Twins", cache_key=key)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINOPS_METADATA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TWINOPS_METADATA_CACHE", raising=False)


def test_an_offered_region_is_read_once_per_hour_across_tasks():
    client = FakeResourceClient(["West US 2", "East US"])
    checker(client).check("westus2")
    checker(client).check("westus2")  # the next task of the run
    checker(client).check("eastus")
    assert client.reads == 1


def test_a_region_missing_from_the_cache_is_checked_against_a_fresh_read():
    client = FakeResourceClient(["West US 2"])
    checker(client).check("westus2")
    client.regions = ["West US 2", "Sweden Central"]  # newly offered
    checker(client).check("swedencentral")
    assert client.reads == 2
    with pytest.raises(DigitalTwinsError) as refused:
        checker(client).check("westus")
    assert "swedencentral" in str(refused.value) and client.reads == 3


def test_without_a_key_nothing_is_cached_and_each_checker_reads():
    client = FakeResourceClient(["West US 2"])
    checker(client, key=None).check("westus2")
    checker(client, key=None).check("westus2")
    assert client.reads == 2


def test_another_subscription_does_not_share_the_entry():
    client = FakeResourceClient(["West US 2"])
    checker(client).check("westus2")
    checker(client, key=KEY.replace("0001", "0002")).check("westus2")
    assert client.reads == 2
