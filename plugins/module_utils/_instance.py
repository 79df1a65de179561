# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Azure Digital Twins instances: naming rules, SDK model -> returned dict, and ``ensure_*`` functions.

``ensure_present`` and ``ensure_absent`` take the current state and ``check_mode`` and return
``(changed, state)``: in check mode they send no write and return the state a real run would return, with
``None`` for what only Azure can assign (host name, identity principal, timestamps).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import (
    Deadline,
    call,
    read_or_none,
    timeout_error,
    wait_for_lro,
    wait_until,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import (
    desired_tags,
    normalise_location,
    tags_differ,
    validate_result_tags,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import (
    instance_id,
    resource_group_of,
    validate_instance_name,
    validate_user_assigned_identity_id,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils import _locations

RESOURCE_TYPE = "Microsoft.DigitalTwins/digitalTwinsInstances"
IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned")
PUBLIC_NETWORK_ACCESS = ("Enabled", "Disabled")
# What Azure sets when a create does not say (publicNetworkAccess defaults to Enabled).
DEFAULT_PUBLIC_NETWORK_ACCESS = "Enabled"
# Provisioning states in which an operation is still running; every other state is final.
BUSY_STATES = ("provisioning", "updating", "deleting", "suspending", "restoring", "moving")


# ---------------------------------------------------------------------------------------------------------------
# Validation (no request)

def validate_name(name):
    """The instance naming rules: 3-63 letters, digits and hyphens, no hyphen at either end."""
    return validate_instance_name(name)


def normalise_identity_type(value):
    """"SystemAssigned, UserAssigned" and "systemassigned,userassigned" both become "SystemAssigned,UserAssigned"."""
    if value is None:
        return None
    key = re.sub(r"\s+", "", str(value)).lower()
    for known in IDENTITY_TYPES:
        if known.lower() == key:
            return known
    raise DigitalTwinsError("identity.type %r is not one of %s." % (value, ", ".join(IDENTITY_TYPES)))


def validate_identity(identity):
    """The desired identity as {type, user_assigned_identities: [ids]}, or None when not managed."""
    if identity is None:
        return None
    kind = normalise_identity_type(identity.get("type"))
    ids = [validate_user_assigned_identity_id(i) for i in identity.get("user_assigned_identities") or []]
    lowered = [i.lower() for i in ids]
    if len(set(lowered)) != len(lowered):
        raise DigitalTwinsError("identity.user_assigned_identities lists the same identity twice.")
    if "UserAssigned" in kind and not ids:
        raise DigitalTwinsError("identity.type %s needs at least one id in identity.user_assigned_identities." % kind)
    if "UserAssigned" not in kind and ids:
        raise DigitalTwinsError("identity.user_assigned_identities is only allowed with identity.type UserAssigned or "
                                "SystemAssigned,UserAssigned (got %s)." % kind)
    return {"type": kind, "user_assigned_identities": ids}


@dataclass
class InstanceRequest:
    """What the task asks for, validated."""

    subscription_id: str
    resource_group: str
    name: str
    location: Optional[str] = None
    tags: Optional[dict] = None
    purge_tags: bool = True
    identity: Optional[dict] = None
    public_network_access: Optional[str] = None
    wait: bool = True

    @property
    def description(self):
        return "instance '%s' in resource group '%s'" % (self.name, self.resource_group)


# ---------------------------------------------------------------------------------------------------------------
# SDK model -> returned dict

def _iso(value):
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return str(value)


def _host(host_name):
    """The live RP returns a bare host name; the API spec's examples show https://...; return the bare host."""
    if not host_name:
        return None
    return re.sub(r"^https?://", "", host_name).rstrip("/")


def identity_to_dict(identity):
    if identity is None or not getattr(identity, "type", None):
        return {"type": "None", "principal_id": None, "tenant_id": None, "user_assigned_identities": {}}
    users = {}
    for resource_id, value in (identity.user_assigned_identities or {}).items():
        users[resource_id] = {"client_id": getattr(value, "client_id", None),
                              "principal_id": getattr(value, "principal_id", None)}
    return {
        "type": normalise_identity_type(identity.type),
        "principal_id": identity.principal_id,
        "tenant_id": identity.tenant_id,
        "user_assigned_identities": users,
    }


def to_dict(instance):
    """The returned ``instance`` dict for an SDK DigitalTwinsDescription."""
    if instance is None:
        return {}
    host = _host(instance.host_name)
    return {
        "id": instance.id,
        "name": instance.name,
        "resource_group": resource_group_of(instance.id),
        "location": normalise_location(instance.location),
        "host_name": host,
        "endpoint": "https://%s" % host if host else None,
        "provisioning_state": instance.provisioning_state,
        "identity": identity_to_dict(instance.identity),
        "tags": dict(instance.tags or {}),
        "public_network_access": instance.public_network_access,
        "created_time": _iso(instance.created_time),
        "updated_time": _iso(instance.last_updated_time),
    }


def is_busy(state):
    return bool(state) and state.get("provisioning_state") is not None and \
        state["provisioning_state"].lower() in BUSY_STATES


# ---------------------------------------------------------------------------------------------------------------
# Reads

def get_instance(client, resource_group, name):
    """The instance as a returned dict, or None when it does not exist (a missing resource group raises)."""
    model = read_or_none("read instance '%s' in resource group '%s'" % (name, resource_group),
                         client.digital_twins.get, resource_group, name)
    return to_dict(model) if model is not None else None


def list_instances(client, resource_group=None):
    """Every instance in the resource group, or in the subscription, as returned dicts sorted by group and name."""
    if resource_group:
        action = "list the instances in resource group '%s'" % resource_group
        pager = call(action, client.digital_twins.list_by_resource_group, resource_group)
    else:
        action = "list the instances in the subscription"
        pager = call(action, client.digital_twins.list)
    instances = call(action, lambda: [to_dict(item) for item in pager])
    return sorted(instances, key=lambda item: ((item["resource_group"] or "").lower(), item["name"].lower()))


def find_by_name(client, name):
    """The one instance named ``name`` anywhere in the subscription, or None; several raise an error."""
    matches = [item for item in list_instances(client) if item["name"].lower() == name.lower()]
    if len(matches) > 1:
        raise DigitalTwinsError(
            "Several instances are named '%s' in this subscription, in resource groups %s; set resource_group to pick one."
            % (name, ", ".join(sorted(item["resource_group"] for item in matches))), code="AmbiguousName")
    return matches[0] if matches else None


def find_instances(client, name=None, resource_group=None):
    """The instances a query names, as returned dicts: one by name and group, one by name in the subscription, every
    one in a group, or every one in the subscription. A resource group that does not exist holds none."""
    try:
        if name and resource_group:
            found = get_instance(client, resource_group, name)
            return [found] if found else []
        if name:
            found = find_by_name(client, name)
            return [found] if found else []
        return list_instances(client, resource_group)
    except DigitalTwinsError as error:
        if error.code == "ResourceGroupNotFound":
            return []
        raise


def read_current(client, request, check_mode, absent, warn, deadline):
    """The instance as it is before the task, or None; in a real run, an operation still running on it (an earlier run
    that timed out, another tool) is waited for first, because Azure refuses to change an instance while it provisions.

    A missing resource group is an error, except for state=absent (nothing to delete) and in check mode, where an
    earlier task of the play may create it (``warn`` says so).
    """
    try:
        current = get_instance(client, request.resource_group, request.name)
    except DigitalTwinsError as error:
        if error.code != "ResourceGroupNotFound" or not (absent or check_mode):
            raise
        if not absent:
            warn("Resource group '%s' does not exist (yet). Check mode assumes an earlier task creates it; a real run "
                 "fails unless it exists by then." % request.resource_group)
        return None
    return current if check_mode else wait_while_busy(client, request, current, deadline)


def check_location_offered(resource_client, location):
    """Fail before any write when Azure Digital Twins is not offered in ``location`` (see _locations)."""
    _locations.check_location_offered(resource_client, "Microsoft.DigitalTwins", "digitalTwinsInstances", location,
                                      "Azure Digital Twins")


def check_name_available(client, models, location, name):
    """The checkNameAvailability preflight (instance names are global across Azure); raises when not available."""
    result = call("check whether the name '%s' is available" % name, client.digital_twins.check_name_availability,
                  location, models.CheckNameRequest(name=name))
    if result.name_available is False:
        reason = result.reason or ""
        if reason.lower() == "invalid":
            raise DigitalTwinsError("Azure rejects the instance name '%s': %s" % (name, result.message or "invalid name"),
                                    code="InvalidName")
        raise DigitalTwinsError(
            "The instance name '%s' is already taken: Digital Twins instance names are global across all of Azure. "
            "Pick another name.%s" % (name, (" Azure says: %s" % result.message) if result.message else ""),
            code="NameNotAvailable")


# ---------------------------------------------------------------------------------------------------------------
# Predictions

def _identity_payload(models, desired):
    users = None
    if desired["user_assigned_identities"]:
        users = {resource_id: models.UserAssignedIdentity() for resource_id in desired["user_assigned_identities"]}
    return models.DigitalTwinsIdentity(type=desired["type"], user_assigned_identities=users)


def predict_identity(current, desired):
    """The identity dict after applying ``desired`` to ``current`` (both as returned dicts / validated input)."""
    current = current or identity_to_dict(None)
    if desired is None:
        return current
    keeps_system = "SystemAssigned" in desired["type"] and "SystemAssigned" in (current.get("type") or "")
    users = {}
    existing = {key.lower(): (key, value) for key, value in (current.get("user_assigned_identities") or {}).items()}
    for resource_id in desired["user_assigned_identities"]:
        key, value = existing.get(resource_id.lower(), (resource_id, {"client_id": None, "principal_id": None}))
        users[key] = value
    return {
        "type": desired["type"],
        "principal_id": current.get("principal_id") if keeps_system else None,
        "tenant_id": current.get("tenant_id") if keeps_system else None,
        "user_assigned_identities": users,
    }


def identity_differs(current, desired):
    if desired is None:
        return False
    current = current or identity_to_dict(None)
    if (current.get("type") or "None") != desired["type"]:
        return True
    have = sorted(key.lower().rstrip("/") for key in (current.get("user_assigned_identities") or {}))
    want = sorted(key.lower() for key in desired["user_assigned_identities"])
    return have != want


def predict_created(request):
    """What a create returns; None for what Azure assigns (host name, principal ids, times)."""
    return {
        "id": instance_id(request.subscription_id, request.resource_group, request.name),
        "name": request.name,
        "resource_group": request.resource_group,
        "location": normalise_location(request.location),
        "host_name": None,
        "endpoint": None,
        "provisioning_state": "Succeeded" if request.wait else None,
        "identity": predict_identity(None, request.identity),
        "tags": desired_tags({}, request.tags, True) or {},
        "public_network_access": request.public_network_access or DEFAULT_PUBLIC_NETWORK_ACCESS,
        "created_time": None,
        "updated_time": None,
    }


def changes_for(current, request):
    """The fields a PATCH must send to turn ``current`` into what ``request`` asks: only those that differ."""
    changes = {}
    wanted = desired_tags(current["tags"], request.tags, request.purge_tags)
    validate_result_tags(current["tags"], wanted, request.description.capitalize())
    if tags_differ(current["tags"], wanted):
        changes["tags"] = wanted
    if identity_differs(current["identity"], request.identity):
        changes["identity"] = request.identity
    if request.public_network_access and request.public_network_access != current["public_network_access"]:
        changes["public_network_access"] = request.public_network_access
    return changes


def predict_updated(current, changes, wait):
    predicted = dict(current)
    if "tags" in changes:
        predicted["tags"] = changes["tags"]
    if "identity" in changes:
        predicted["identity"] = predict_identity(current["identity"], changes["identity"])
    if "public_network_access" in changes:
        predicted["public_network_access"] = changes["public_network_access"]
    predicted["provisioning_state"] = "Succeeded" if wait else None
    predicted["updated_time"] = None
    return predicted


def check_location(current, request):
    """location is create-only: a different one is an error, never a silent no-op."""
    if request.location and normalise_location(request.location) != current["location"]:
        raise DigitalTwinsError(
            "%s is in %s; location %s was requested. The location of an instance cannot be changed: omit location, "
            "set it to %s, or delete the instance and create it again (its data is lost)."
            % (request.description.capitalize(), current["location"], normalise_location(request.location),
               current["location"]), code="LocationIsCreateOnly")


# ---------------------------------------------------------------------------------------------------------------
# Ensure

def _read_state(client, request):
    """A function that reads the instance's provisioning state now (None when it does not exist)."""
    def read():
        state = get_instance(client, request.resource_group, request.name)
        return state.get("provisioning_state") if state is not None else None
    return read


def _finish(client, poller, request, deadline, action, what):
    """Wait (or not) for an LRO and return the resulting state dict."""
    if request.wait:
        model = wait_for_lro(poller, deadline, action, what, read_state=_read_state(client, request),
                             noun="the instance")
    else:
        model = call(action, poller.result)
    if model is None:
        # 202 without a body (wait=false), or a poller that did not deserialise anything: read what Azure has now.
        return get_instance(client, request.resource_group, request.name) or {}
    return to_dict(model)


def wait_while_busy(client, request, current, deadline):
    """When an earlier operation (one that timed out, or another tool's) is still running, wait for it to end."""
    if not is_busy(current) or not request.wait:
        return current
    return wait_until(lambda: get_instance(client, request.resource_group, request.name),
                      lambda state: not is_busy(state), deadline,
                      "the running operation on %s to finish" % request.description,
                      state_of=lambda state: (state or {}).get("provisioning_state"))


def has_failed(current):
    """True for an instance whose last provisioning ended Failed or Canceled (a PUT provisions it again)."""
    return current is not None and (current.get("provisioning_state") or "").lower() in ("failed", "canceled")


def preflight_create(client, models, request, check_mode, deadline, resource_client=None):
    """Before a create: the location is given and offered, and the name is free. Returns None, or the instance itself.

    Names are global, so checkNameAvailability answers "taken" also when the instance being declared was created in
    this very group since it was read (by a concurrent run of the same declaration, or by this run's earlier
    attempt): the instance is read again by name in the group, and when it is there it is returned (and, in a real
    run, waited for while it provisions) to be converged like any existing instance, instead of being reported as a
    name conflict.
    """
    if not request.location:
        raise DigitalTwinsError("%s does not exist and location is required to create it." % request.description.capitalize())
    if resource_client is not None:
        check_location_offered(resource_client, request.location)
    try:
        check_name_available(client, models, normalise_location(request.location), request.name)
    except DigitalTwinsError as taken:
        if taken.code != "NameNotAvailable":
            raise
        found = get_instance(client, request.resource_group, request.name)
        if found is None:
            raise
        return found if check_mode else wait_while_busy(client, request, found, deadline)
    return None


def _created_then_failed(client, request, error):
    """``error`` from a create whose PUT Azure accepted: add ``created: true`` and the instance as Azure holds it.

    A caller that rolls back what its run created (the setup role) removes the instance from that result, a Failed
    one included.
    """
    try:
        state = get_instance(client, request.resource_group, request.name)
    except DigitalTwinsError:
        state = None
    if state is None:
        state = {"id": instance_id(request.subscription_id, request.resource_group, request.name), "name": request.name,
                 "resource_group": request.resource_group, "provisioning_state": None}
    error.result.update(changed=True, created=True, instance=state)
    note = "This task created the instance (created: true in the result); it is left in Azure%s." % (
        (", provisioning state %s" % state["provisioning_state"]) if state.get("provisioning_state") else "")
    error.hint = "%s %s" % (note, error.hint) if error.hint else note
    return error


def create(client, models, request, check_mode, deadline):
    """PUT a new instance. Returns (True, state); a failure after Azure accepted the PUT says created: true."""
    predicted = predict_created(request)
    if check_mode:
        return True, predicted
    body = models.DigitalTwinsDescription(
        location=predicted["location"],
        tags=predicted["tags"] if request.tags is not None else None,
        identity=_identity_payload(models, request.identity) if request.identity is not None else None,
        public_network_access=request.public_network_access)
    action = "create %s" % request.description
    poller = call(action, client.digital_twins.begin_create_or_update, request.resource_group, request.name, body,
                  polling=bool(request.wait))
    try:
        return True, _finish(client, poller, request, deadline, action, "%s to be created" % request.description)
    except DigitalTwinsError as error:
        raise _created_then_failed(client, request, error) from None


def reprovision(client, models, request, current, check_mode, deadline):
    """PUT an instance whose provisioning failed again (ARM retries provisioning), keeping what the task does not
    mention. Returns (True, state)."""
    changes = changes_for(current, request)
    predicted = predict_updated(current, changes, request.wait)
    if check_mode:
        return True, predicted
    body = models.DigitalTwinsDescription(
        location=current["location"],
        tags=predicted["tags"],
        identity=_identity_payload(models, _identity_request(predicted["identity"])),
        public_network_access=request.public_network_access or current.get("public_network_access"))
    action = "re-provision %s" % request.description
    poller = call(action, client.digital_twins.begin_create_or_update, request.resource_group, request.name, body,
                  polling=bool(request.wait))
    return True, _finish(client, poller, request, deadline, action, "%s to be provisioned" % request.description)


def update(client, models, request, current, check_mode, deadline):
    """PATCH only what differs. Returns (changed, state)."""
    changes = changes_for(current, request)
    if not changes:
        return False, current
    predicted = predict_updated(current, changes, request.wait)
    if check_mode:
        return True, predicted
    patch = models.DigitalTwinsPatchDescription(
        tags=changes.get("tags"),
        identity=_identity_payload(models, changes["identity"]) if "identity" in changes else None,
        properties=models.DigitalTwinsPatchProperties(public_network_access=changes["public_network_access"])
        if "public_network_access" in changes else None)
    action = "update %s (%s)" % (request.description, ", ".join(sorted(changes)))
    poller = call(action, client.digital_twins.begin_update, request.resource_group, request.name, patch,
                  polling=bool(request.wait))
    return True, _finish(client, poller, request, deadline, action, "%s to be updated" % request.description)


def ensure_present(client, models, request, current, check_mode, deadline=None, resource_client=None):
    """Create the instance, re-provision a Failed one, or PATCH only what differs. Returns (changed, state).

    ``resource_client`` (a ResourceManagementClient), when given, is used to check the region before a create.
    """
    deadline = deadline or Deadline(1200)
    if current is None:
        current = preflight_create(client, models, request, check_mode, deadline, resource_client)
        if current is None:
            return create(client, models, request, check_mode, deadline)
    check_location(current, request)
    if has_failed(current):
        return reprovision(client, models, request, current, check_mode, deadline)
    return update(client, models, request, current, check_mode, deadline)


def _identity_request(identity):
    """A returned identity dict back into the validated-input shape."""
    return {"type": identity.get("type") or "None",
            "user_assigned_identities": list((identity.get("user_assigned_identities") or {}).keys())}


def ensure_absent(client, request, current, check_mode, deadline=None):
    """Delete the instance (and wait for it to be gone unless wait=false). Returns (changed, {})."""
    deadline = deadline or Deadline(1200)
    if current is None:
        return False, {}
    if (current.get("provisioning_state") or "").lower() == "deleting":
        if request.wait and not check_mode:
            wait_until(lambda: get_instance(client, request.resource_group, request.name), lambda state: state is None,
                       deadline, "%s to be deleted" % request.description,
                       state_of=lambda state: (state or {}).get("provisioning_state"))
        return False, {}
    if check_mode:
        return True, {}
    action = "delete %s" % request.description
    poller = call(action, client.digital_twins.begin_delete, request.resource_group, request.name,
                  polling=bool(request.wait))
    if request.wait:
        wait_for_lro(poller, deadline, action, "%s to be deleted" % request.description,
                     read_state=_read_state(client, request), noun="the instance")
    return True, {}


# ---------------------------------------------------------------------------------------------------------------
# List form: many instances converged in one process
#
# Every item is read with one list per resource group, checked (regions with one provider read, names once each),
# submitted without waiting, and then waited for together by listing each resource group that still has pending
# items (one request per group per poll). A failing item fails only itself: its result has failed=true and msg, the
# others converge.

@dataclass
class Item:
    """One entry of ``instances``: its request (None when its input is bad) and its outcome."""

    index: int
    request: Optional[InstanceRequest] = None
    absent: bool = False
    error: Optional[DigitalTwinsError] = None
    current: Optional[dict] = None
    after: Optional[dict] = None
    changed: bool = False
    created: bool = False
    verb: str = ""
    pending: bool = False
    given: Optional[dict] = None     # the item as given, for the name and group of an item whose input is bad
    group_missing: bool = False      # its resource group does not exist (tolerated in check mode and for absent)
    note: Optional[str] = None       # what a check-mode prediction assumes, said in the item's msg

    def fail(self, error):
        self.error = error
        self.pending = False

    @property
    def label(self):
        if self.request is None:
            name = (self.given or {}).get("name")
            return "instances[%d]%s" % (self.index, (" '%s'" % name) if isinstance(name, str) else "")
        return "'%s' (resource group '%s')" % (self.request.name, self.request.resource_group)

    def result(self):
        request = self.request
        result = {
            "name": request.name if request else _text((self.given or {}).get("name")),
            "resource_group": request.resource_group if request else _text((self.given or {}).get("resource_group")),
            "changed": self.changed,
            "failed": self.error is not None,
            "msg": str(self.error) if self.error is not None else _verb_message(self),
            "instance": self.after if self.after is not None else (self.current or {}),
            "created": self.created,
        }
        if request is not None:
            result["resource_group_exists"] = not self.group_missing
        from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import make_diff
        result["diff"] = make_diff(self.current, result["instance"] if self.error is None else self.current)
        return result


def _text(value):
    return value if isinstance(value, str) else None


def _verb_message(item):
    if not item.changed:
        return "unchanged"
    message = {"create": "created", "re-provision": "re-provisioned", "update": "updated", "delete": "deleted"}.get(
        item.verb, "changed")
    return "would be %s (%s)" % (message, item.note) if item.note else message


def _read_groups(client, items, check_mode):
    """Each item's current state, from one list per resource group. A missing group fails its items, except for
    state=absent and in check mode, where an earlier task may create it: the item's msg says so (a note, not a module
    warning, so that a check-mode run of many items stays quiet)."""
    by_group = {}
    for item in items:
        by_group.setdefault(item.request.resource_group.lower(), []).append(item)
    for members in by_group.values():
        group = members[0].request.resource_group
        try:
            listed = {state["name"].lower(): state for state in list_instances(client, group)}
        except DigitalTwinsError as error:
            if error.code != "ResourceGroupNotFound":
                for item in members:
                    item.fail(error)
                continue
            listed = {}
            for item in members:
                item.group_missing = True
                if not (item.absent or check_mode):
                    item.fail(error)
                elif not item.absent:
                    item.note = "resource group '%s' does not exist yet: an earlier task must create it" % group
        for item in members:
            if item.error is None:
                item.current = listed.get(item.request.name.lower())


def _plan(client, models, item, check_mode, locations):
    """Decide what the item needs (verb) and predict its state; raises DigitalTwinsError for this item only."""
    request, current = item.request, item.current
    if item.absent:
        if current is None or (current.get("provisioning_state") or "").lower() == "deleting":
            return False, {}
        item.verb = "delete"
        return True, {}
    if current is None:
        if not request.location:
            raise DigitalTwinsError("%s does not exist and location is required to create it."
                                    % request.description.capitalize())
        locations.check(request.location)
        try:
            check_name_available(client, models, normalise_location(request.location), request.name)
        except DigitalTwinsError as taken:
            # The instance itself may hold the name (created since the group was listed); not in a missing group.
            found = get_instance(client, request.resource_group, request.name) \
                if taken.code == "NameNotAvailable" and not item.group_missing else None
            if found is None:
                raise
            item.current = current = found
            if is_busy(found) and not check_mode:
                # Created meanwhile by a concurrent run of the same declaration: wait for it, change nothing.
                item.verb = "finish"
                return False, found
        else:
            item.verb = "create"
            return True, predict_created(request)
    check_location(current, request)
    if has_failed(current):
        item.verb = "re-provision"
        changes = changes_for(current, request)
        return True, predict_updated(current, changes, request.wait)
    changes = changes_for(current, request)
    if not changes:
        return False, current
    item.verb = "update"
    return True, predict_updated(current, changes, request.wait)


def _submit(client, models, item):
    """Send the item's write without waiting; the state Azure answered with becomes ``after``."""
    request, current = item.request, item.current
    action = "%s %s" % (item.verb, request.description)
    if item.verb == "delete":
        call(action, client.digital_twins.begin_delete, request.resource_group, request.name, polling=False)
        item.after = {}
        return
    if item.verb == "update":
        changes = changes_for(current, request)
        patch = models.DigitalTwinsPatchDescription(
            tags=changes.get("tags"),
            identity=_identity_payload(models, changes["identity"]) if "identity" in changes else None,
            properties=models.DigitalTwinsPatchProperties(public_network_access=changes["public_network_access"])
            if "public_network_access" in changes else None)
        poller = call(action, client.digital_twins.begin_update, request.resource_group, request.name, patch, polling=False)
    else:
        if item.verb == "create":
            body = models.DigitalTwinsDescription(
                location=normalise_location(request.location),
                tags=desired_tags({}, request.tags, True) if request.tags is not None else None,
                identity=_identity_payload(models, request.identity) if request.identity is not None else None,
                public_network_access=request.public_network_access)
        else:
            predicted = predict_updated(current, changes_for(current, request), request.wait)
            body = models.DigitalTwinsDescription(
                location=current["location"], tags=predicted["tags"],
                identity=_identity_payload(models, _identity_request(predicted["identity"])),
                public_network_access=request.public_network_access or current.get("public_network_access"))
        poller = call(action, client.digital_twins.begin_create_or_update, request.resource_group, request.name, body,
                      polling=False)
        item.created = item.verb == "create"
    model = call(action, poller.result)
    item.after = to_dict(model) if model is not None else None


def _settled(item, listed):
    """True when the item's operation has ended, judged from a fresh listing of its group; sets after or error."""
    state = listed.get(item.request.name.lower())
    if item.verb == "delete":
        if state is None:
            item.after = {}
            return True
        return False
    if state is None or is_busy(state):
        return False
    item.after = state
    status = state.get("provisioning_state") or "Succeeded"
    if status.lower() in ("failed", "canceled"):
        item.fail(DigitalTwinsError("Could not %s %s: the operation ended with status %s." % (
            item.verb, item.request.description, status), code="Provisioning%s" % status.capitalize()))
    return True


def wait_by_listing(client, items, deadline, sleep=time.sleep):
    """Wait for every pending item together: one list per resource group with pending items per poll, backing off
    to one poll every 10 s (from 5 s when an instance is being created, which takes minutes on Azure; from 2 s
    otherwise); items still pending at the deadline fail with a timeout."""
    delay = 5.0 if any(item.pending and item.verb == "create" for item in items) else 2.0
    while True:
        pending = [item for item in items if item.pending]
        if not pending:
            return
        if deadline.expired():
            for item in pending:
                item.fail(timeout_error("%s to be %s" % (item.request.description, _verb_message(item)), deadline,
                                        (item.after or {}).get("provisioning_state")))
            return
        sleep(min(delay, deadline.remaining()))
        delay = min(delay * 2, 10.0)
        groups = {}
        for item in pending:
            groups.setdefault(item.request.resource_group.lower(), []).append(item)
        for members in groups.values():
            try:
                listed = {state["name"].lower(): state for state in list_instances(client, members[0].request.resource_group)}
            except DigitalTwinsError as error:
                if error.code == "OperationTimedOut":
                    continue  # the deadline passed during the listing: the loop reports the timeout
                for item in members:
                    item.fail(error)
                continue
            for item in members:
                if _settled(item, listed):
                    item.pending = False


def ensure_many(client, models, items, check_mode, deadline, resource_client=None, wait=True, locations_key=None):
    """Converge every valid item (``Item`` with a request); each ends with changed, after and possibly error.

    Check mode sends no write and predicts each item's state as the single form would; what a prediction assumes is
    said in the item's msg, never as a module warning. Returns the items.
    """
    valid = [item for item in items if item.error is None]
    _duplicates(valid)
    valid = [item for item in valid if item.error is None]
    _read_groups(client, valid, check_mode)
    locations = _locations.LocationChecker(resource_client, "Microsoft.DigitalTwins", "digitalTwinsInstances",
                                           "Azure Digital Twins", cache_key=locations_key)
    if wait and not check_mode:
        # As the single form: an operation still running is waited for first, unless wait=false.
        busy = [item for item in valid if item.error is None and is_busy(item.current)]
        for item in busy:
            item.verb, item.pending = "finish", True
        wait_by_listing(client, busy, deadline)
        for item in busy:
            item.current, item.verb = item.after, ""
            item.after = None
    for item in valid:
        if item.error is not None:
            continue
        try:
            item.changed, predicted = _plan(client, models, item, check_mode, locations)
            if item.verb == "finish":
                item.pending = wait
                item.after = predicted
                continue
            if check_mode or not item.changed:
                item.after = predicted
                continue
            _submit(client, models, item)
            item.pending = wait
        except DigitalTwinsError as error:
            item.fail(error)
    if wait and not check_mode:
        wait_by_listing(client, valid, deadline)
    for item in valid:
        if item.error is not None and item.created and item.after is None:
            item.after = get_instance(client, item.request.resource_group, item.request.name)
    return items


def _duplicates(items):
    seen = {}
    for item in items:
        key = item.request.name.lower()
        if key in seen:
            item.fail(DigitalTwinsError("Instance name '%s' is declared twice in instances (items %d and %d): instance "
                                        "names are global across Azure." % (item.request.name, seen[key] + 1, item.index + 1),
                                        code="DuplicateItem"))
        else:
            seen[key] = item.index
