# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only adapter that lets azure.azcollection reach the local emulator (see docs/benchmarks.md).

Active only in an AnsiballZ module process and only when BENCH_EMULATOR_ARM is set (the harness sets it for the
azure.azcollection runs). Two gaps it bridges, neither of which costs a request or changes what the module does:
  1. azure.azcollection resolves a URL cloud_environment only to a cloud in azure.cli.core.cloud.KNOWN_CLOUDS (it compares
     resource_manager URLs), so the emulator is added to that list;
  2. its ARM clients ask for a token for "<resource_manager>/.default"; the emulator's ARM accepts only the public ARM
     audiences, so that one scope is rewritten to https://management.azure.com/.default.
"""

import os
import sys


def _install(base):
    from azure.cli.core import cloud  # pylint: disable=import-outside-toplevel
    from azure.identity import ClientSecretCredential  # pylint: disable=import-outside-toplevel

    cloud.KNOWN_CLOUDS.append(cloud.Cloud('TwinopsEmulator', endpoints=cloud.CloudEndpoints(
        management='https://management.core.windows.net/', resource_manager=base + '/', active_directory=base,
        active_directory_resource_id='https://management.core.windows.net/', active_directory_graph_resource_id='https://graph.windows.net/',
        microsoft_graph_resource_id=base + '/'), suffixes=cloud.CloudSuffixes(storage_endpoint='core.windows.net', keyvault_dns='.vault.azure.net')))

    own_scopes = (base + '/.default', base + '//.default')

    def wrap(name):
        original = getattr(ClientSecretCredential, name)

        def wrapper(self, *scopes, **kwargs):
            scopes = tuple('https://management.azure.com/.default' if scope in own_scopes else scope for scope in scopes)
            return original(self, *scopes, **kwargs)
        setattr(ClientSecretCredential, name, wrapper)

    for name in ('get_token', 'get_token_info'):
        if hasattr(ClientSecretCredential, name):
            wrap(name)


if sys.argv and 'AnsiballZ_' in sys.argv[0] and os.environ.get('BENCH_EMULATOR_ARM'):
    _install(os.environ['BENCH_EMULATOR_ARM'].rstrip('/'))
