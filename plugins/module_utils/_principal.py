# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Who an assignee is: a UPN, email, object id, appId or display name resolved to an object id and principal type.

Resolution order (each step only when the previous one found nothing):

* a value with ``@``: the userPrincipalName; then, in one concurrent batch, ``mail``, ``otherMails`` and the guest
  form ``<email with @ as _>#EXT#@<tenant domain>``, first non-empty in that order;
* a GUID: a directory object with that id; then a service principal with that appId;
* anything else: users, service principals and groups with that display name, all at once.

More than one match is an error that names the candidates; no match is an error that says why a lookup can fail
and how to skip it (``assignee_object_id`` + ``principal_type``). Directory access goes through a ``directory``
object with a ``run(work)`` method (``_graph.GraphDirectory``), so msgraph-sdk is imported only here, on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._graph import GRAPH_ACCESS_HINT, GraphError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import is_guid, odata_literal

PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]
ASSIGNEE_MAX = 256

BYPASS_HINT = ("To skip the directory lookup, pass assignee_object_id (the Object ID shown in Microsoft Entra ID) "
               "and principal_type instead of assignee.")


@dataclass
class Principal:
    """A principal a role can be assigned to, and how it was found."""

    id: str
    principal_type: str
    resolved_by: str
    assignee: str
    display_name: str = None
    user_principal_name: str = None
    app_id: str = None
    user_type: str = None
    warnings: list = field(default_factory=list)

    def label(self):
        """How to name the principal in messages."""
        kind = self.principal_type or "Principal"
        name = self.user_principal_name or self.display_name or self.app_id
        if name and name.lower() != self.id:
            return "%s %s (%s)" % (kind, name, self.id)
        return "%s %s" % (kind, self.id)


def classify(value):
    """'object_id', 'email' or 'name' for an assignee value; raises on values no directory could hold."""
    text = (value or "").strip()
    if not text:
        raise DigitalTwinsError("assignee must not be empty.")
    if len(text) > ASSIGNEE_MAX or any(ord(char) < 32 for char in text):
        raise DigitalTwinsError("assignee %r is not a user principal name, email, object id, appId or display name."
                                % text[:80])
    if is_guid(text):
        return "object_id"
    if "@" in text:
        local, dummy, domain = text.rpartition("@")
        if not local or not domain or "/" in text or " " in text:
            raise DigitalTwinsError("assignee %r is not a valid user principal name or email address." % text)
        return "email"
    return "name"


def guest_upn_prefix(email):
    """The start of the userPrincipalName Entra ID gives an invited guest: alice@x.com -> alice_x.com#EXT#@."""
    return email.replace("@", "_") + "#EXT#@"


def given(object_id, principal_type, assignee=None):
    """A principal the user identified by object id (and type, None when unknown): no lookup at all."""
    text = (object_id or "").strip()
    if not is_guid(text):
        raise DigitalTwinsError("assignee_object_id %r is not an object id (a GUID such as "
                                "0e000000-0000-4000-8000-00000000a11c)." % object_id)
    if principal_type is not None and principal_type not in PRINCIPAL_TYPES:
        raise DigitalTwinsError("principal_type must be one of %s when assignee_object_id is given."
                                % ", ".join(PRINCIPAL_TYPES))
    return Principal(id=text.lower(), principal_type=principal_type, resolved_by="given", assignee=assignee or text)


def describe(candidate):
    """One candidate for an error message: type, display name, UPN or appId, id."""
    extra = candidate.get("user_principal_name") or (candidate.get("app_id") and "appId " + candidate["app_id"])
    name = candidate.get("display_name") or "(no display name)"
    return "%s %r%s, id %s" % (candidate.get("principal_type") or candidate.get("odata_type") or "object", name,
                               " (%s)" % extra if extra else "", candidate.get("id"))


def _unique(candidates):
    seen = {}
    for candidate in candidates:
        seen.setdefault(candidate["id"], candidate)
    return list(seen.values())


def _ambiguous(value, how, candidates):
    return DigitalTwinsError(
        "assignee %r is ambiguous: %s %d directory objects: %s. Pass a unique value (a user principal name or an "
        "object id) or assignee_object_id with principal_type."
        % (value, how, len(candidates), "; ".join(describe(c) for c in sorted(candidates, key=lambda c: c["id"]))))


def _principal(candidate, value, resolved_by):
    if not candidate.get("principal_type"):
        raise DigitalTwinsError(
            "assignee %r is a %s (id %s), which cannot hold Azure roles.%s"
            % (value, (candidate.get("odata_type") or "directory object").replace("#microsoft.graph.", ""),
               candidate["id"], " It is an application registration: pass its appId (client id) or the object id of "
                                "its service principal (Enterprise applications) instead."
               if (candidate.get("odata_type") or "").lower() == "#microsoft.graph.application" else ""))
    principal = Principal(id=candidate["id"], principal_type=candidate["principal_type"], resolved_by=resolved_by,
                          assignee=value, display_name=candidate.get("display_name"),
                          user_principal_name=candidate.get("user_principal_name"), app_id=candidate.get("app_id"),
                          user_type=candidate.get("user_type"))
    if (principal.user_type or "").lower() == "guest":
        principal.warnings.append(
            "%s is a guest (B2B) user of this directory. Azure Digital Twins accepts data-plane tokens only from the "
            "instance's own tenant, so a guest signing in through their home tenant gets '404 Sub-Domain not found' "
            "even with a data role; they must sign in to this tenant." % principal.label())
    return principal


async def _gather_stages(stages):
    """Run named queries concurrently; return [(name, result or GraphError)] in the given order."""
    import asyncio  # imported only on the look-up path (object ids never need it)

    results = await asyncio.gather(*(query for dummy, query in stages), return_exceptions=True)
    out = []
    for (name, dummy), result in zip(stages, results):
        if isinstance(result, BaseException) and not isinstance(result, GraphError):
            raise result
        out.append((name, result))
    return out


