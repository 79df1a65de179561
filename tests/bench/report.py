# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render docs/benchmarks.md from the harness's results.json. Every figure on the page comes from that one file."""

from __future__ import annotations

OURS = ('resource_group', 'dt_instance', 'dt_instance_info', 'dt_role_assignment', 'dt_role_assignment_info')
AZCOLL_EQUIVALENT = {'resource_group': 'azure_rm_resourcegroup', 'dt_instance': 'azure_rm_resource', 'dt_role_assignment': 'azure_rm_roleassignment'}
ADHOC_ORDER = ('ping',) + OURS + ('azcoll_ping', 'azure_rm_resourcegroup', 'azure_rm_resource', 'azure_rm_roleassignment', 'az_role_assignment')


def _s(value, digits=2, unit=''):
    if value is None:
        return 'n/a'
    return '%.*f%s' % (digits, value, unit)


def _mb(value):
    return 'n/a' if value is None else '%.0f MB' % (value / 1e6)


def _req(value):
    if value is None:
        return 'n/a'
    return '%g' % value


def _kinds(kinds):
    if not kinds:
        return ''
    return ', '.join('%s %g' % (k, v) for k, v in sorted(kinds.items()))


def _verdict(ok):
    if ok is None:
        return 'not measured'
    return '**met**' if ok else '**missed**'


def _label(results, key):
    return results['meta'].get('targets', {}).get(key, {}).get('label', key)


def _ratio_cell(mine, theirs, digits=2):
    if mine is None or not theirs:
        return None, 'n/a'
    ratio = mine / theirs
    return ratio, '%.2fx (%s vs %s)' % (ratio, _s(mine, digits), _s(theirs, digits))


def _pair(rows, label, limit, check, mine, theirs, digits=2):
    """One target row with its wall-time and its CPU-time ratio; the verdict follows the wall time as the issue states it."""
    wall, wall_text = _ratio_cell(mine.get('wall'), theirs.get('wall'), digits)
    _cpu, cpu_text = _ratio_cell(mine.get('cpu'), theirs.get('cpu'), digits)
    rows.append((label, wall_text, cpu_text, limit, _verdict(None if wall is None else check(wall))))


def targets(results):
    """Rows (target, wall ratio, CPU ratio, limit, verdict) for the issue's targets."""
    adhoc, loop = results.get('adhoc', {}), results.get('loop', {})
    rows = []

    def per_item(key):
        row = loop.get(key) or {}
        return {'wall': row.get('per_item_wall'), 'cpu': row.get('per_item_cpu')}

    for key in ('dt_instance', 'dt_role_assignment'):
        _pair(rows, '%s no-change, ad hoc, vs ad-hoc ping' % key, '<= 1.6x', lambda r: r <= 1.6, adhoc.get(key) or {}, adhoc.get('ping') or {})
        _pair(rows, '%s no-change, per loop item, vs ping per item' % key, '<= 2.5x', lambda r: r <= 2.5, per_item(key), per_item('ping'), 3)
    for key, other in sorted(AZCOLL_EQUIVALENT.items()):
        _pair(rows, '%s vs %s, ad hoc' % (key, other), '<= 0.4x', lambda r: r <= 0.4, adhoc.get(key) or {}, adhoc.get(other) or {})
        _pair(rows, '%s vs %s, per loop item' % (key, other), '<= 0.4x', lambda r: r <= 0.4, per_item(key), per_item(other), 3)
    reqs = (adhoc.get('dt_role_assignment') or {}).get('requests')
    rows.append(('dt_role_assignment no-change HTTP requests (incl. token)', _req(reqs), '', '<= 6', _verdict(None if reqs is None else reqs <= 6)))
    fleet = results.get('fleet', {})
    par = fleet.get('parallel', {})
    big = max((int(n) for n in par), default=None)
    one = fleet.get('one') or {}
    if big and big > 1 and one.get('wall'):
        ratio = par[str(big)]['wall'] / one['wall']
        measured = '%s (%s s vs %s s)' % (_s(ratio, 2, 'x'), _s(par[str(big)]['wall'], 1), _s(one['wall'], 1))
        rows.append(('fleet of %d vs one instance (first converge)' % big, measured,
                     _ratio_cell(par[str(big)].get('cpu'), one.get('cpu'), 1)[1], '<= 3x (for 100)',
                     _verdict(ratio <= 3) + ('' if big == 100 else ' (N=%d only, not 100)' % big)))
    else:
        rows.append(('fleet of 100 vs one instance', 'n/a', 'n/a', '<= 3x', _verdict(None)))
    scale = results.get('scale', {})
    sizes = sorted(int(n) for n in scale)
    if len(sizes) >= 2 and scale[str(sizes[0])].get('dt_role_assignment') and scale[str(sizes[-1])].get('dt_role_assignment'):
        low, high = scale[str(sizes[0])]['dt_role_assignment'], scale[str(sizes[-1])]['dt_role_assignment']
        change = (high['wall'] - low['wall']) / low['wall']
        cpu_change = (high['cpu'] - low['cpu']) / low['cpu'] if low.get('cpu') else None
        rows.append(('dt_role_assignment no-change, %d vs %d assignments' % (sizes[0], sizes[-1]),
                     '%+.1f%% (%s s vs %s s)' % (change * 100, _s(low['wall']), _s(high['wall'])),
                     'n/a' if cpu_change is None else '%+.1f%% (%s s vs %s s)' % (cpu_change * 100, _s(low['cpu']), _s(high['cpu'])),
                     'within 20%', _verdict(abs(change) <= 0.2)))
    else:
        rows.append(('no-change flat from 10 to 20,000 assignments', 'n/a', 'n/a', 'within 20%', _verdict(None)))
    return rows


