# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""What each of the setup role's batch calls covers (the logic of the batch_plan action).

The role converges every host of a batch in a few ``run_once`` calls of the list forms: a dry run of the access
(``dt_role_assignment`` ``targets``, check mode) and of the instances (``dt_instance`` ``instances``, check mode), then
the writes the dry run predicts: the resource groups, the instances, the access of the hosts whose group and instance
converged, and the resource groups that hosts removing their instance asked to delete. Between the calls, ``Plan``
selects, from the batch's declarations (``_declaration.build``) and the results registered so far, which declarations
the next call covers: a host whose dry run failed is left out of every write (it fails alone, with the dry run's
message, in its outcome), and a host whose group or instance failed is left out of the calls after.

Names are compared in lower case (Azure's names are case-insensitive), as the declarations' ``key`` (the resource
group) and ``name_key`` (the instance) are.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.twinops.digital_twins.plugins.module_utils._batch import lower_name

# The points of the role's flow, in order: each returns the inputs of the calls that follow it.
STEPS = ("collect", "access_planned", "planned", "groups_converged", "instances_converged")

# The calls whose registered results the steps read or name, by role in the flow.
CALLS = ("batch", "access_plan", "instance_plan", "resource_groups", "instances", "access", "deleted_groups")


def items(result, kind):
    """The per-item entries (``kind``: targets, instances or resource_groups) of one registered result: none when the
    call was skipped, failed as a whole, or did not run."""
    found = result.get(kind) if isinstance(result, Mapping) else None
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def answered(result, kind):
    """True when the call was skipped or answered item by item (a call that failed as a whole, for example on its
    sign-in, has no per-item entries)."""
    return isinstance(result, Mapping) and (bool(result.get("skipped")) or isinstance(result.get(kind), list))


def failed_names(result, kind, field):
    """The names (lower case) that ``field`` gives of the failed entries of one result, in order."""
    return [lower_name(item.get(field)) for item in items(result, kind) if item.get("failed")]


def any_changed(result, kind):
    return any(item.get("changed") for item in items(result, kind))


def excluding(declarations, names):
    """The declarations whose instance (``name_key``) is not among ``names``."""
    names = set(names)
    return [declaration for declaration in declarations if declaration["name_key"] not in names]


def collect(declarations):
    """The batch, from the declarations of its hosts (None for a host without one, which is left out), and the
    inputs of the dry runs: the access targets of the hosts whose instance is present, and the batch's settings
    (every call covers the whole batch: it waits as little as the host that waits least asks for, as long as the
    host that allows the longest, and verifies when any host verifies)."""
    batch = [declaration for declaration in declarations if declaration]
    counts = {}
    for declaration in batch:
        counts[declaration["key"]] = counts.get(declaration["key"], 0) + 1
    return dict(
        batch=batch,
        targets=[declaration["access"] for declaration in batch if declaration["state"] == "present"],
        wait=min((declaration["wait"] for declaration in batch), default=None),
        wait_timeout=max((declaration["wait_timeout"] for declaration in batch), default=None),
        principal_wait_timeout=max((declaration["principal_wait_timeout"] for declaration in batch), default=None),
        verify=max((declaration["verify"] for declaration in batch), default=None),
        # The resource groups (lower case) that more than one host declares: a rollback keeps them for the others.
        shared_resource_groups=sorted(key for key, count in counts.items() if count > 1),
    )


class Plan:
    """The selections of the batch, from its declarations and the results registered so far (the results of calls
    that have not run yet are None)."""

    def __init__(self, batch, access_plan=None, instance_plan=None, resource_groups=None, instances=None):
        self.batch = list(batch or ())
        self.access_plan = access_plan
        self.instance_plan = instance_plan
        self.resource_groups = resource_groups
        self.instances = instances

    @property
    def present(self):
        """The declarations of an instance that is present (the others remove theirs)."""
        return [declaration for declaration in self.batch if declaration["state"] == "present"]

    @property
    def access_refused(self):
        """The instances whose access plan failed: their instances are not planned (a host fails on its first
        error, and a bad assignment fails before any request)."""
        return failed_names(self.access_plan, "targets", "instance")

    @property
    def to_plan(self):
        """The declarations whose instance the dry run of the instances covers."""
        return excluding(self.batch, self.access_refused)

    @property
    def groups_found(self):
        """The resource groups that the dry run of the instances found."""
        found = []
        for item in items(self.instance_plan, "instances"):
            name = lower_name(item.get("resource_group"))
            if item.get("resource_group_exists") and name not in found:
                found.append(name)
        return found

    @property
    def plan_ok(self):
        """Whether both dry runs answered for every host (a call that failed as a whole stops them all)."""
        return answered(self.access_plan, "targets") and answered(self.instance_plan, "instances")

    @property
    def plan_failed(self):
        """The instances whose dry run failed: nothing is written for their hosts, which fail with the dry run's
        message in their outcome."""
        return self.access_refused + failed_names(self.instance_plan, "instances", "name")

    @property
    def planned(self):
        """The declarations whose dry run passed."""
        return excluding(self.batch, self.plan_failed)

    @property
    def to_create(self):
        """The declarations of a present instance that may be created: the role may create their resource group,
        or it exists."""
        present = [declaration for declaration in self.planned if declaration["state"] == "present"]
        found = set(self.groups_found)
        return ([declaration for declaration in present if declaration["create_resource_group"]]
                + [declaration for declaration in present
                   if not declaration["create_resource_group"] and declaration["key"] in found])

    @property
    def groups_to_converge(self):
        """The declarations whose resource group a call converges: those the dry run did not find, then those whose
        tags are declared (they may have drifted). A group that exists and whose tags are left alone needs no call.
        A declaration can be in both parts; the module converges items that name the same group once."""
        creating = [declaration for declaration in self.to_create if declaration["create_resource_group"]]
        found = set(self.groups_found)
        return ([declaration for declaration in creating if declaration["key"] not in found]
                + [declaration for declaration in creating
                   if isinstance(declaration["resource_group"].get("tags"), Mapping)])

    @property
    def groups_failed(self):
        """The resource groups that failed to converge: their hosts' instances are not touched."""
        return failed_names(self.resource_groups, "resource_groups", "name")

    @property
    def instances_to_converge(self):
        """The declarations whose instance a call creates, updates or deletes: those whose group converged, then
        those that remove their instance."""
        failed = set(self.groups_failed)
        return ([declaration for declaration in self.to_create if declaration["key"] not in failed]
                + [declaration for declaration in self.planned if declaration["state"] == "absent"])

    @property
    def instances_failed(self):
        """The instances whose create, update or delete failed."""
        return failed_names(self.instances, "instances", "name")

    @property
    def converging(self):
        """The declarations whose resource group and instance converged: their access is next."""
        groups = set(self.groups_failed)
        return [declaration for declaration in excluding(self.to_create, self.instances_failed)
                if declaration["key"] not in groups]

    @property
    def deleted_ids(self):
        """The ARM ids of the instances the dry run predicts deleted (so that check mode agrees with a real run)."""
        ids = []
        for item in items(self.instance_plan, "instances"):
            before = (item.get("diff") or {}).get("before") if isinstance(item.get("diff"), Mapping) else None
            if item.get("msg") == "deleted" and isinstance(before, Mapping) and before.get("id"):
                ids.append(before["id"])
        return ids

    @property
    def groups_to_delete(self):
        """The resource groups to delete (items of the resource_group list form): those of the hosts that remove
        their instance and ask for it, once the instance is gone. Each may hold only the instances this run deletes."""
        failed = set(self.instances_failed)
        deleted = self.deleted_ids
        return [dict(declaration["resource_group_absent"], delete_resources=list(deleted))
                for declaration in self.planned
                if declaration["state"] == "absent" and declaration["delete_resource_group"]
                and declaration["name_key"] not in failed]

    @property
    def apply_needed(self):
        """Whether the plan predicts anything to write (or, in check mode, to predict with the group calls)."""
        return bool(self.groups_to_converge or self.groups_to_delete or any_changed(self.access_plan, "targets")
                    or any_changed(self.instance_plan, "instances"))

    @property
    def apply(self):
        """Whether the writes run: both dry runs answered and they predict a change."""
        return self.plan_ok and self.apply_needed


def results(names, apply):
    """The names of the results each host reads its outcome from, in call order, by the state it declares: the dry
    runs, and the writes when they run in this pass (a result registered by an earlier pass must not speak for this
    one)."""
    present = [names["access_plan"], names["instance_plan"]]
    absent = [names["instance_plan"]]
    if apply:
        present += [names["resource_groups"], names["instances"], names["access"]]
        absent += [names["instances"], names["deleted_groups"]]
    return dict(present=present, absent=absent)


def step(name, plan, names=None, check_mode=False):
    """The inputs of the calls that follow step ``name`` (not ``collect``, see ``collect()``)."""
    if name == "access_planned":
        return dict(instances=[declaration["instance"] for declaration in plan.to_plan])
    if name == "planned":
        return dict(apply=plan.apply, results=results(names, plan.apply),
                    resource_groups=[declaration["resource_group"] for declaration in plan.groups_to_converge])
    if name == "groups_converged":
        # In check mode the dry run is the run; outside it, only when the plan predicts a change to an instance.
        write = not check_mode and any_changed(plan.instance_plan, "instances")
        return dict(instances=[declaration["instance"] for declaration in plan.instances_to_converge] if write else [])
    if name == "instances_converged":
        # As the instances; also not after an instance call that failed as a whole.
        write = not check_mode and any_changed(plan.access_plan, "targets") and answered(plan.instances, "instances")
        return dict(targets=[declaration["access"] for declaration in plan.converging] if write else [],
                    resource_groups=plan.groups_to_delete)
    raise ValueError("unknown step %r: expected one of %s" % (name, ", ".join(STEPS)))
