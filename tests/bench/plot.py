# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plot docs/benchmarks.png from results.json (run with the .venv-bench-plot python, which has matplotlib)."""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

ORDER = ('ping', 'resource_group', 'dt_instance', 'dt_instance_info', 'dt_role_assignment', 'dt_role_assignment_info',
         'azcoll_ping', 'azure_rm_resourcegroup', 'azure_rm_resource', 'azure_rm_roleassignment', 'az_role_assignment')
COLOURS = {'floor': '#999999', 'ours': '#1f77b4', 'azcoll': '#d62728', 'azcli': '#ff7f0e'}


def _bars(axis, results, table, fields, title, ylabel):
    """Grouped bars: wall time (solid) and CPU time (hatched) per target, coloured by tool."""
    meta = results['meta'].get('targets', {})
    wall_field, cpu_field = fields
    keys = [k for k in ORDER if results.get(table, {}).get(k) and results[table][k].get(wall_field) is not None]
    colours = [COLOURS.get(meta.get(k, {}).get('tool'), '#333333') for k in keys]
    labels = [meta.get(k, {}).get('label', k).replace(' (', '\n(') for k in keys]
    width = 0.4
    for offset, field, hatch in ((-width / 2, wall_field, None), (width / 2, cpu_field, '//')):
        values = [results[table][k].get(field) or 0 for k in keys]
        xs = [i + offset for i in range(len(keys))]
        axis.bar(xs, values, width, color=colours, hatch=hatch, alpha=1.0 if hatch is None else 0.45, edgecolor='black', linewidth=0.3)
        for x, value in zip(xs, values):
            axis.text(x, value, '%.2f' % value, ha='center', va='bottom', fontsize=6)
    axis.set_xticks(range(len(keys)))
    axis.set_xticklabels(labels, rotation=60, ha='right', fontsize=7)
    axis.set_title(title + '\n(solid: wall, hatched: CPU of the process tree)', fontsize=10)
    axis.set_ylabel(ylabel)


def main(results_path, png_path):
    with open(results_path, encoding='utf-8') as handle:
        results = json.load(handle)
    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    _bars(axes[0][0], results, 'adhoc', ('wall', 'cpu'), 'No-change task, ad hoc (median)', 'seconds')
    _bars(axes[0][1], results, 'loop', ('per_item_wall', 'per_item_cpu'), 'No-change task, per item of a 20-item loop (median)', 'seconds per item')

    axis = axes[1][0]
    fleet = results.get('fleet', {})
    par = fleet.get('parallel', {})
    if par:
        sizes = sorted(int(n) for n in par)
        axis.plot(sizes, [par[str(n)]['wall'] for n in sizes], 'o-', color=COLOURS['ours'], label='setup role, forks = min(N, 100)')
        extra = fleet.get('serial', {}).get('extrapolated', {})
        if extra:
            ser = sorted(int(n) for n in extra)
            axis.plot(ser, [extra[str(n)] for n in ser], 's--', color='#555555',
                      label='serial (forks=1), extrapolated from %d instances' % fleet['serial']['subset'])
        axis.set_xlabel('instances (N)')
        axis.set_ylabel('wall time (s)')
        axis.set_yscale('log')
        axis.legend(fontsize=8)
    axis.set_title('Fleet first converge, provisioning delay %s s' % fleet.get('delay', '?'), fontsize=10)

    axis = axes[1][1]
    scale = results.get('scale', {})
    sizes = sorted(int(n) for n in scale)
    meta = results['meta'].get('targets', {})
    width = 0.25
    for offset, key in enumerate(('dt_role_assignment', 'azure_rm_roleassignment', 'az_role_assignment')):
        values = [(scale[str(n)].get(key) or {}).get('wall') for n in sizes]
        if not any(v is not None for v in values):
            continue
        xs = [i + (offset - 1) * width for i in range(len(sizes))]
        axis.bar(xs, [v or 0 for v in values], width, color=COLOURS.get(meta.get(key, {}).get('tool')), label=meta.get(key, {}).get('label', key))
        for x, value in zip(xs, values):
            if value is not None:
                axis.text(x, value, '%.2f' % value, ha='center', va='bottom', fontsize=7)
    axis.set_xticks(range(len(sizes)))
    axis.set_xticklabels(['%d assignments' % n for n in sizes])
    axis.set_ylabel('wall time (s), ad hoc')
    axis.set_title('No-change role assignment vs assignments in the subscription', fontsize=10)
    if sizes:
        axis.legend(fontsize=8)

    fig.suptitle('twinops.digital_twins benchmarks (%s run, %s)' % (results['meta']['mode'], results['meta'].get('started')), fontsize=12)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
