# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import Deadline
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import (
    ensure_absent,
    ensure_present,
    get_group,
    to_dict,
)
from ansible_collections.twinops.digital_twins.tests.unit.plugins.fakes import SUB, FakePoller, http_error


class Client:
    """resource_groups and resources operations over a dict, recording calls."""

    def __init__(self, groups=None, resources=(), regions=("West US 2", "West Europe"), provider_error=None):
        self.groups = dict(groups or {})
        self.listed = list(resources)
        self.calls = []
        self.regions = list(regions)
        self.provider_error = provider_error
        self.providers = SimpleNamespace(get=self.provider)
        self.resource_groups = SimpleNamespace(get=self.get, create_or_update=self.create, update=self.update,
                                               begin_delete=self.delete, list=self.list_groups)
        self.resources = SimpleNamespace(list_by_resource_group=self.list_resources)

    def provider(self, namespace):
        self.calls.append("provider")
        if self.provider_error:
            raise self.provider_error
        assert namespace == "Microsoft.Resources"
        return SimpleNamespace(resource_types=[SimpleNamespace(resource_type="operations", locations=[]),
                                               SimpleNamespace(resource_type="resourceGroups", locations=self.regions)])

    def get(self, name):
        self.calls.append("get")
        if name not in self.groups:
            raise http_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % name)
        return self.groups[name]

    def create(self, name, body):
        self.calls.append(("create", body))
        self.groups[name] = group(name, body["location"], body.get("tags"))
        return self.groups[name]

    def update(self, name, body):
        self.calls.append(("update", body))
        self.groups[name].tags = body["tags"]
        return self.groups[name]

    def delete(self, name, polling=True):
        self.calls.append(("delete", polling))
        self.groups.pop(name)
        return FakePoller()

    def list_groups(self):
        self.calls.append("list_groups")
        return iter(list(self.groups.values()))

    def list_resources(self, name):
        self.calls.append("list")
        return iter(self.listed)

    def writes(self):
        return [c for c in self.calls if isinstance(c, tuple)]


def group(name, location="westus2", tags=None, state="Succeeded"):
    return SimpleNamespace(id="/subscriptions/%s/resourceGroups/%s" % (SUB, name), name=name, location=location,
                           tags=tags, properties=SimpleNamespace(provisioning_state=state))


def resource(name, kind="Microsoft.DigitalTwins/digitalTwinsInstances"):
    return SimpleNamespace(id="/subscriptions/%s/resourceGroups/rg/providers/%s/%s" % (SUB, kind, name), name=name, type=kind)


def test_get_missing_is_none_but_forbidden_raises():
    assert get_group(Client(), "rg") is None
    client = Client()

    def forbidden(name):
        raise http_error(403, "AuthorizationFailed", "no")

    client.resource_groups.get = forbidden
    with pytest.raises(DigitalTwinsError, match="Could not read resource group 'rg'"):
        get_group(client, "rg")


def test_create_predicts_exactly():
    dummy, predicted = ensure_present(Client(), SUB, "rg", "West US 2", {"a": 1}, True, None, check_mode=True)
    client = Client()
    changed, created = ensure_present(client, SUB, "rg", "West US 2", {"a": 1}, True, None, check_mode=False)
    assert changed and predicted == created
    assert client.writes() == [("create", {"location": "westus2", "tags": {"a": "1"}})]


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_in_a_location_not_offered_fails_before_writing(check_mode):
    client = Client()
    with pytest.raises(DigitalTwinsError, match="location 'mars'.*westeurope, westus2") as info:
        ensure_present(client, SUB, "rg", "mars", None, True, None, check_mode=check_mode)
    assert info.value.code == "LocationNotAvailableForResourceGroup"
    assert client.calls == ["provider"]


@pytest.mark.parametrize("status", [403, 404])
def test_unreadable_provider_leaves_the_location_to_arm(status):
    client = Client(provider_error=http_error(status, "AuthorizationFailed", "no"))
    changed, created = ensure_present(client, SUB, "rg", "westus2", None, True, None, check_mode=False)
    assert changed and created["location"] == "westus2"
    assert client.writes() == [("create", {"location": "westus2"})]


