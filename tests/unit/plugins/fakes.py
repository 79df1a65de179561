# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles shaped like the Azure SDK: HTTP responses and errors, LRO pollers, and a Digital Twins client
that keeps its instances in a dict and records every call. Real SDK models are used for what the client returns.
"""

from __future__ import annotations

import copy
import json

from azure.core import exceptions as azure_exceptions
from azure.mgmt.digitaltwins import models as dt_models

SUB = "5ab5c000-0000-4000-8000-000000000001"
TENANT = "7e57e000-0000-4000-8000-000000000001"
RG = "rg-twins"


class FakeResponse:
    """Enough of an azure-core HttpResponse for HttpResponseError and our error translation."""

    def __init__(self, status, body=None, headers=None, reason="Error"):
        self.status_code = status
        self.reason = reason
        self.headers = headers or {}
        self._text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""

    def text(self, encoding=None):
        return self._text

    def json(self):
        return json.loads(self._text)


def http_error(status, code=None, message=None, headers=None, cls=None, body=None):
    if body is None and (code or message):
        body = {"error": {"code": code, "message": message}}
    response = FakeResponse(status, body, headers)
    if cls is None:
        cls = {404: azure_exceptions.ResourceNotFoundError, 401: azure_exceptions.ClientAuthenticationError,
               409: azure_exceptions.ResourceExistsError}.get(status, azure_exceptions.HttpResponseError)
    return cls(response=response)


class FakePoller:
    """An LROPoller double: ``done`` after ``wait`` unless ``hang``; ``error`` raised from wait/result."""

    def __init__(self, result=None, error=None, status="Succeeded", hang=False):
        self._result = result
        self._error = error
        self._status = status
        self._hang = hang
        self.waited = []

    def wait(self, timeout=None):
        self.waited.append(timeout)
        if self._error is not None and not self._hang:
            raise self._error

    def done(self):
        return not self._hang

    def result(self, timeout=None):
        if self._error is not None:
            raise self._error
        return self._result

    def status(self):
        return "InProgress" if self._hang else self._status


def instance_body(name="dt1", rg=RG, location="westus2", state="Succeeded", tags=None, identity=None,
                  access="Enabled", host=True):
    body = {
        "id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/%s" % (SUB, rg, name),
        "name": name, "type": "Microsoft.DigitalTwins/digitalTwinsInstances", "location": location, "tags": tags,
        "properties": {"provisioningState": state, "createdTime": "2026-11-26T22:00:00Z",
                       "lastUpdatedTime": "2026-11-26T22:00:01.500000Z",
                       "hostName": ("%s.api.wus2.digitaltwins.azure.net" % name) if host else None,
                       "publicNetworkAccess": access},
    }
    if identity is not None:
        body["identity"] = identity
    return body


def model(body):
    return dt_models.DigitalTwinsDescription.deserialize(copy.deepcopy(body))


class _Operations:
    def __init__(self, owner):
        self.owner = owner

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.owner.calls.append((name, args, kwargs))
            return getattr(self.owner, "do_" + name)(*args, **kwargs)
        return record


class FakeDigitalTwinsClient:
    """``client.digital_twins.<op>`` records (op, args, kwargs) in ``calls`` and acts on ``instances``."""

    WRITES = ("begin_create_or_update", "begin_update", "begin_delete")

    def __init__(self, instances=None, taken=(), rg_missing=False, poller_error=None, hang=False):
        self.instances = {key.lower(): value for key, value in (instances or {}).items()}
        self.taken = set(n.lower() for n in taken)
        self.rg_missing = rg_missing
        self.poller_error = poller_error
        self.hang = hang
        self.calls = []
        self.digital_twins = _Operations(self)

    def writes(self):
        return [call for call in self.calls if call[0] in self.WRITES]

    def _missing(self, name, rg=RG):
        if self.rg_missing:
            raise http_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg)
        raise http_error(404, "ResourceNotFound", "The Resource 'Microsoft.DigitalTwins/digitalTwinsInstances/%s' "
                                                  "under resource group '%s' was not found." % (name, rg))

    def do_get(self, rg, name):
        body = self.instances.get(name.lower())
        if body is None:
            self._missing(name, rg)
        return model(body)

    def do_check_name_availability(self, location, request):
        if request.name.lower() in self.taken:
            return dt_models.CheckNameResult(name_available=False, reason="AlreadyExists",
                                             message="Name '%s' is already taken. Please specify a different name" % request.name)
        return dt_models.CheckNameResult(name_available=True)

    def do_begin_create_or_update(self, rg, name, description, polling=True):
        serialized = description.serialize()
        body = instance_body(name, rg, serialized["location"], tags=serialized.get("tags"),
                             access=serialized.get("properties", {}).get("publicNetworkAccess") or "Enabled",
                             identity=_with_principal(serialized.get("identity")),
                             state="Succeeded" if polling else "Provisioning", host=bool(polling))
        self.instances[name.lower()] = body
        return FakePoller(model(body), error=self.poller_error, status="Failed" if self.poller_error else "Succeeded",
                          hang=self.hang)

    def do_begin_update(self, rg, name, patch, polling=True):
        serialized = patch.serialize()
        body = self.instances[name.lower()]
        if "tags" in serialized:
            body["tags"] = serialized["tags"]
        if "identity" in serialized:
            body["identity"] = _with_principal(serialized["identity"], body.get("identity"))
        if "publicNetworkAccess" in serialized.get("properties", {}):
            body["properties"]["publicNetworkAccess"] = serialized["properties"]["publicNetworkAccess"]
        return FakePoller(model(body), error=self.poller_error, hang=self.hang)

    def do_begin_delete(self, rg, name, polling=True):
        self.instances.pop(name.lower(), None)
        return FakePoller(None, error=self.poller_error, hang=self.hang)

    def do_list(self):
        return [model(body) for body in self.instances.values()]

    def do_list_by_resource_group(self, rg):
        if self.rg_missing:
            self._missing("", rg)
        return [model(body) for body in self.instances.values() if "/resourceGroups/%s/" % rg in body["id"]]


def _with_principal(identity, previous=None):
    if not identity:
        return None
    identity = dict(identity)
    if "SystemAssigned" in identity["type"]:
        identity["principalId"] = (previous or {}).get("principalId") or "9a000000-0000-4000-8000-000000000001"
        identity["tenantId"] = TENANT
    if identity.get("userAssignedIdentities"):
        identity["userAssignedIdentities"] = {key: {"clientId": "c1", "principalId": "p1"}
                                              for key in identity["userAssignedIdentities"]}
    return identity
