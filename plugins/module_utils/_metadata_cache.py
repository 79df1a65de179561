# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""A small per-user disk cache of ARM cloud metadata documents.

Every task is a new process; without a cache each one would ask the cloud's ARM endpoint for the same public document
before doing any work. Entries are keyed by the metadata URL, live for ``TTL`` seconds, are written atomically with mode
0600 into a 0700 directory owned by the user, and are only trusted when that still holds. The document holds endpoint
names only, never a credential. Any problem reading or writing the cache just means the document is fetched again.

``TWINOPS_METADATA_CACHE=off`` turns the cache off; ``TWINOPS_METADATA_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/twinops.digital_twins`` or ``~/.cache/twinops.digital_twins``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time

TTL = 3600
_OFF = ("0", "off", "false", "no", "disabled")


def cache_dir():
    """The cache directory, or None when the cache is turned off."""
    if os.environ.get("TWINOPS_METADATA_CACHE", "").strip().lower() in _OFF:
        return None
    explicit = os.environ.get("TWINOPS_METADATA_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "twinops.digital_twins")


def _path(directory, url):
    return os.path.join(directory, "cloud-metadata-%s.json" % hashlib.sha256(url.encode("utf-8")).hexdigest()[:32])


def _private(path_stat, directory):
    """Owned by this user and not writable by anyone else (a directory must not be readable by others either)."""
    mode = stat.S_IMODE(path_stat.st_mode)
    forbidden = 0o077 if directory else 0o022
    return path_stat.st_uid == os.geteuid() and not mode & forbidden


def load(url, now=None):
    """The cached document for ``url`` when fresh and safely stored, else None."""
    directory = cache_dir()
    if not directory:
        return None
    path = _path(directory, url)
    try:
        if not _private(os.stat(directory), True):
            return None
        with open(path, encoding="utf-8") as handle:
            if not _private(os.fstat(handle.fileno()), False):
                return None
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("url") != url or "document" not in entry:
        return None
    age = (time.time() if now is None else now) - float(entry.get("fetched") or 0)
    if not 0 <= age < TTL:
        return None
    return entry["document"]


def store(url, document, now=None):
    """Write the document for ``url``; returns whether it was written (failures are silent by design)."""
    directory = cache_dir()
    if not directory:
        return False
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not _private(os.stat(directory), True):
            return False
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".cloud-metadata-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"url": url, "fetched": time.time() if now is None else now, "document": document}, stream)
            os.replace(temporary, _path(directory, url))
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError, TypeError):
        return False
    return True
