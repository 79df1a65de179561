# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plot docs/benchmarks.png from results.json (run with the .venv-bench-plot python, which has matplotlib)."""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.ticker  # noqa: E402  pylint: disable=wrong-import-position
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


def _fleet_series(fleet, key, field):
    sizes = fleet.get('sizes') or {}
    points = sorted((int(n), e[key].get(field)) for n, e in sizes.items() if e.get(key) and e[key].get(field) is not None)
    return [n for n, _v in points], [v for _n, v in points]


def _fleet(wall_axis, cpu_axis, count_axis, fleet):
    """How a fleet's wall time, CPU and requests/processes per instance grow with N, beside the targets."""
    passes = (('first', 'first converge', 'o-', COLOURS['ours']), ('rerun', 'no-change pass', 's-', '#2ca02c'))
    one = (fleet.get('sizes') or {}).get('1') or {}
    delay = fleet.get('delay', '?')
    for axis in (wall_axis, cpu_axis, count_axis):
        axis.set_xscale('log')
        axis.set_xlabel('instances in the fleet (N)')
    for key, label, style, colour in passes:
        xs, ys = _fleet_series(fleet, key, 'wall')
        if xs:
            wall_axis.plot(xs, ys, style, color=colour, label='%s, forks = min(N, %s)' % (label, fleet.get('max_forks', '?')))
            for x, y in zip(xs, ys):
                wall_axis.text(x, y, ' %.0f' % y, fontsize=7, va='bottom')
        xs, ys = _fleet_series(fleet, key, 'cpu')
        if xs:
            cpu_axis.plot(xs, ys, style, color=colour, label=label)
        for field, dash, what in (('per_instance_requests', '', 'HTTP requests'), ('per_instance_processes', '--', 'module processes')):
            xs, ys = _fleet_series(fleet, key, field)
            if xs:
                count_axis.plot(xs, ys, style[0] + (dash or '-'), color=colour, label='%s per instance, %s' % (what, label),
                                alpha=1.0 if not dash else 0.6)
    xs, _ys = _fleet_series(fleet, 'first', 'wall')
    base = (one.get('first') or {}).get('wall')
    if xs and base:
        wall_axis.plot(xs, [base * n for n in xs], ':', color='#555555', label='one after another (N x one instance)')
        wall_axis.axhline(1.5 * base, color=COLOURS['ours'], linestyle=':', linewidth=0.8, label='target first converge: 1.5 x one instance')
    rerun_base = (one.get('rerun') or {}).get('wall')
    if xs and rerun_base:
        wall_axis.axhline(3 * rerun_base, color='#2ca02c', linestyle=':', linewidth=0.8, label='target no-change: 3 x one instance')
    if xs:
        cpu_axis.plot(xs, [0.3 * n for n in xs], ':', color='#555555', label='target first converge: 0.3 s x N')
        count_axis.axhline(12, color=COLOURS['ours'], linestyle=':', linewidth=0.8, label='target requests, first converge (12)')
        count_axis.axhline(3, color='#2ca02c', linestyle=':', linewidth=0.8, label='target requests, no-change (3)')
        for axis in (wall_axis, cpu_axis, count_axis):
            axis.set_yscale('log')
            axis.set_xticks(xs)
            axis.set_xticklabels([str(n) for n in xs])
            axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            axis.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter('%g'))
            axis.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter('%g'))
            axis.tick_params(axis='y', which='minor', labelsize=6)
            axis.legend(fontsize=7)
    wall_axis.set_ylabel('wall time (s)')
    wall_axis.set_title('Fleet: wall time, provisioning delay %s s' % delay, fontsize=10)
    cpu_axis.set_ylabel('CPU time of the process tree (s)')
    cpu_axis.set_title('Fleet: CPU time', fontsize=10)
    count_axis.set_ylabel('per instance')
    count_axis.set_title('Fleet: HTTP requests and module processes per instance', fontsize=10)


def main(results_path, png_path):
    with open(results_path, encoding='utf-8') as handle:
        results = json.load(handle)
    title = 'twinops.digital_twins benchmarks (%s run, %s)' % (results['meta']['mode'], results['meta'].get('started'))
    if results['meta'].get('fleet_only'):
        # a fleet-only run (bench.py --fleet-only) measured nothing else: its three fleet panels only
        fig, axes = plt.subplots(2, 2, figsize=(13, 10))
        _fleet(axes[0][0], axes[0][1], axes[1][0], results.get('fleet', {}))
        axes[1][1].axis('off')
        return _save(fig, title.replace(' run,', ' fleet-only run,'), png_path)
    fig, axes = plt.subplots(3, 2, figsize=(13, 15))
    _bars(axes[0][0], results, 'adhoc', ('wall', 'cpu'), 'No-change task, ad hoc (median)', 'seconds')
    _bars(axes[0][1], results, 'loop', ('per_item_wall', 'per_item_cpu'), 'No-change task, per item of a 20-item loop (median)', 'seconds per item')
    _fleet(axes[1][0], axes[1][1], axes[2][0], results.get('fleet', {}))

    axis = axes[2][1]
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

    return _save(fig, title, png_path)


def _save(fig, title, png_path):
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
