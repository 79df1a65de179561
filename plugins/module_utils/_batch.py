# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""One host's share of the results of list-form calls (the logic of the batch_result action).

A fleet converges in a few ``run_once`` calls of the list forms (``resource_groups``, ``instances``, ``targets``),
whose registered results every host of the batch sees. Each host then picks its own entries out of them by its
instance and resource group: the latest entry of each kind wins (a real run's result replaces the dry run's), the
first failure in call order is the host's failure (what later calls report is not the host's: a shared resource group
that another host's call created is not this host's creation), and a call that failed as a whole (no per-item results)
fails every host with its message.
"""

from __future__ import annotations

# The list a result carries, in the order a host's entries are reported.
KINDS = ("resource_groups", "instances", "targets")
# A host that removes its instance deletes the instance first, then (when asked) its resource group.
REMOVAL_ORDER = ("instances", "resource_groups")
LABELS = {"resource_groups": "resource group", "instances": "instance", "targets": "role assignments"}


def lower_name(value):
    """A name as Azure compares it (case-insensitively); anything else as given."""
    return value.lower() if isinstance(value, str) else value


def matches(kind, item, instance, resource_group):
    """True when ``item`` (an entry of the ``kind`` list) is the host's."""
    if not isinstance(item, dict):
        return False
    group = lower_name(resource_group)
    if kind == "resource_groups":
        return lower_name(item.get("name")) == group
    name = item.get("name") if kind == "instances" else item.get("instance")
    return lower_name(name) == lower_name(instance) and lower_name(item.get("resource_group")) == group


def entry_of(result, instance, resource_group):
    """The host's entry in one registered result: ``(kind, item)``, ``("call", result)`` for a call that failed as a
    whole, or None (skipped, or the call did not include the host)."""
    if not isinstance(result, dict) or result.get("skipped"):
        return None
    for kind in KINDS:
        if isinstance(result.get(kind), list):
            for item in result[kind]:
                if matches(kind, item, instance, resource_group):
                    return kind, item
            return None
    return "call", result


def change_word(item):
    """created, updated, deleted or unchanged, from the entry's changed flag and diff."""
    if not item.get("changed"):
        return "unchanged"
    diff = item.get("diff") or {}
    if not diff.get("before"):
        return "created"
    if not diff.get("after"):
        return "deleted"
    return "updated"


class Outcome:
    """The host's entries, failure and changes across the results given in call order."""

    def __init__(self, results, instance, resource_group, removing=False):
        self.instance = instance
        self.order = REMOVAL_ORDER if removing else KINDS
        self.resource_group = resource_group
        self.entries = {}
        self.failure = None
        self.created_instance = False
        self.created_resource_group = False
        for result in results or ():
            if self.failure is not None:
                break  # the host's story ends at its first failure: later calls did not act for it
            found = entry_of(result, instance, resource_group)
            if found is None:
                continue
            kind, item = found
            if kind == "call":
                self.fail(result.get("msg") or "The call failed without a message.")
                continue
            self.entries[kind] = item
            if kind == "instances" and item.get("created"):
                self.created_instance = True
            if item.get("failed"):
                self.fail(item.get("msg") or "failed")

    def fail(self, message):
        if self.failure is None:
            self.failure = message

    @property
    def changed(self):
        return any(item.get("changed") for item in self.entries.values())

    def diffs(self):
        """One diff per changed entry, with a header naming it."""
        shown = []
        for kind in self.order:
            item = self.entries.get(kind)
            if not item or not item.get("changed") or not isinstance(item.get("diff"), dict):
                continue
            header = self.header(kind)
            shown.append(dict(before=item["diff"].get("before") or {}, after=item["diff"].get("after") or {},
                              before_header=header, after_header=header))
        return shown

    def header(self, kind):
        if kind == "resource_groups":
            return "resource group %s" % self.resource_group
        return "%s %s" % ("instance" if kind == "instances" else "role assignments on instance", self.instance)

    def changes(self):
        """The change word of each entry kind the host has (resource_group, instance, assignments)."""
        words = {}
        for kind, key in (("resource_groups", "resource_group"), ("instances", "instance")):
            if kind in self.entries:
                words[key] = change_word(self.entries[kind])
        return words

    def summary(self):
        parts = ["%s %s" % (LABELS[kind], change_word(self.entries[kind])) for kind in self.order
                 if kind in self.entries and kind != "targets"]
        access = self.entries.get("targets")
        if access:
            added, removed = len(access.get("added") or []), len(access.get("removed") or [])
            parts.append("role assignments %d added, %d removed" % (added, removed))
        return "; ".join(parts) or "nothing to report"

    def fact(self):
        """The public fact of one instance (the setup role's ``twinops_digital_twins``)."""
        state = (self.entries.get("instances") or {}).get("instance") or {}
        access = self.entries.get("targets") or {}
        return dict(
            name=state.get("name") or self.instance,
            resource_group=state.get("resource_group") or self.resource_group,
            id=state.get("id"),
            location=state.get("location"),
            host_name=state.get("host_name"),
            endpoint=state.get("endpoint"),
            identity=state.get("identity") or {},
            public_network_access=state.get("public_network_access"),
            provisioning_state=state.get("provisioning_state"),
            assignments=access.get("assignments") or [],
            added_assignments=access.get("added") or [],
            removed_assignments=access.get("removed") or [],
            changes=self.changes(),
        )

    def removal_fact(self):
        """The public fact of an instance the host removes (state absent)."""
        return dict(
            name=self.instance,
            resource_group=self.resource_group,
            state="absent",
            deleted=bool((self.entries.get("instances") or {}).get("changed")),
            resource_group_deleted=bool((self.entries.get("resource_groups") or {}).get("changed")),
            changes=self.changes(),
        )

    def values_to_note(self):
        """The values Microsoft's manual procedure asks to note after creating an instance, and its endpoint."""
        state = (self.entries.get("instances") or {}).get("instance") or {}
        later = "(known once the instance exists)"
        return ["hostName: %s" % (state.get("host_name") or later), "name: %s" % (state.get("name") or self.instance),
                "resourceGroup: %s" % (state.get("resource_group") or self.resource_group),
                "endpoint: %s" % (state.get("endpoint") or later)]


def resource_group_missing(outcome):
    """True when the host's instance entry reports that its resource group does not exist."""
    item = outcome.entries.get("instances") or {}
    return item.get("resource_group_exists") is False


def created_resource_group(outcome, check_mode):
    """True when a real run created the host's resource group (the rollback deletes it)."""
    item = outcome.entries.get("resource_groups")
    return bool(item) and not check_mode and change_word(item) == "created" and not item.get("failed")
