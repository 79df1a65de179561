# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Where a resource type is offered, read from its resource provider, so a bad location fails before any write."""

from __future__ import annotations

from ansible_collections.twinops.digital_twins.plugins.module_utils import _metadata_cache
from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import call
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import normalise_location
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError


def offered_locations(resource_client, namespace, resource_type):
    """{normalised: display name} of the regions that offer ``namespace/resource_type``, or None when unknown.

    Read from GET /subscriptions/{sub}/providers/{namespace}. A caller that may not read the provider (403) or a cloud
    that does not list it (404), or a provider that lists no region for the type, gives None: ARM then judges the write.
    """
    try:
        provider = call("read the regions that offer %s/%s" % (namespace, resource_type), resource_client.providers.get,
                        namespace)
    except DigitalTwinsError as error:
        if error.status in (403, 404):
            return None
        raise
    for entry in provider.resource_types or []:
        if (entry.resource_type or "").lower() == resource_type.lower():
            return {normalise_location(name): name for name in entry.locations or []} or None
    return None


def check_location_offered(resource_client, namespace, resource_type, location, label,
                           code="LocationNotAvailableForResourceType"):
    """Raise DigitalTwinsError with ARM's error ``code`` when ``location`` is not offered; nothing is written."""
    offered = offered_locations(resource_client, namespace, resource_type)
    if offered and normalise_location(location) not in offered:
        raise DigitalTwinsError(
            "%s is not offered in location '%s'. Pick one of the regions that offer it: %s."
            % (label, location, ", ".join(sorted(offered))), code=code)


class LocationChecker:
    """check_location_offered for many locations with one read of the resource provider (the list form of a module).

    ``cache_key`` (the ARM endpoint and subscription): regions found offered are remembered for an hour in the
    collection's metadata cache (see _metadata_cache), so that the next tasks of a run do not read the provider again.
    Only a region found there is taken from the cache; any other is checked against a fresh read before it is refused.
    """

    def __init__(self, resource_client, namespace, resource_type, label, code="LocationNotAvailableForResourceType",
                 cache_key=None):
        # ``resource_client`` may be a function that returns the client, so that it is only made when a create needs it.
        self._client = resource_client
        self._type = (namespace, resource_type)
        self._label = label
        self._code = code
        self._offered = None
        self._read = False
        self._cache_key = "%s/providers/%s#%s" % (cache_key, namespace, resource_type) if cache_key else None

    def _cached(self):
        if not self._cache_key:
            return None
        document = _metadata_cache.load(self._cache_key)
        offered = document.get("offered") if isinstance(document, dict) else None
        return offered if isinstance(offered, dict) else None

    def check(self, location):
        if not self._read:
            cached = self._cached()
            if cached and normalise_location(location) in cached:
                return
            client = self._client() if callable(self._client) else self._client
            self._offered = offered_locations(client, *self._type) if client is not None else None
            self._read = True
            if self._offered and self._cache_key:
                _metadata_cache.store(self._cache_key, {"offered": self._offered})
        if self._offered and normalise_location(location) not in self._offered:
            raise DigitalTwinsError(
                "%s is not offered in location '%s'. Pick one of the regions that offer it: %s."
                % (self._label, location, ", ".join(sorted(self._offered))), code=self._code)
