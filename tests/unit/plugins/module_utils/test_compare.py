# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import (
    desired_tags,
    make_diff,
    normalise,
    normalise_location,
    same_id,
    tag_value,
    tags_differ,
    validate_location,
    validate_tags,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError


class TestTags:
    def test_not_managed_when_none(self):
        assert desired_tags({"a": "1"}, None, True) is None
        assert tags_differ({"a": "1"}, None) is False

    def test_purge_replaces(self):
        assert desired_tags({"a": "1", "b": "2"}, {"b": "3"}, True) == {"b": "3"}

    def test_merge_keeps_others(self):
        assert desired_tags({"a": "1", "b": "2"}, {"b": "3", "c": "4"}, False) == {"a": "1", "b": "3", "c": "4"}

    def test_values_become_strings(self):
        assert desired_tags({}, {"n": 5, "flag": True, "off": False, "empty": None}, True) == \
            {"n": "5", "flag": "true", "off": "false", "empty": ""}
        assert tag_value(1.5) == "1.5"

    def test_equal_after_conversion_is_no_change(self):
        wanted = desired_tags({"n": "5"}, {"n": 5}, True)
        assert not tags_differ({"n": "5"}, wanted)

    def test_current_none_equals_empty(self):
        assert not tags_differ(None, {})
        assert tags_differ(None, {"a": "1"})

    def test_purge_to_empty_is_a_change(self):
        assert tags_differ({"a": "1"}, desired_tags({"a": "1"}, {}, True))
        assert not tags_differ({"a": "1"}, desired_tags({"a": "1"}, {}, False))

    @pytest.mark.parametrize("tags, words", [
        ({"a/b": "x"}, "does not allow"),
        ({"": "x"}, "empty tag name"),
        ({"k" * 513: "x"}, "longer than 512"),
        ({"k": "v" * 257}, "longer than 256"),
        ({"t%d" % i: "v" for i in range(51)}, "at most 50"),
    ])
    def test_invalid_tags(self, tags, words):
        with pytest.raises(DigitalTwinsError, match=words):
            validate_tags(tags)

    def test_valid_tags(self):
        validate_tags(None)
        validate_tags({"environment": "prod", "cost-center": 4711, "k" * 512: "v" * 256})


class TestLocation:
    @pytest.mark.parametrize("given, expected", [("West US 2", "westus2"), ("westus2", "westus2"),
                                                 ("  North Europe ", "northeurope"), (None, None)])
    def test_normalise(self, given, expected):
        assert normalise_location(given) == expected
        assert validate_location(given) == expected

    @pytest.mark.parametrize("bad", ["west-us", "us/west", "2westus", "x"])
    def test_invalid(self, bad):
        with pytest.raises(DigitalTwinsError, match="not an Azure region name"):
            validate_location(bad)


class TestIdsAndDiffs:
    def test_same_id_ignores_case_and_trailing_slash(self):
        assert same_id("/subscriptions/X/resourceGroups/RG/", "/subscriptions/x/resourcegroups/rg")
        assert not same_id("/subscriptions/x/resourceGroups/rg1", "/subscriptions/x/resourceGroups/rg2")
        assert same_id(None, None)
        assert not same_id(None, "/x")

    def test_normalise_drops_volatile_keys_without_touching_the_input(self):
        state = {"name": "dt1", "provisioning_state": "Succeeded", "created_time": "t", "updated_time": "t",
                 "tags": {"a": "1"}}
        assert normalise(state) == {"name": "dt1", "tags": {"a": "1"}}
        assert "provisioning_state" in state
        assert normalise(None) == {} and normalise({}) == {}

    def test_make_diff_absent_to_present(self):
        diff = make_diff(None, {"name": "dt1", "updated_time": "t"})
        assert diff == {"before": {}, "after": {"name": "dt1"}}

    def test_make_diff_copies(self):
        after = {"tags": {"a": "1"}}
        diff = make_diff({}, after)
        diff["after"]["tags"]["a"] = "changed"
        assert after["tags"]["a"] == "1"


class TestResultTags:
    def test_limits_apply_to_the_merged_map(self):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import validate_result_tags
        current = {"k%d" % i: "v" for i in range(48)}
        validate_result_tags(current, dict(current, a="1", b="2"), "Resource group 'rg'")
        with pytest.raises(DigitalTwinsError) as info:
            validate_result_tags(current, dict(current, a="1", b="2", c="3"), "Resource group 'rg'")
        assert info.value.code == "TooManyTags"
        assert "Resource group 'rg' would have 51 tags (48 existing + 3 new)" in info.value.message and "a, b, c" in info.value.message
        validate_result_tags(current, None, "x")

    @pytest.mark.parametrize("tags, words", [({"a/b": "1"}, "a/b"), ({"x" * 513: "1"}, "longer than 512"),
                                             ({"a": "v" * 257}, "longer than 256")])
    def test_key_and_value_limits(self, tags, words):
        from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import validate_result_tags
        with pytest.raises(DigitalTwinsError, match=words):
            validate_result_tags({}, tags, "x")
