# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Comparison helpers: tags, locations, case-insensitive ids, and before/after diffs built from normalised dicts."""

from __future__ import annotations

import copy
import re

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

# Limits ARM applies to tags on resources and resource groups.
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
_FORBIDDEN_TAG_NAME_CHARS = set('<>%&\\?/')


def tag_value(value):
    """Tags are strings in Azure: None becomes "", booleans and numbers their YAML-ish text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def validate_tags(tags):
    """Check ``tags`` against ARM's limits before any request; raises DigitalTwinsError."""
    if tags is None:
        return
    if len(tags) > MAX_TAGS:
        raise DigitalTwinsError("tags has %d entries; Azure allows at most %d per resource." % (len(tags), MAX_TAGS))
    for name, value in tags.items():
        name = str(name)
        if not name.strip():
            raise DigitalTwinsError("tags has an empty tag name.")
        bad = sorted(set(name) & _FORBIDDEN_TAG_NAME_CHARS)
        if bad:
            raise DigitalTwinsError("Tag name %r contains %s, which Azure does not allow in tag names (< > %% & \\ ? /)."
                                    % (name, " ".join(bad)))
        if len(name) > MAX_TAG_NAME:
            raise DigitalTwinsError("Tag name %r is longer than %d characters." % (name[:40] + "...", MAX_TAG_NAME))
        if len(tag_value(value)) > MAX_TAG_VALUE:
            raise DigitalTwinsError("The value of tag %r is longer than %d characters." % (name, MAX_TAG_VALUE))


def validate_result_tags(current, wanted, what):
    """Check the tags ``what`` would end with (``wanted``, from desired_tags) against ARM's limits before any write.

    With purge_tags false the given tags are merged into the existing ones, so the limits apply to the merged map:
    a merge past 50 tags is refused here, in check mode too, instead of by Azure after other writes.
    """
    if wanted is None:
        return
    if len(wanted) > MAX_TAGS:
        added = sorted(set(wanted) - set(current or {}))
        raise DigitalTwinsError(
            "%s would have %d tags (%d existing + %d new) after merging; Azure allows at most %d per resource. Remove "
            "tags, or set purge_tags=true to replace them. New tags: %s."
            % (what, len(wanted), len(wanted) - len(added), len(added), MAX_TAGS,
               ", ".join(added[:10]) + (", ..." if len(added) > 10 else "")), code="TooManyTags")
    validate_tags(wanted)


def desired_tags(current, desired, purge_tags):
    """The tags a resource should end with, or None when ``desired`` is None (tags not managed).

    With ``purge_tags`` the desired map replaces the current one; without it the desired keys are merged in.
    """
    if desired is None:
        return None
    current = dict(current or {})
    desired = {str(key): tag_value(value) for key, value in desired.items()}
    if purge_tags:
        return desired
    merged = dict(current)
    merged.update(desired)
    return merged


def tags_differ(current, wanted):
    """True when ``wanted`` (from desired_tags) differs from the current tags."""
    if wanted is None:
        return False
    return dict(current or {}) != wanted


def normalise_location(value):
    """ARM region names compare lower-case without spaces: "West US 2" and "westus2" are the same region."""
    if value is None:
        return None
    return re.sub(r"\s+", "", str(value)).lower()


def validate_location(value, option="location"):
    """Check a region name before any request; returns it normalised."""
    if value is None:
        return None
    location = normalise_location(value)
    if not re.match(r"^[a-z][a-z0-9]{1,39}$", location):
        raise DigitalTwinsError("%s %r is not an Azure region name (such as westus2, West Europe or swedencentral)."
                                % (option, value))
    return location


def same_id(left, right):
    """ARM ids and scopes compare case-insensitively and without a trailing slash."""
    if left is None or right is None:
        return left is right
    return left.rstrip("/").lower() == right.rstrip("/").lower()


VOLATILE_KEYS = ("provisioning_state", "created_time", "updated_time", "system_data", "etag")


def normalise(state, volatile=VOLATILE_KEYS):
    """A copy of a returned-state dict without the keys that change on every read, for diffs."""
    if not state:
        return {}
    clean = copy.deepcopy(state)
    for key in volatile:
        clean.pop(key, None)
    return clean


def make_diff(before, after):
    """An Ansible diff dict from two state dicts (None or {} means absent)."""
    return {"before": normalise(before), "after": normalise(after)}