def test_provider_outage_is_an_error():
    client = Client(provider_error=http_error(500, "InternalServerError", "boom"))
    with pytest.raises(DigitalTwinsError, match="regions that offer Microsoft.Resources/resourceGroups"):
        ensure_present(client, SUB, "rg", "westus2", None, True, None, check_mode=False)
    assert client.writes() == []


def test_tags_only_when_they_differ():
    client = Client({"rg": group("rg", tags={"a": "1"})})
    current = to_dict(client.groups["rg"])
    assert ensure_present(client, SUB, "rg", "westus2", {"a": "1"}, True, current, False) == (False, current)
    assert ensure_present(client, SUB, "rg", None, None, True, current, False) == (False, current)
    changed, state = ensure_present(client, SUB, "rg", None, {"b": "2"}, False, current, check_mode=True)
    assert changed and state["tags"] == {"a": "1", "b": "2"} and client.writes() == []
    ensure_present(client, SUB, "rg", None, {"b": "2"}, False, current, check_mode=False)
    assert client.writes() == [("update", {"tags": {"a": "1", "b": "2"}})]


def test_location_cannot_change():
    client = Client({"rg": group("rg")})
    with pytest.raises(DigitalTwinsError) as info:
        ensure_present(client, SUB, "rg", "eastus", None, True, to_dict(client.groups["rg"]), False)
    assert info.value.code == "LocationIsCreateOnly"
    assert client.writes() == []


def test_absent_refuses_a_group_with_resources_and_lists_them():
    client = Client({"rg": group("rg")}, [resource("dt1"), resource("kv1", "Microsoft.KeyVault/vaults")])
    with pytest.raises(DigitalTwinsError) as info:
        ensure_absent(client, "rg", to_dict(client.groups["rg"]), False, False, True, Deadline(60))
    assert "still holds 2 resources: dt1 (Microsoft.DigitalTwins/digitalTwinsInstances), kv1 (Microsoft.KeyVault/vaults)" \
        in str(info.value)
    assert info.value.code == "ResourceGroupNotEmpty"
    assert client.writes() == []


def test_resource_list_is_capped():
    client = Client({"rg": group("rg")}, [resource("r%02d" % i) for i in range(40)])
    with pytest.raises(DigitalTwinsError) as info:
        ensure_absent(client, "rg", to_dict(client.groups["rg"]), False, True, True, Deadline(60))
    assert "more than 20 resources" in str(info.value) and "r19 (" in str(info.value) and "r20" not in str(info.value)


def test_force_skips_the_listing_and_deletes():
    client = Client({"rg": group("rg")}, [resource("dt1")])
    assert ensure_absent(client, "rg", to_dict(client.groups["rg"]), True, True, True, Deadline(60)) == (True, {})
    assert client.writes() == []
    assert ensure_absent(client, "rg", to_dict(client.groups["rg"]), True, False, False, Deadline(60)) == (True, {})
    assert client.writes() == [("delete", False)]
    assert "list" not in client.calls


def test_empty_group_is_deleted_and_missing_is_no_change():
    client = Client({"rg": group("rg")})
    assert ensure_absent(client, "rg", to_dict(client.groups["rg"]), False, False, True, Deadline(60)) == (True, {})
    assert client.writes() == [("delete", True)]
    assert ensure_absent(client, "rg", None, False, False, True, Deadline(60)) == (False, {})


def test_delete_resources_do_not_block_the_deletion():
    instance = resource("dt-failed")
    client = Client({"rg": group("rg")}, [instance])
    changed, state = ensure_absent(client, "rg", to_dict(client.groups["rg"]), False, False, True, Deadline(60),
                                   delete_resources=[instance.id.upper() + "/"])
    assert changed and state == {}
    assert [call[0] for call in client.writes()] == ["delete"]


