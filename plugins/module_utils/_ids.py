# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Every naming and id rule of the collection, in one place: names, GUIDs, Azure scopes and resource ids.

Scopes and ids are parsed segment by segment, never pattern-matched as a whole. A scope is sent to Azure as part of
the request path without URL quoting (the SDK's ``skip_quote``), and HTTP stacks remove ``.`` and ``..`` segments, so
a scope such as ``<instance id>/../../../..`` would otherwise land on the subscription. Every segment must therefore
be a real name: not empty, not made of dots only, and free of ``%`` (an encoded ``/``), ``?``, ``#``, ``\\``,
whitespace and control characters. The structure must be one ARM knows, and the result is the scope in one
normalised form (ARM's keywords in ARM's case, the user's names as given), which is what the modules send.

``azure.mgmt.core.tools`` builds resource ids (``resource_id``) and splits valid ones (``parse_resource_id``); it is
imported lazily, since it is only needed where an id is built or split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Azure Digital Twins instance names: 3-63 letters, digits and hyphens, no hyphen at either end.
INSTANCE_NAME_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{3,63}(?<!-)$")
# Resource group names: 1-90 letters (Unicode too), digits, underscores, hyphens, periods and parentheses; no period
# at the end.
RESOURCE_GROUP_RE = re.compile(r"^[-\w.()]{1,90}$", re.UNICODE)
# A tenant given by domain name rather than id.
TENANT_DOMAIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
# A resource provider namespace (Microsoft.DigitalTwins) and a resource type segment (digitalTwinsInstances).
NAMESPACE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$")
TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
# What a name segment of a scope may not hold: '%' (so no encoded '/' or '.'), '?', '#', '\', whitespace, controls.
_BAD_SEGMENT_CHARS = re.compile(r"[%?#\\\s\x00-\x1f\x7f]")

DIGITAL_TWINS_NAMESPACE = "Microsoft.DigitalTwins"
DIGITAL_TWINS_TYPE = "digitalTwinsInstances"
AUTHORIZATION_NAMESPACE = "Microsoft.Authorization"
ASSIGNMENTS_SEGMENT = "/providers/Microsoft.Authorization/roleAssignments/"
ROLE_DEFINITIONS_SEGMENT = "/providers/Microsoft.Authorization/roleDefinitions/"
USER_ASSIGNED_IDENTITY = ("Microsoft.ManagedIdentity", "userAssignedIdentities")

SCOPE_USAGE = ("Use /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name>, a resource id such as "
               "/subscriptions/<id>/resourceGroups/<name>/providers/Microsoft.DigitalTwins/digitalTwinsInstances/<name>, "
               "or /providers/Microsoft.Management/managementGroups/<id>.")


# ---- names and GUIDs -------------------------------------------------------------------------------------------------

def is_guid(value):
    return isinstance(value, str) and bool(GUID_RE.match(value))


def validate_guid(value, option):
    """``value`` when it is a GUID (any case); raises naming ``option`` otherwise."""
    if not is_guid(value):
        raise DigitalTwinsError("%s %r is not a GUID (expected the form 00000000-0000-0000-0000-000000000000)."
                                % (option, value))
    return value


def validate_instance_name(name, option="name"):
    """The instance naming rules; the error says what is wrong with the name."""
    if name and INSTANCE_NAME_RE.match(name):
        return name
    problems = []
    if not name or len(name) < 3 or len(name) > 63:
        problems.append("it has %d characters" % len(name or ""))
    bad = sorted(set(re.findall(r"[^A-Za-z0-9-]", name or "")))
    if bad:
        problems.append("it contains %s" % ", ".join(repr(c) for c in bad))
    if name and (name.startswith("-") or name.endswith("-")):
        problems.append("it starts or ends with a hyphen")
    raise DigitalTwinsError(
        "%s %r is not a valid Azure Digital Twins instance name (%s): use 3-63 letters, digits and hyphens, with no "
        "hyphen at either end." % (option, name, "; ".join(problems) or "invalid"), code="InvalidName")


def validate_resource_group(name, option="resource_group"):
    """The resource group naming rules of ARM; raises naming ``option``."""
    if not name or not RESOURCE_GROUP_RE.match(name) or name.endswith("."):
        raise DigitalTwinsError(
            "%s %r is not a valid resource group name: use 1-90 letters, digits, underscores, hyphens, periods and "
            "parentheses, not ending with a period." % (option, name))
    return name


def odata_literal(text):
    """The body of an OData string literal: single quotes doubled."""
    return text.replace("'", "''")


# ---- scopes ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """A parsed Azure scope. ``resources`` holds (type, name) pairs below ``namespace``, outermost first."""

    kind: str  # root, management_group, subscription, resource_group, resource
    subscription: str = None
    resource_group: str = None
    management_group: str = None
    namespace: str = None
    resources: tuple = ()

    @property
    def id(self):
        """The normalised scope: ARM's keywords in ARM's case, names as given, no trailing slash."""
        if self.kind == "root":
            return "/"
        if self.kind == "management_group":
            return "/providers/Microsoft.Management/managementGroups/%s" % self.management_group
        text = "/subscriptions/%s" % self.subscription
        if self.resource_group:
            text += "/resourceGroups/%s" % self.resource_group
        if self.namespace:
            text += "/providers/%s/%s" % (self.namespace, "/".join("%s/%s" % pair for pair in self.resources))
        return text

    @property
    def resource_group_id(self):
        if not self.resource_group:
            return None
        return "/subscriptions/%s/resourceGroups/%s" % (self.subscription, self.resource_group)

    @property
    def is_extension(self):
        """True for an extension resource (a second /providers/ below a resource)."""
        return any(resource_type.lower() == "providers" for resource_type, _name in self.resources)

    @property
    def is_instance(self):
        return (self.kind == "resource" and len(self.resources) == 1
                and self.namespace.lower() == DIGITAL_TWINS_NAMESPACE.lower()
                and self.resources[0][0].lower() == DIGITAL_TWINS_TYPE.lower())


def _refuse(scope, why, option):
    return DigitalTwinsError("%s %r is not an Azure scope: %s. %s" % (option, scope, why, SCOPE_USAGE))


def _segments(scope, option):
    if not isinstance(scope, str) or not scope.startswith("/"):
        raise _refuse(scope, "it must start with '/'", option)
    if scope == "/":
        return []
    parts = scope[1:].split("/")
    for index, part in enumerate(parts):
        if part == "":
            raise _refuse(scope, "it has an empty segment (a doubled or trailing '/')", option)
        if part.strip(".") == "":
            raise _refuse(scope, "segment %d is %r; '.' and '..' segments are not allowed" % (index + 1, part), option)
        bad = _BAD_SEGMENT_CHARS.search(part)
        if bad:
            raise _refuse(scope, "segment %r holds %r; percent-encoding, '?', '#', '\\', whitespace and control "
                                 "characters are not allowed" % (part, bad.group(0)), option)
    return parts


def _resource_pairs(scope, parts, option):
    """(namespace, ((type, name), ...)) of ``providers/<Namespace>/<type>/<name>[/<type>/<name>...]``."""
    if len(parts) < 4 or parts[0].lower() != "providers" or len(parts) % 2 != 0:
        raise _refuse(scope, "a resource is /providers/<Namespace>/<type>/<name>, with a name for every type", option)
    namespace, rest = parts[1], parts[2:]
    if not NAMESPACE_RE.match(namespace):
        raise _refuse(scope, "%r is not a resource provider namespace" % namespace, option)
    if namespace.lower() == AUTHORIZATION_NAMESPACE.lower():
        raise _refuse(scope, "it looks like a role assignment or definition id, not a scope", option)
    pairs = tuple((rest[i], rest[i + 1]) for i in range(0, len(rest), 2))
    for index, (resource_type, name) in enumerate(pairs):
        if resource_type.lower() == "providers":
            # An extension resource: /providers/<Namespace>/<type>/<name> below a resource.
            if (index + 1 == len(pairs) or not NAMESPACE_RE.match(name)
                    or name.lower() == AUTHORIZATION_NAMESPACE.lower()):
                raise _refuse(scope, "an extension resource is /providers/<Namespace>/<type>/<name> below a resource",
                              option)
        elif not TYPE_RE.match(resource_type):
            raise _refuse(scope, "%r is not a resource type" % resource_type, option)
    return namespace, pairs


def parse_scope(scope, option="scope"):
    """The Scope of a user-given scope string; raises DigitalTwinsError (before any request) when malformed."""
    parts = _segments(scope, option)
    if not parts:
        return Scope("root")
    head = [part.lower() for part in parts[:2]]
    if head[0] == "providers":
        if len(parts) != 4 or head[1] != "microsoft.management" or parts[2].lower() != "managementgroups":
            raise _refuse(scope, "only management groups are addressed by /providers/... at the top", option)
        return Scope("management_group", management_group=parts[3])
    if head[0] != "subscriptions" or len(parts) < 2:
        raise _refuse(scope, "it must start with /subscriptions/<id> or /providers/Microsoft.Management", option)
    if not is_guid(parts[1]):
        raise _refuse(scope, "the subscription must be given by its id (a GUID)", option)
    subscription = parts[1]
    if len(parts) == 2:
        return Scope("subscription", subscription=subscription)
    if parts[2].lower() != "resourcegroups" or len(parts) < 4:
        raise _refuse(scope, "below a subscription comes /resourceGroups/<name>", option)
    resource_group = validate_resource_group(parts[3], option="the resource group in %s" % option)
    if len(parts) == 4:
        return Scope("resource_group", subscription=subscription, resource_group=resource_group)
    namespace, pairs = _resource_pairs(scope, parts[4:], option)
    return Scope("resource", subscription=subscription, resource_group=resource_group, namespace=namespace,
                 resources=pairs)


def validate_scope(scope, option="scope"):
    """The normalised form of a user-given scope (see Scope.id); raises when malformed."""
    return parse_scope(scope, option).id


def scope_key(scope):
    """Comparison key of a scope as Azure returns it: lower case, one leading slash, no trailing slash."""
    return ("/" + (scope or "").strip().strip("/")).lower()


def same_scope(left, right):
    return scope_key(left) == scope_key(right)


def at_or_above(candidate, scope):
    """True when ``candidate`` is ``scope`` or one of its parents (so an assignment there applies to ``scope``)."""
    parent, child = scope_key(candidate), scope_key(scope)
    return parent == "/" or parent == child or child.startswith(parent + "/")


def is_instance_scope(scope):
    """True when a scope (as Azure returns it, or normalised) is a Digital Twins instance."""
    try:
        return parse_scope("/" + (scope or "").strip().strip("/")).is_instance
    except DigitalTwinsError:
        return False


# ---- ids built from names --------------------------------------------------------------------------------------------

def _resource_id(**parts):
    from azure.mgmt.core.tools import resource_id  # pylint: disable=import-outside-toplevel
    return resource_id(**parts)


def resource_group_id(subscription_id, resource_group):
    return _resource_id(subscription=subscription_id, resource_group=resource_group)


def instance_id(subscription_id, resource_group, name):
    """The ARM id of a Digital Twins instance (names validated first)."""
    validate_resource_group(resource_group)
    validate_instance_name(name, option="instance")
    return _resource_id(subscription=subscription_id, resource_group=resource_group,
                        namespace=DIGITAL_TWINS_NAMESPACE, type=DIGITAL_TWINS_TYPE, name=name)


def resource_group_of(resource_id):
    """The resource group named in an ARM id as Azure returns it, or None."""
    parts = (resource_id or "").strip("/").split("/")
    for index in range(len(parts) - 1):
        if parts[index].lower() == "resourcegroups":
            return parts[index + 1]
    return None


def validate_user_assigned_identity_id(value, option="identity.user_assigned_identities"):
    """A user-assigned identity's resource id, normalised; raises when it is anything else."""
    usage = ("%s has %r, which is not the resource id of a user-assigned identity (/subscriptions/<id>/resourceGroups/"
             "<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)." % (option, value))
    try:
        parsed = parse_scope(value, option)
    except DigitalTwinsError as err:
        raise DigitalTwinsError("%s %s" % (usage, err.message)) from None
    if (parsed.kind != "resource" or len(parsed.resources) != 1
            or (parsed.namespace.lower(), parsed.resources[0][0].lower())
            != tuple(part.lower() for part in USER_ASSIGNED_IDENTITY)):
        raise DigitalTwinsError(usage)
    return parsed.id


# ---- role definitions and assignments --------------------------------------------------------------------------------

def parse_role_definition_id(value, option="role"):
    """The lower-case GUID of a full role definition id (at the root, a management group or a subscription)."""
    usage = ("%s %r looks like a resource id but is not a role definition id; expected /subscriptions/<subscription>/"
             "providers/Microsoft.Authorization/roleDefinitions/<GUID>, a GUID or a role name." % (option, value))
    text = value or ""
    index = text.lower().rfind(ROLE_DEFINITIONS_SEGMENT.lower())
    if index < 0:
        raise DigitalTwinsError(usage)
    prefix, guid = text[:index], text[index + len(ROLE_DEFINITIONS_SEGMENT):]
    if not is_guid(guid):
        raise DigitalTwinsError(usage)
    if prefix:
        try:
            where = parse_scope(prefix, option)
        except DigitalTwinsError:
            raise DigitalTwinsError(usage) from None
        if where.kind not in ("subscription", "management_group"):
            raise DigitalTwinsError(usage)
    return guid.lower()


def role_definition_id(scope, guid):
    """The id ARM uses for a role definition assigned at ``scope``: subscription-scoped when the scope is in one."""
    parts = (scope or "").strip("/").split("/")
    prefix = "/subscriptions/%s" % parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""
    return "%s%s%s" % (prefix, ROLE_DEFINITIONS_SEGMENT, guid.lower())


def guid_of(role_definition):
    """The lower-case GUID at the end of a role definition id (or the GUID itself)."""
    return (role_definition or "").rstrip("/").rsplit("/", 1)[-1].lower()


def assignment_id(scope, name):
    base = "" if scope_key(scope) == "/" else "/" + scope.strip().strip("/")
    return base + ASSIGNMENTS_SEGMENT + name


def scope_of_assignment_id(assignment_id_text):
    """The scope part of a role assignment id, or None when it is not one."""
    text = assignment_id_text or ""
    index = text.lower().find(ASSIGNMENTS_SEGMENT.lower())
    if index < 0:
        return None
    return text[:index] or "/"