def _fleet_analysis(fleet, cpus, loop=None):
    """Where a fleet's wall time goes: the CPU every host's tasks need, shared by the machine's cores."""
    par = fleet.get('parallel', {})
    sizes = sorted(int(n) for n in par if int(n) > 1)
    one = fleet.get('one') or {}
    if not sizes or not one.get('cpu'):
        return ''
    big = par[str(sizes[-1])]
    per_host_cpu = big['cpu'] / sizes[-1]
    floor = big['cpu'] / cpus
    verdict = ('so at this size the fleet is CPU-bound on this machine, not bound by the %s s provisioning wait; a fleet of N needs roughly '
               'N × %s / %d s of wall time here' % (fleet.get('delay'), _s(per_host_cpu, 1), cpus)) if floor >= 0.5 * big['wall'] else (
        'so at this size the wall time is mostly the provisioning wait, not CPU')
    return ('Where the fleet time goes: one instance\'s first converge costs %s s of CPU (the role\'s module processes, each a fresh Python '
            'importing the Azure SDK, plus ansible\'s workers); at N=%d the run used %s s of CPU, %s s per instance. With %d cores that alone '
            'needs at least %s s of wall time, against %s s measured, %s.\n' % (
                _s(one['cpu'], 1), sizes[-1], _s(big['cpu'], 0), _s(per_host_cpu, 1), cpus, _s(floor, 0), _s(big['wall'], 0), verdict)
            + _fleet_split(one, per_host_cpu, sizes[-1], cpus, (loop or {}).get('dt_instance', {}).get('per_item_cpu')))