def _first_hit(value, staged, how):
    """The single candidate of the first stage that found any; errors for ambiguity or when every stage failed."""
    errors = [result for dummy, result in staged if isinstance(result, GraphError)]
    denied = [err for err in errors if err.status in (401, 403)]
    if denied:
        raise denied[0]
    for name, result in staged:
        if isinstance(result, GraphError) or not result:
            continue
        candidates = _unique(result)
        if len(candidates) > 1:
            raise _ambiguous(value, how % name, candidates)
        return name, candidates[0]
    if errors and len(errors) == len(staged):
        raise errors[0]
    return None, None


async def _by_email(queries, value):
    user = await queries.user(value)
    if user is not None:
        return "userPrincipalName", user
    literal = odata_literal(value)
    staged = await _gather_stages([
        ("mail", queries.users("mail eq '%s'" % literal)),
        ("otherMails", queries.users("otherMails/any(m:m eq '%s')" % literal)),
        ("guest_upn", queries.users("startswith(userPrincipalName,'%s')" % odata_literal(guest_upn_prefix(value)))),
    ])
    return _first_hit(value, staged, "its %s matches")


async def _by_object_id(queries, value):
    value = value.lower()
    obj = await queries.directory_object(value)
    if obj is not None:
        return "object_id", obj
    staged = await _gather_stages([("app_id", queries.service_principals("appId eq '%s'" % value.lower()))])
    return _first_hit(value, staged, "its %s matches")


async def _by_name(queries, value):
    literal = odata_literal(value)
    staged = await _gather_stages([
        ("users", queries.users("displayName eq '%s'" % literal)),
        ("service_principals", queries.service_principals("displayName eq '%s'" % literal)),
        ("groups", queries.groups("displayName eq '%s'" % literal)),
    ])
    errors = [result for dummy, result in staged if isinstance(result, GraphError)]
    denied = [err for err in errors if err.status in (401, 403)]
    if denied:
        raise denied[0]
    if len(errors) == len(staged):
        raise errors[0]
    candidates = _unique([c for dummy, result in staged if not isinstance(result, GraphError) for c in result])
    if len(candidates) > 1:
        raise _ambiguous(value, "its display name matches", candidates)
    return ("display_name", candidates[0]) if candidates else (None, None)


def _not_found(value, kind):
    if kind == "email":
        return DigitalTwinsError(
            "No user in the directory has %r as user principal name, mail or other email, and no guest has the "
            "user principal name %s<tenant domain>. Guests and personal Microsoft accounts (outlook.com, hotmail.com, "
            "live.com, gmail.com...) exist in a tenant only after they were invited, and then under that #EXT# name; "
            "the lookup also finds nothing when the identity running the task may not search users. %s"
            % (value, guest_upn_prefix(value), BYPASS_HINT), code="PrincipalNotResolved")
    if kind == "object_id":
        return DigitalTwinsError(
            "No directory object has the id %s, and no service principal has it as appId. Check the value: an "
            "application registration's object id is not its service principal's; for a managed identity use its "
            "principal (object) id. %s" % (value, BYPASS_HINT), code="PrincipalNotResolved")
    return DigitalTwinsError(
        "No user, group or service principal is named %r. Display names must match exactly; a user principal "
        "name, an appId or an object id is more reliable. %s" % (value, BYPASS_HINT), code="PrincipalNotResolved")


LOOKUPS = {"email": _by_email, "object_id": _by_object_id, "name": _by_name}


def _outcome(text, kind, result):
    """The Principal a lookup found, or the DigitalTwinsError to report for it."""
    if isinstance(result, GraphError) and result.status in (401, 403):
        return DigitalTwinsError("Could not resolve assignee %r: Microsoft Graph refused the directory lookup (%s)."
                                 % (text, result.message), code=result.code, status=result.status,
                                 request_id=result.request_id, hint=GRAPH_ACCESS_HINT)
    if isinstance(result, DigitalTwinsError):
        return result
    if isinstance(result, BaseException):
        raise result
    resolved_by, candidate = result
    if candidate is None:
        return _not_found(text, kind)
    return _principal(candidate, text, resolved_by)


def resolve_many(values, directory):
    """{value: Principal or DigitalTwinsError} for assignee values (validated before any request); the look-ups of
    all values run concurrently in one Graph session."""
    kinds = dict((value.strip(), classify(value)) for value in values)

    async def work(queries):
        import asyncio  # imported only on the look-up path (object ids never need it)

        texts = list(kinds)
        results = await asyncio.gather(*(LOOKUPS[kinds[text]](queries, text) for text in texts),
                                       return_exceptions=True)
        return dict(zip(texts, results))

    found = directory.run(work) if kinds else {}
    return dict((text, _outcome(text, kinds[text], result)) for text, result in found.items())


def resolve(value, directory):
    """Resolve an assignee value to a Principal through ``directory`` (validated before any request)."""
    outcome = resolve_many([value], directory)[value.strip()]
    if isinstance(outcome, DigitalTwinsError):
        raise outcome
    return outcome


def display_names(object_ids, directory):
    """{object id: display name} for principals, in one getByIds request per 1000 ids."""
    if not object_ids:
        return {}

    async def work(queries):
        return await queries.by_ids(object_ids)

    return dict((obj["id"], obj.get("display_name")) for obj in directory.run(work))


def known_object_ids(object_ids, directory):
    """The ids among ``object_ids`` that the directory holds, or None when the directory cannot be read."""
    try:
        return set(display_names(object_ids, directory))
    except DigitalTwinsError:
        return None