def test_other_resources_still_block_with_delete_resources():
    instance = resource("dt-failed")
    client = Client({"rg": group("rg")}, [instance, resource("kv1", "Microsoft.KeyVault/vaults")])
    with pytest.raises(DigitalTwinsError) as info:
        ensure_absent(client, "rg", to_dict(client.groups["rg"]), False, False, True, Deadline(60),
                      delete_resources=[instance.id])
    assert "still holds 1 resource besides delete_resources: kv1 (Microsoft.KeyVault/vaults)" in str(info.value)
    assert client.writes() == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_merged_tags_past_the_limit_are_refused(check_mode):
    client = Client({"rg": group("rg", tags={"k%d" % i: "v" for i in range(49)})})
    with pytest.raises(DigitalTwinsError) as info:
        ensure_present(client, SUB, "rg", None, {"a": "1", "b": "2"}, False, to_dict(client.groups["rg"]), check_mode)
    assert info.value.code == "TooManyTags" and "51 tags" in str(info.value)
    assert client.writes() == []


class TestListForm:
    def items(self, *options):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import GroupItem
        defaults = dict(location=None, tags=None, purge_tags=True, state="present", force=False, delete_resources=[])
        return [GroupItem(index, options=dict(defaults, **option)) for index, option in enumerate(options)]

    def test_one_list_one_provider_read_and_per_item_results(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import ensure_many
        client = Client({"rg1": group("rg1", tags={"a": "1"}), "rg3": group("rg3")})
        items = self.items(dict(name="rg1", tags={"a": "2"}), dict(name="rg2", location="westus2"),
                           dict(name="rg4", location="eastus"), dict(name="rg5", location="westeurope"),
                           dict(name="rg3", state="absent"))
        ensure_many(client, SUB, items, False, True, Deadline(60), sleep=lambda seconds: None)
        assert [i.result()["msg"] for i in items[:2]] == ["updated", "created"]
        assert "not offered in location 'eastus'" in items[2].result()["msg"] and items[2].result()["failed"]
        assert items[3].result()["msg"] == "created" and items[4].result()["msg"] == "deleted"
        assert client.calls.count("provider") == 1 and client.calls.count("get") == 0
        assert ("delete", False) in client.calls

    def test_check_mode_sends_no_write_and_same_declarations_merge(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import ensure_many
        client = Client({"rg1": group("rg1")})
        items = self.items(dict(name="rg2", location="westus2"), dict(name="RG2", location="westus2"),
                           dict(name="rg1", state="absent"))
        ensure_many(client, SUB, items, True, True, Deadline(60))
        assert client.writes() == []
        assert items[0].result()["resource_group"]["provisioning_state"] == "Succeeded"
        assert items[1].result() == dict(items[0].result(), name="RG2")
        assert items[2].changed and "rg1" in client.groups


class TestMatchLocation:
    def test_false_converges_a_group_in_another_region_where_it_is(self):
        client = Client({"rg": group("rg", location="westeurope", tags={"a": "1"})})
        current = to_dict(client.groups["rg"])
        for check_mode in (True, False):
            changed, after = ensure_present(client, SUB, "rg", "eastus", {"a": "2"}, True, current, check_mode,
                                            match_location=False)
            assert changed and after["location"] == "westeurope" and after["tags"] == {"a": "2"}
        assert client.writes() == [("update", {"tags": {"a": "2"}})]
        assert "provider" not in client.calls

    def test_false_uses_location_to_create(self):
        client = Client()
        changed, after = ensure_present(client, SUB, "rg", "West Europe", None, True, None, False, match_location=False)
        assert changed and after["location"] == "westeurope"
        assert client.writes() == [("create", {"location": "westeurope"})]

    def test_true_still_refuses_another_region(self):
        client = Client({"rg": group("rg", location="westeurope")})
        with pytest.raises(DigitalTwinsError) as info:
            ensure_present(client, SUB, "rg", "eastus", None, True, to_dict(client.groups["rg"]), False)
        assert info.value.code == "LocationIsCreateOnly" and "match_location=false" in str(info.value)
        assert client.writes() == []


class TestSameGroupInManyItems:
    items = TestListForm.items

    def run(self, client, items, check_mode=False):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import ensure_many
        return ensure_many(client, SUB, items, check_mode, True, Deadline(60), sleep=lambda seconds: None)

    @pytest.mark.parametrize("check_mode", [True, False])
    def test_identical_items_converge_once_and_share_the_result(self, check_mode):
        client = Client()
        declared = [dict(name="rg" if i % 2 else "RG", location="westus2", tags={"env": "prod"}) for i in range(5)]
        items = self.run(client, self.items(*declared), check_mode)
        results = [item.result() for item in items]
        assert client.writes() == ([] if check_mode else [("create", {"location": "westus2", "tags": {"env": "prod"}})])
        for result in results:
            assert {k: v for k, v in result.items() if k != "name"} == \
                {k: v for k, v in results[0].items() if k != "name"}
        assert results[0]["msg"] == "created" and results[0]["changed"] and not results[0]["failed"]
        assert client.calls.count("list_groups") == 1 and client.calls.count("provider") == 1

    def test_without_match_location_the_first_location_creates(self):
        client = Client()
        declared = [dict(name="rg", match_location=False), dict(name="rg", location="westeurope", match_location=False),
                    dict(name="rg", location="westus2", match_location=False)]
        items = self.run(client, self.items(*declared))
        assert client.writes() == [("create", {"location": "westeurope"})]
        assert [i.result()["msg"] for i in items] == ["created"] * 3
        assert {i.result()["resource_group"]["location"] for i in items} == {"westeurope"}

    def test_without_match_location_an_existing_group_anywhere_is_unchanged(self):
        client = Client({"rg": group("rg", location="westeurope")})
        declared = [dict(name="rg", location="westus2", match_location=False),
                    dict(name="rg", location="eastus", match_location=False)]
        items = self.run(client, self.items(*declared))
        assert client.writes() == [] and "provider" not in client.calls
        for item in items:
            result = item.result()
            assert result["msg"] == "unchanged" and result["resource_group"]["location"] == "westeurope"
            assert result["diff"]["before"] == result["diff"]["after"]

    @pytest.mark.parametrize("other, option", [
        (dict(tags={"env": "test"}), "tags"),
        (dict(state="absent"), "state"),
        (dict(location="westeurope"), "location"),
        (dict(purge_tags=False), "purge_tags"),
    ])
    def test_different_declarations_fail_each_item_and_change_nothing_for_that_group(self, other, option):
        client = Client({"rg": group("rg", tags={"env": "old"})})
        base = dict(name="rg", location="westus2", tags={"env": "prod"})
        declared = [base, dict(name="rg-other", location="westus2"), base, dict(base, **other)]
        items = self.run(client, self.items(*declared))
        assert client.writes() == [("create", {"location": "westus2"})]     # only rg-other
        message = "Resource group 'rg' is declared by items 1, 3 and 4 with different %s" % option
        for index in (0, 2, 3):
            result = items[index].result()
            assert result["failed"] and not result["changed"] and result["msg"].startswith(message), result["msg"]
        assert items[1].result()["msg"] == "created"

    def test_two_items_are_named_as_such(self):
        client = Client()
        items = self.run(client, self.items(dict(name="rg", location="westus2", tags={"a": "1"}),
                                            dict(name="rg", location="westus2", tags={"a": "2"})))
        assert items[1].result()["msg"].startswith("Resource group 'rg' is declared by items 1 and 2 with different tags")

    def test_options_without_effect_do_not_conflict(self):
        client = Client({"rg": group("rg")})
        items = self.run(client, self.items(dict(name="rg", purge_tags=True), dict(name="rg", purge_tags=False),
                                            dict(name="rg", force=True)))
        assert [i.result()["msg"] for i in items] == ["unchanged"] * 3

    def test_deletions_merge_delete_resources(self):
        kept = resource("dt1")
        other = resource("dt2")
        client = Client({"rg": group("rg")}, resources=[kept, other])
        items = self.run(client, self.items(dict(name="rg", state="absent", delete_resources=[kept.id]),
                                            dict(name="rg", state="absent", delete_resources=[other.id.upper()])))
        assert [i.result()["msg"] for i in items] == ["deleted", "deleted"]
        assert [c for c in client.writes() if c[0] == "delete"] == [("delete", False)]
