# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only adapter that lets azure.azcollection reach the local emulator (see docs/benchmarks.md).

Active only in an AnsiballZ module process and only when BENCH_EMULATOR_ARM is set (the harness sets it for the
azure.azcollection runs). It bridges the one gap that lies in azure.azcollection itself and costs no request:
azure.azcollection resolves a URL cloud_environment only to a cloud in azure.cli.core.cloud.KNOWN_CLOUDS (it compares
resource_manager URLs and never reads the metadata endpoint), so the emulator is added to that list. Tokens need no
help: the emulator's ARM accepts its own resource-manager URL as an audience, as a real cloud does.
"""

import os
import sys


def _install(base):
    from azure.cli.core import cloud  # pylint: disable=import-outside-toplevel

    cloud.KNOWN_CLOUDS.append(cloud.Cloud('TwinopsEmulator', endpoints=cloud.CloudEndpoints(
        management='https://management.core.windows.net/', resource_manager=base + '/', active_directory=base,
        active_directory_resource_id='https://management.core.windows.net/', active_directory_graph_resource_id='https://graph.windows.net/',
        microsoft_graph_resource_id=base + '/'), suffixes=cloud.CloudSuffixes(storage_endpoint='core.windows.net', keyvault_dns='.vault.azure.net')))


if sys.argv and 'AnsiballZ_' in sys.argv[0] and os.environ.get('BENCH_EMULATOR_ARM'):
    _install(os.environ['BENCH_EMULATOR_ARM'].rstrip('/'))