def _fleet_split(one, per_host_cpu, size, cpus, module_cpu):
    """How one instance's CPU splits between module processes and ansible's own per-task work, and what 3x would need."""
    tokens = (one.get('request_kinds') or {}).get('token')
    if not tokens or not module_cpu:
        return ''
    processes = tokens / 2.0  # each module process signs in once: OIDC configuration + token
    modules = processes * module_cpu
    budget = 3 * one['wall'] * cpus / size
    return ('\nOne instance\'s first converge runs about %d module processes (%d requests to the sign-in endpoints, two per process); at the '
            '%s s of CPU a no-change module item costs in the loop table, that is about %s s, and the other %s s is ansible\'s own '
            'per-task work for the role\'s tasks on that host (a worker process per task, templating, result handling, skipped tasks '
            'included). For N=%d to converge within 3x one instance (%s s) on %d cores, a host\'s whole converge would have to fit in '
            'about %s s of CPU, less than %d module tasks: with one process per task that is out of reach on this machine.\n' % (
                round(processes), tokens, _s(module_cpu, 2), _s(modules, 1), _s(max(0.0, per_host_cpu - modules), 1), size,
                _s(3 * one['wall'], 0), cpus, _s(budget, 1), max(1, int(budget // module_cpu) + 1)))


def _loop_analysis(loop):
    """Per item: how much more wall and CPU than ping each of our modules costs, and the part that is not its own CPU."""
    ping = loop.get('ping')
    if not ping:
        return ''
    parts = []
    for key in ('resource_group', 'dt_instance', 'dt_role_assignment'):
        row = loop.get(key)
        if not row:
            continue
        extra_wall = row['per_item_wall'] - ping['per_item_wall']
        extra_cpu = row['per_item_cpu'] - ping['per_item_cpu']
        parts.append('%s +%s s wall / +%s s CPU' % (key, _s(extra_wall, 3), _s(extra_cpu, 3)))
    if not parts:
        return ''
    return ('Per item over ping: %s. The CPU part is the module process (a fresh Python importing the Azure SDK, see "Where the time goes"); '
            'the wall time beyond it is the %g HTTP requests per item, each a round trip to the emulator, which runs on the same two cores '
            'and signs a token for every module process, plus waiting for a CPU.\n' % ('; '.join(parts), loop.get('dt_instance', {}).get(
                'per_item_requests', 0)))


def _breakdown(key, adhoc, prof):
    """A sentence splitting the ad hoc time into ansible's floor (ping), the module process and its imports."""
    mine, ping = adhoc.get(key) or {}, adhoc.get('ping') or {}
    if not mine.get('wall') or not ping.get('wall'):
        return ''
    extra_wall = mine['wall'] - ping['wall']
    extra_cpu = (mine.get('cpu') or 0) - (ping.get('cpu') or 0)
    imports_s = prof['imports']['total_us'] / 1e6
    module = prof['module_process_wall']
    return ('Split: ping (ansible\'s own floor: controller start, inventory, worker fork, AnsiballZ transfer and a trivial module) is %s s '
            'of the %s s, i.e. %.0f%%; the module adds %s s wall and %s s CPU over ping. Run alone (wall time, measured on the same shared '
            'machine), its process takes %s s, of which imports %s s (%.0f%%); the rest is argument handling, the credential, the HTTP round '
            'trips listed above and waiting for a CPU.\n' % (
                _s(ping['wall']), _s(mine['wall']), 100.0 * ping['wall'] / mine['wall'], _s(extra_wall), _s(extra_cpu), _s(module),
                _s(imports_s), 100.0 * imports_s / module if module else 0))


OTHER_TOOLS = '''## How the other tools were pointed at the emulator

- **azure.azcollection** (installed from the `ansible` package, its bundled `requirements.txt` in a separate venv): with
  `cloud_environment` set to the emulator's ARM URL (`AZURE_CLOUD_ENVIRONMENT`), its `azure_rm_common` resolves the URL only against
  `azure.cli.core.cloud.KNOWN_CLOUDS` (it compares resource-manager URLs; no metadata request), so every module fails with
  `'StopIteration' object has no attribute 'message'`. That is what azure.azcollection itself still lacks: a cloud outside
  azure-cli's built-in list. `_get_cloud_from_metadata_endpoint` never requests the metadata endpoint (it only compares the URL with
  `KNOWN_CLOUDS`), and with `auth_source: cli` it looks the CLI's active cloud up by name among the same built-in clouds, so a cloud
  registered with `az cloud register` fails too ("There is no or multiple matching clouds"). Everything else works unaided: its ARM
  clients ask for a token for `<resource_manager>/.default`, which the emulator's ARM accepts (as a real cloud accepts its own ARM
  URL). The harness therefore runs azure.azcollection with `AZURE_DISABLE_INSTANCE_DISCOVERY=true` (its own option) and a
  benchmark-only `sitecustomize` (`tests/bench/azcoll_shim/`) that, in the module process only, appends the emulator to
  `KNOWN_CLOUDS`. It sends no request and changes no token.
- **azure_rm_resourcegroup** also calls `GET .../resourceGroups/{name}/resources` on every run (to report `contains_resources`),
  which the emulator serves, hence its 4 requests.
- **Azure CLI** (separate venv): `az cloud register` with the emulator's endpoints, `AZURE_CORE_INSTANCE_DISCOVERY=false`,
  `REQUESTS_CA_BUNDLE`, `az login --service-principal` (it signs in, stores the service principal and lists the subscriptions,
  as against Azure). The CLI keeps its MSAL token cache between runs (as it does for users), so its measured runs usually need no
  token request.
- azure.azcollection's `azure_rm_common` (3.21.0 source) imports about 45 management clients (network, compute, storage, web, sql, ...)
  at module import, whatever the module needs; see "Where the time goes" when it was profiled.
'''


def _inventory_section(inventory):
    """The dt_instances inventory plugin against N instances, beside a no-op inventory."""
    out = ['## Inventory of existing instances (`ansible-inventory --list`)\n']
    runs = inventory.get('runs') or {}
    rows = []
    for key, label in (('noop', 'static one-host YAML (no-op)'), ('dt_instances', 'twinops.digital_twins.dt_instances')):
        row = runs.get(key)
        if row:
            rows.append((label, row['n'], _s(row['wall']), '%s–%s' % (_s(row['wall_min']), _s(row['wall_max'])), _s(row['cpu']),
                         _s(row['rss_mb'], 0), _req(row['requests']), _kinds(row.get('request_kinds'))))
    if not rows:
        return '\n'.join(out) + 'Not measured.\n'
    out.append('The emulator held %s instances (%s hosts listed; %s instances per page of the list).\n' % (
        inventory.get('instances'), inventory.get('hosts'), inventory.get('page_size')))
    out.append(_table(('Inventory', 'Runs', 'Wall (s, median)', 'Wall min–max', 'CPU (s)', 'Peak RSS (MB)', 'HTTP requests', 'Requests by kind'),
                      rows) + '\n')
    mine, floor = runs.get('dt_instances'), runs.get('noop')
    if mine and floor:
        out.append('Listing the instances costs %s s of wall time and %s s of CPU beyond ansible-inventory itself.\n' % (
            _s(mine['wall'] - floor['wall']), _s(mine['cpu'] - floor['cpu'])))
    return '\n'.join(out)


def _table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _column in header) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def render(results, png):  # pylint: disable=too-many-locals,too-many-statements,too-many-branches
    meta = results['meta']
    cfg = meta['config']
    out = []
    out.append('# Benchmarks\n')
    out.append('Generated by `make bench` (`tests/bench/run.sh`, harness `tests/bench/bench.py`) from **one %s run** started %s and finished %s. '
               'Do not edit by hand: re-run the harness. Raw figures: `tests/output/bench/results.json`.\n'
               % (meta['mode'], meta.get('started'), meta.get('finished')))
    completed = list(meta.get('completed', [])) + (['size'] if results.get('size', {}).get('ours') else [])
    missing = [name for name in meta.get('sections', []) if name not in completed]
    if missing:
        out.append('> **Partial run:** sections completed: %s; not completed: %s (see the notes at the end).\n' % (
            ', '.join(completed) or 'none', ', '.join(missing)))
    if meta['mode'] != 'full':
        out.append('> **Quick mode:** fewer repetitions and smaller fleets than the full run; figures are indicative only.\n')
    machine = meta.get('machine', {})
    ours, azv = meta.get('ours', {}), meta.get('azcoll_venv', {})
    out.append('**Machine:** %s CPUs (%s), Linux %s. Everything, including the emulator, shares these CPUs.  ' % (
        machine.get('cpus'), machine.get('cpu_model'), machine.get('kernel')))
    load = meta.get('loadavg_start'), meta.get('loadavg_end')
    if all(load):
        out.append('**Load average** (1/5/15 min) at start %s, at end %s: other work shared the machine during the run, so absolute times are '
                   'inflated and noisy; rounds are interleaved so that ratios between tools measured in the same round stay comparable.  ' % (
                       '/'.join('%.1f' % v for v in load[0]), '/'.join('%.1f' % v for v in load[1])))
    out.append('**Versions:** ours on Python %s, ansible-core %s (%s); azure.azcollection %s from the `ansible` package %s on Python %s, '
               'ansible-core %s; Azure CLI %s.\n' % (ours.get('python'), ours.get('ansible_core'), meta.get('collection_source'),
                                                     meta.get('azcollection', 'n/a'), meta.get('ansible_package', 'n/a'), azv.get('python'),
                                                     azv.get('ansible_core'), meta.get('azure_cli', 'n/a')))
    if meta.get('commit'):
        out.append('**Code measured:** commit `%s` of this repository.\n' % meta['commit'])
    if png:
        out.append('![benchmarks](%s)\n' % png)

    out.append('## Targets\n')
    out.append('Verdicts follow wall time, as the targets are stated. CPU time (user+sys of the whole process tree) is shown next to it because '
               'it is far less sensitive to other load on the machine.\n')
    out.append(_table(('Target', 'Measured (wall)', 'Same ratio on CPU time', 'Limit', 'Verdict'), targets(results)) + '\n')

    out.append('## Method\n')
    out.append('\n'.join([
        '- Everything runs against the project\'s emulator (`tests/emulator`) on 127.0.0.1, started by the harness in its own state directory. '
        'Every tool reaches it the way it reaches a sovereign cloud: ARM URL as `cloud_environment` / `az cloud register`, the emulator\'s CA '
        'in `REQUESTS_CA_BUNDLE`, and the seeded automation service principal (client secret).',
        '- **Wall time**: `time.perf_counter()` around the command. **CPU**: user+sys of the command and every descendant it reaped '
        '(`os.wait4` rusage: ansible, its workers and the module processes). **Peak RSS**: `ru_maxrss` from the same rusage, i.e. the largest '
        'single process in the tree (not a sum). **HTTP requests**: the emulator\'s request log (`DELETE` then `GET '
        '$TWINOPS_EMULATOR_ADMIN_URL/requests` around each run), token requests included, admin calls excluded.',
        '- **No-change runs**: the resource group, instance and the assignment (alice, object id form, `Azure Digital Twins Data Owner` on '
        'the instance) exist; each target is run once unmeasured first (it creates what is missing), then measured. Rounds are interleaved '
        '(run 1 of every target, then run 2, ...) so drift hits all targets alike. Figures are medians; ad hoc: %d runs per target.'
        % cfg['runs'],
        '- **Ad hoc**: `ansible localhost -i <inventory> -m <module> -a <json>`, local connection, `ansible_python_interpreter` = the venv\'s '
        'python, ansible-core defaults otherwise (no pipelining, default callback).',
        '- **Per loop item**: a playbook with one task looping %d times over the same no-change arguments, and an empty playbook (same play, '
        'no task). Per item = (loop playbook − median empty playbook) / %d. This includes the task\'s one-off setup spread over %d items. '
        '%d runs each for ours and ping, %d for azure.azcollection (slower, kept short to fit the time budget).'
        % (cfg['loop_items'], cfg['loop_items'], cfg['loop_items'], cfg['loop_runs'], cfg['azcoll_loop_runs']),
        '- **Setup role**: one play, the `setup` role with `setup_role_assignments` (object id form), provisioning delay %s s; first converge '
        '(new resource group and instance) %d times, re-run with nothing to change %d times.' % (
            results.get('role', {}).get('delay', cfg['delay']), cfg['fleet_one_runs'], cfg['role_runs']),
        '- **Fleet**: N inventory hosts (local connection), one instance each (the same role, one shared new resource group per N), emulator '
        'provisioning delay %s s (an instance takes that long to reach Succeeded), `forks = min(N, %d)`: each host\'s converge mostly waits on '
        'the provisioning poll, so forks = N is what makes the fleet take about as long as one; CPU (2 cores) and memory (~23 GB) are the '
        'limits. One run per N. **Serial**: forks=1 measured on %d instances and extrapolated linearly to N (per-instance time × N), because '
        '100 × %s s does not fit the time budget.' % (cfg['delay'], cfg['max_forks'], cfg['serial_subset'], cfg['delay']),
        '- **Scale**: `POST /bulk/role-assignments` adds Reader assignments at subscription scope for new service principals until the '
        'subscription holds about %s assignments; then the same no-change role-assignment task is measured (%d runs for ours, %d for the others).'
        % (' and then '.join(str(n) for n in cfg['scale']), cfg['scale_runs'], cfg['scale_other_runs']),
        '- **Inventory**: the emulator holds %d Digital Twins instances (`POST /bulk/instances`); `ansible-inventory -i <file> --list` '
        'through the `twinops.digital_twins.dt_instances` plugin (no cache, keyed groups by location), beside the same command on a static '
        'one-host YAML inventory (the cost of ansible-inventory itself). Runs interleaved, %d each, medians.'
        % (cfg.get('inventory_instances', 1000), cfg.get('inventory_runs', 5)),
        '- **Install size**: a fresh venv with only the runtime requirements (ours: `requirements.txt`; azure.azcollection: its bundled '
        '`requirements.txt`), site-packages minus that of an empty venv (pip only).',
    ]) + '\n')

    out.append('## Per task, nothing to change\n')
    out.append('### Ad hoc (`ansible localhost -m ...`)\n')
    rows = []
    adhoc = results.get('adhoc', {})
    for key in ADHOC_ORDER:
        row = adhoc.get(key)
        if not row:
            continue
        rows.append((_label(results, key), row['n'], _s(row['wall']), '%s–%s' % (_s(row['wall_min']), _s(row['wall_max'])), _s(row['cpu']),
                     _s(row['rss_mb'], 0), _req(row['requests']), _kinds(row.get('request_kinds'))))
    out.append(_table(('Task', 'Runs', 'Wall (s, median)', 'Wall min–max', 'CPU (s)', 'Peak RSS (MB)', 'HTTP requests', 'Requests by kind'), rows) + '\n')

    out.append('### As items of a %d-item loop\n' % cfg['loop_items'])
    empty = results.get('empty', {})
    out.append('Empty playbook (median): ' + ', '.join('%s %s s' % (k, _s(v['wall'])) for k, v in sorted(empty.items()) if v) + '.\n')
    rows = []
    loop = results.get('loop', {})
    for key in ADHOC_ORDER:
        row = loop.get(key)
        if not row:
            continue
        rows.append((_label(results, key), row['n'], _s(row['wall']), _s(row['per_item_wall'], 3), _s(row['per_item_cpu'], 3), _s(row['rss_mb'], 0),
                     _s(row['per_item_requests'], 1)))
    out.append(_table(('Task', 'Runs', 'Playbook wall (s)', 'Per item wall (s)', 'Per item CPU (s)', 'Peak RSS (MB)', 'HTTP requests per item'), rows) + '\n')
    out.append(_loop_analysis(loop))

    out.append('## Setup role, one instance\n')
    role = results.get('role', {})
    rows = []
    for key, label in (('first', 'first converge'), ('rerun', 're-run, nothing to change')):
        row = role.get(key)
        if row:
            rows.append((label, row['n'], _s(row['wall']), _s(row['cpu']), _s(row['rss_mb'], 0), _req(row['requests']), _kinds(row.get('request_kinds'))))
    out.append(_table(('Run', 'Runs', 'Wall (s)', 'CPU (s)', 'Peak RSS (MB)', 'HTTP requests', 'Requests by kind'), rows) + '\n' if rows else 'Not measured.\n')

    out.append('## Fleet convergence\n')
    fleet = results.get('fleet', {})
    par = fleet.get('parallel', {})
    serial = fleet.get('serial', {})
    rows = []
    for size in sorted(int(n) for n in par):
        row = par[str(size)]
        extra = serial.get('extrapolated', {}).get(str(size))
        rows.append((size, row.get('forks'), _s(row['wall'], 1), _s(row['cpu'], 1), _s(row['rss_mb'], 0), _s(row.get('per_instance_requests'), 1),
                     _s(extra, 0), _s(extra / row['wall'], 1, 'x') if extra else 'n/a'))
    if rows:
        out.append('Provisioning delay %s s. Serial: %d instances with forks=1 took %s s (%s s per instance); the serial column is that × N.\n' % (
            fleet.get('delay'), serial.get('subset', 0), _s(serial.get('wall'), 1), _s(serial.get('per_instance'), 1)))
        out.append(_table(('N', 'Forks', 'Wall (s)', 'CPU (s)', 'Peak RSS of one process (MB)', 'HTTP requests per instance',
                           'Serial, extrapolated (s)', 'Speed-up'), rows) + '\n')
        out.append(_fleet_analysis(fleet, machine.get('cpus') or 1, results.get('loop')))
    else:
        out.append('Not measured.\n')

    out.append('## Role assignment with nothing to change, against the number of assignments in the subscription\n')
    scale = results.get('scale', {})
    rows = []
    for size in sorted(int(n) for n in scale):
        entry = scale[str(size)]
        total = (entry.get('bulk_reply') or {}).get('total')
        for key in ('dt_role_assignment', 'azure_rm_roleassignment', 'az_role_assignment'):
            row = entry.get(key)
            if row:
                rows.append((size, total, _label(results, key), row['n'], _s(row['wall']), _s(row['cpu']), _req(row['requests']),
                             _kinds(row.get('request_kinds'))))
    header = ('Target', 'Held', 'Task', 'Runs', 'Wall (s)', 'CPU (s)', 'HTTP requests', 'Requests by kind')
    out.append(_table(header, rows) + '\n' if rows else 'Not measured.\n')

    out.append(_inventory_section(results.get('inventory') or {}))

    out.append('## Installed size of the runtime requirements\n')
    size = results.get('size', {})
    rows = []
    for key, label in (('ours', 'twinops.digital_twins (`requirements.txt`)'), ('azcoll', 'azure.azcollection (its `requirements.txt`)')):
        row = size.get(key)
        if row:
            largest = [(n, b) for n, b in row['largest'] if n not in ('pip', 'setuptools', '_distutils_hack', 'pkg_resources')]
            rows.append((label, _mb(row['bytes']), row['files'], row['distributions'], ', '.join('%s %s' % (n, _mb(b)) for n, b in largest)))
    out.append(_table(('Requirements', 'site-packages', 'Files', 'Distributions', 'Largest packages'), rows) + '\n' if rows else 'Not measured.\n')

    profile = results.get('profile', {})
    if profile:
        out.append('## Where the time goes\n')
        out.append('The module\'s AnsiballZ payload from one ad hoc run was kept (`ANSIBLE_KEEP_REMOTE_FILES=1`) and run directly with the same '
                   'arguments: plain (median of 5) and under `python -X importtime` (top-level imports, cumulative). What the ad hoc run costs '
                   'beyond the module process is ansible itself (compare ping).\n')
        for key, prof in sorted(profile.items()):
            if 'error' in prof:
                out.append('- %s: profiling failed: %s' % (key, prof['error']))
                continue
            adhoc_wall = adhoc.get(key, {}).get('wall')
            imports = prof['imports']
            top = ', '.join('%s %.0f ms' % (name, us / 1000.0) for name, us in imports['top'][:8])
            reqs = prof.get('requests') or []
            http_ms = sum(r.get('ms') or 0 for r in reqs)
            out.append('**%s**: ad hoc %s s; the module process alone %s s (bare `python -c pass` %s s, `import ansible.module_utils.basic` %s s); '
                       'imports %.0f ms in all: %s. %d HTTP requests, %.0f ms server time: %s.\n' % (
                           key, _s(adhoc_wall), _s(prof['module_process_wall']), _s(prof['python_startup']), _s(prof['import_basic']),
                           imports['total_us'] / 1000.0, top, len(reqs), http_ms,
                           '; '.join('%s %s %s' % (r['method'], r['path'], r['status']) for r in reqs)))
            out.append(_breakdown(key, adhoc, prof))

    out.append(OTHER_TOOLS)
    notes = results.get('notes', [])
    not_measured = results.get('not_measured', {})
    if not_measured or notes:
        out.append('## Not measured, failures and notes\n')
        for key, why in sorted(not_measured.items()):
            why = ' '.join(why.split())
            out.append('- not measured: `%s`: %s' % (key, why if len(why) <= 320 else why[:320] + ' [...]'))
        for note in notes:
            out.append('- ' + note.replace('\n', ' '))
        out.append('')
    return '\n'.join(out) + '\n'
