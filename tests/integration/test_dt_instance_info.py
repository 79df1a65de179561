# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""twinops.digital_twins.dt_instance_info against the emulator."""

from __future__ import annotations

import pytest
from test_dt_instance import run  # noqa: F401  pylint: disable=import-error,unused-import


@pytest.fixture
def two_groups(run, emu):
    emu.settings(provisioning_delay_seconds=0)
    for group in ("rg-a", "rg-b"):
        assert not run("resource_group", name=group, location="westus2").get("failed")
    created = {}
    for name, group in (("dt-a1", "rg-a"), ("dt-a2", "rg-a"), ("dt-b1", "rg-b")):
        result = run("dt_instance", name=name, resource_group=group, location="westus2", tags={"g": group},
                     identity={"type": "SystemAssigned"})
        assert not result.get("failed"), result
        created[name] = result["instance"]
    return created


def names(result):
    return [(item["resource_group"], item["name"]) for item in result["instances"]]


def test_one_by_name_and_group_has_the_dt_instance_shape(run, emu, two_groups, writes):
    for check in (False, True):
        result = run("dt_instance_info", check=check, name="dt-a2", resource_group="rg-a")
        assert result["changed"] is False
        assert result["instances"] == [two_groups["dt-a2"]]
    assert writes() == []


def test_one_by_name_across_the_subscription(run, emu, two_groups, writes):
    result = run("dt_instance_info", name="DT-B1")
    assert result["instances"] == [two_groups["dt-b1"]]
    paths = [r["path"] for r in emu.requests() if r["path"].startswith("/subscriptions/")][-1:]
    assert paths == ["/subscriptions/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances" % emu.state()["subscription_id"]]


def test_all_in_a_group_and_in_the_subscription(run, emu, two_groups, writes):
    assert names(run("dt_instance_info", resource_group="rg-a")) == [("rg-a", "dt-a1"), ("rg-a", "dt-a2")]
    everything = run("dt_instance_info")
    assert names(everything) == [("rg-a", "dt-a1"), ("rg-a", "dt-a2"), ("rg-b", "dt-b1")]
    assert everything["instances"][2] == two_groups["dt-b1"]
    assert writes() == []


def test_pages_are_followed(run, emu, writes):
    emu.bulk_instances(count=7, resource_group="rg-bulk", name_prefix="bulk")
    emu.settings(page_size=3)
    result = run("dt_instance_info", resource_group="rg-bulk")
    assert [item["name"] for item in result["instances"]] == ["bulk-%05d" % i for i in range(7)]
    lists = [r for r in emu.requests() if r["path"].endswith("/digitalTwinsInstances")]
    assert len(lists) == 3


@pytest.mark.parametrize("args", [dict(name="dt-none"), dict(name="dt-none", resource_group="rg-a"),
                                  dict(resource_group="rg-missing"), dict(name="dt-a1", resource_group="rg-missing")])
def test_nothing_found_is_an_empty_list(run, emu, two_groups, args):
    result = run("dt_instance_info", **args)
    assert not result.get("failed"), result
    assert result["instances"] == []


def test_bad_name_fails_before_any_request(run, emu):
    start = emu.requests()
    result = run("dt_instance_info", name="-bad-")
    assert result["failed"] and result["error_code"] == "InvalidName"
    assert emu.requests() == start
