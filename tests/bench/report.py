# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render docs/benchmarks.md from the harness's results.json. Every figure on the page comes from that one file."""

from __future__ import annotations

LOCATION = 'westus2'
SECTIONS = ('size', 'adhoc', 'profile', 'role', 'fleet', 'inventory', 'scale', 'loop')
# Method bullets that concern only some sections (by their bold lead); the others always show
BULLET_SECTIONS = {'**No-change runs**': ('adhoc', 'loop', 'scale', 'profile'), '**Ad hoc**': ('adhoc', 'profile'), '**Per loop item**': ('loop',),
                   '**Setup role, one instance**': ('role', 'fleet'), '**Module processes**': ('role', 'fleet'), '**Fleet of N**': ('fleet',),
                   '**Scale**': ('scale',), '**Inventory**': ('inventory',), '**Install size**': ('size',)}
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


def targets(results, ran=lambda *names: True):
    """Rows (target, measured, the same comparison on CPU, limit, verdict) for the targets of the sections that were run."""
    adhoc, loop = results.get('adhoc', {}), results.get('loop', {})
    rows = []

    def per_item(key):
        row = loop.get(key) or {}
        return {'wall': row.get('per_item_wall'), 'cpu': row.get('per_item_cpu')}

    if ran('adhoc', 'loop'):
        for key in ('dt_instance', 'dt_role_assignment'):
            _pair(rows, '%s no-change, ad hoc, vs ad-hoc ping' % key, '<= 1.6x', lambda r: r <= 1.6, adhoc.get(key) or {}, adhoc.get('ping') or {})
            _pair(rows, '%s no-change, per loop item, vs ping per item' % key, '<= 2.5x', lambda r: r <= 2.5, per_item(key), per_item('ping'), 3)
        for key, other in sorted(AZCOLL_EQUIVALENT.items()):
            _pair(rows, '%s vs %s, ad hoc' % (key, other), '<= 0.4x', lambda r: r <= 0.4, adhoc.get(key) or {}, adhoc.get(other) or {})
            _pair(rows, '%s vs %s, per loop item' % (key, other), '<= 0.4x', lambda r: r <= 0.4, per_item(key), per_item(other), 3)
        reqs = (adhoc.get('dt_role_assignment') or {}).get('requests')
        rows.append(('dt_role_assignment no-change HTTP requests (incl. token)', _req(reqs), '', '<= 6', _verdict(None if reqs is None else reqs <= 6)))
    if ran('role', 'fleet'):
        rows += fleet_targets(results)
    if not ran('scale'):
        return rows
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


def _count_row(rows, label, value, limit, unit=''):
    rows.append((label, 'n/a' if value is None else '%g%s' % (value, unit), '', '<= %g%s' % (limit, unit),
                 _verdict(None if value is None else value <= limit)))


def fleet_targets(results, big=100):
    """Rows for the setup role and the fleet targets: counts of one instance's runs, the fleet of `big` against one instance."""
    rows = []
    role = results.get('role') or {}
    first, rerun = role.get('first') or {}, role.get('rerun') or {}
    _count_row(rows, 'setup role, one instance, first converge: module processes', first.get('processes'), 5)
    _count_row(rows, 'setup role, one instance, first converge: HTTP requests (incl. token)', first.get('requests'), 30)
    _count_row(rows, 'setup role, one instance, no-change pass: module processes', rerun.get('processes'), 3)
    _count_row(rows, 'setup role, one instance, no-change pass: HTTP requests (incl. token)', rerun.get('requests'), 10)
    entry = ((results.get('fleet') or {}).get('sizes') or {}).get(str(big)) or {}
    fleet_first, fleet_rerun = entry.get('first') or {}, entry.get('rerun') or {}
    mark = len(rows)
    _pair(rows, 'fleet of %d, first converge, vs one instance\'s first converge' % big, '<= 1.5x', lambda r: r <= 1.5, fleet_first, first, 1)
    cpu = fleet_first.get('per_instance_cpu')
    rows.append(('fleet of %d, first converge: CPU per instance' % big,
                 'n/a' if cpu is None else '%s s (%s s / %d)' % (_s(cpu, 3), _s(fleet_first['cpu'], 1), big),
                 'n/a' if cpu is None else 'this is the CPU figure (wall %s s)%s' % (_s(fleet_first['wall'], 1), _cpu_split(fleet_first)),
                 '<= 0.3 s',
                 _verdict(None if cpu is None else cpu <= 0.3)))
    _pair(rows, 'fleet of %d, no-change pass, vs one instance\'s no-change pass' % big, '<= 3x', lambda r: r <= 3, fleet_rerun, rerun, 1)
    for label, row, limit in (('first converge', fleet_first, 12), ('no-change pass', fleet_rerun, 3)):
        value = row.get('per_instance_requests')
        rows.append(('fleet of %d, %s: HTTP requests per instance' % (big, label),
                     'n/a' if value is None else '%s (%g / %d)' % (_s(value, 2), row['requests'], big), '', '<= %g' % limit,
                     _verdict(None if value is None else value <= limit)))
    if big not in (results['meta'].get('config') or {}).get('fleet', []):
        why = 'not measured (N=%d is not among the fleet sizes of this run)' % big
    elif 'fleet:%d' % big in results.get('not_measured', {}) or 'fleet' in results.get('not_measured', {}):
        why = 'not measured (see the notes at the end)'
    else:
        why = None
    if why:
        rows[mark:] = [row[:4] + ((why,) if row[4] == _verdict(None) else (row[4],)) for row in rows[mark:]]
    return rows


def _cpu_split(row):
    """'; module processes x s, ansible y s' when the module processes' CPU was measured."""
    if row.get('module_cpu') is None or row.get('cpu') is None:
        return ''
    return '; module processes %s s, ansible itself %s s' % (_s(row['module_cpu'], 1), _s(row['cpu'] - row['module_cpu'], 1))


def fleet_rows(fleet):
    """One row per fleet size and pass (first converge, no-change pass)."""
    sizes = fleet.get('sizes') or {}
    one = sizes.get('1') or {}
    rows = []
    for size in sorted(int(n) for n in sizes):
        entry = sizes[str(size)]
        for key, label in (('first', 'first converge'), ('rerun', 'no-change pass')):
            row = entry.get(key)
            if not row:
                continue
            base = (one.get(key) or {}).get('wall')
            after = base * size if base and key == 'first' else None
            rows.append((size, label + (' (median of %d)' % row['n'] if row.get('n', 1) > 1 else ''), entry.get('forks'), _s(row['wall'], 1),
                         _s(row['wall'] / base, 2, 'x') if base else 'n/a', _s(after, 0) if after else '', _s(row['cpu'], 1),
                         _s(row.get('module_cpu'), 1), _s(row.get('per_instance_cpu'), 3), _req(row.get('processes')), _kinds(row.get('process_kinds')),
                         _req(row.get('requests')), _s(row.get('per_instance_requests'), 2), _kinds(row.get('request_kinds'))))
    return rows


def _assignees(results):
    """The assignees of the role runs, as the page describes them."""
    assignees = (results.get('role') or {}).get('assignees') or []
    return ', '.join('%s `%s` as %s' % (a.get('principal_type'), a.get('assignee_object_id'), a.get('role')) for a in assignees) or 'n/a'


def _process_check(results):
    check = (results.get('role') or {}).get('process_check') or {}
    return 'n/a' if check.get('counted') is None else '%s, %s' % (check['counted'], _kinds(check.get('kinds')) or 'none')


def _growth(sizes, field):
    """Per extra instance: (value at the largest N - value at the smallest N) / (largest N - smallest N)."""
    low, high = sizes[0], sizes[-1]
    if high[0] == low[0] or low[1].get(field) is None or high[1].get(field) is None:
        return None
    return (high[1][field] - low[1][field]) / float(high[0] - low[0])


def _fleet_analysis(fleet, cpus):
    """How each pass grows with N (per extra instance, from the smallest to the largest N measured) and what bounds it."""
    out = []
    for key, label in (('first', 'first converge'), ('rerun', 'no-change pass')):
        sizes = sorted((int(n), e[key]) for n, e in (fleet.get('sizes') or {}).items() if e.get(key))
        if len(sizes) < 2:
            continue
        growth = {field: _growth(sizes, field) for field in ('wall', 'cpu', 'processes', 'requests')}
        top = sizes[-1][1]
        floor = top['cpu'] / cpus
        if floor >= 0.7 * top['wall']:
            bound = 'so it is CPU-bound on this machine'
        elif key == 'first':
            bound = ('so most of it is waiting: for the %s s provisioning, on requests, and for a CPU while other work on the machine '
                     'held it (load average above)' % fleet.get('delay'))
        else:
            bound = 'so most of it is waiting: on requests, and for a CPU while other work on the machine held it (load average above)'
        split = ''
        if top.get('module_cpu') is not None:
            split = (' Of that CPU, %s s went to the %g module processes and %s s to ansible itself (controller, workers, action '
                     'plugins and templating of every per-host task)' % (_s(top['module_cpu'], 1), top.get('processes') or 0,
                                                                         _s(top['cpu'] - top['module_cpu'], 1)))
            module_growth = _growth(sizes, 'module_cpu')
            split += '; per further instance %s s in module processes.' % _s(module_growth, 3) if module_growth is not None else '.'
        out.append('- **%s**: from N=%d to N=%d each further instance adds %s s of wall time, %s s of CPU, %s module processes and %s HTTP '
                   'requests. At N=%d the run used %s s of CPU, which on %d cores needs at least %s s of wall time, against %s s '
                   'measured, %s.%s' % (
                       label.capitalize(), sizes[0][0], sizes[-1][0], _s(growth['wall'], 3), _s(growth['cpu'], 3), _s(growth['processes'], 2),
                       _s(growth['requests'], 2), sizes[-1][0], _s(top['cpu'], 1), cpus, _s(floor, 1), _s(top['wall'], 1), bound, split))
    return ('\n'.join(out) + '\n') if out else ''


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


def _drop(out, mark, keep):
    """Leave out what was appended since `mark` when its section was not run."""
    if not keep:
        del out[mark:]


def _table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _column in header) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def render(results, png):  # pylint: disable=too-many-locals,too-many-statements,too-many-branches
    meta = results['meta']
    cfg = meta['config']
    sections = meta.get('sections') or SECTIONS

    def ran(*names):
        return any(name in sections for name in names)

    out = []
    out.append('# Benchmarks\n')
    out.append('Generated by `make bench` (`tests/bench/run.sh`, harness `tests/bench/bench.py`) from **one %s run** started %s and finished %s. '
               'Do not edit by hand: re-run the harness. Raw figures: `%s`.\n'
               % (meta['mode'], meta.get('started'), meta.get('finished'), meta.get('results_file', 'tests/output/bench/results.json')))
    if meta.get('fleet_only'):
        out.append('> **Fleet-only run** (`--fleet-only`): only the setup-role and fleet sections were measured; the other targets and '
                   'sections are left out. `docs/benchmarks.md` comes from one full run of `make bench`.\n')
    elif set(sections) != set(SECTIONS):
        out.append('> **Sections measured:** %s only (`--sections`); the others are left out.\n' % ', '.join(sections))
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
    out.append('Verdicts follow what each target states: wall time for the time ratios, the count for processes and requests, CPU for the '
               'CPU per instance. CPU time (user+sys of the whole process tree) is shown next to every time ratio because it is far less '
               'sensitive to other load on the machine. The fleet rows compare with one instance measured in the same run.\n')
    out.append(_table(('Target', 'Measured', 'Same comparison on CPU time', 'Limit', 'Verdict'), targets(results, ran)) + '\n')

    out.append('## Method\n')
    bullets = [
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
        '- **Setup role, one instance**: `ansible-playbook` of one play (`hosts: bench`, `gather_facts: false`, role '
        '`twinops.digital_twins.setup`) over a one-host YAML inventory laid out as a fleet is: the shared settings as group vars '
        '(`setup_resource_group`, `setup_location: %s`, `setup_role_assignments` with two assignees by object id, %s), the host with its '
        '`setup_instance_name`, local connection. Emulator provisioning delay %s s. First converge (a new resource group and instance each '
        'time) %d times, then the first of them again with nothing to change %d times; medians. After every first converge the harness '
        'checks in the emulator that every instance is Succeeded and holds both assignments.' % (
            LOCATION, _assignees(results), results.get('role', {}).get('delay', cfg['delay']), cfg['fleet_one_runs'], cfg['role_runs']),
        '- **Module processes**: counted, not estimated. The inventory sets `ansible_python_interpreter` to `tests/bench/module_python.sh`, '
        'which appends a line (the module\'s name) to a log when it starts and one with the process\'s user and system CPU time (the shell\'s '
        '`times`) when it ends, around the venv\'s python; every module process passes '
        'through it, while actions that run on the controller (`set_fact`, `debug`, `assert`, `set_stats`, `include_tasks`, `fail`) start '
        'none and are not counted. The wrapper is set for every inventory host, including an explicit `localhost` outside the play, so '
        'tasks delegated to localhost are counted too. Before the role runs, the harness checks the counter on a play of a `ping`, a '
        '`ping` delegated to localhost and four controller-side actions (it must count exactly 2: counted %s).' % _process_check(results),
        '- **Fleet of N**: the same play over N hosts, one instance each, all N instances in one new resource group (`bench-fleet-N`, '
        '%s) with the same two assignees each, the same layout for every N; emulator provisioning delay %s s (an instance takes that '
        'long to reach Succeeded). `forks = min(N, %d)`: the role converges the instances of a play together in `run_once` calls, so '
        'forks only matter for its per-host steps. For each N one first converge, then one pass with nothing to change. N=1 is the '
        'one-instance runs above (medians). A size is skipped when it would need more than %s s per pass, estimated as the provisioning '
        'delay plus N × the CPU per instance of the previous size spread over the cores. '
        '"One after another" is N × one instance\'s first converge, what N separate runs would take.' % (
            LOCATION, results.get('fleet', {}).get('delay', cfg['delay']), cfg['max_forks'], cfg.get('fleet_budget')),
        '- **Scale**: `POST /bulk/role-assignments` adds Reader assignments at subscription scope for new service principals until the '
        'subscription holds about %s assignments; then the same no-change role-assignment task is measured (%d runs for ours, %d for the others).'
        % (' and then '.join(str(n) for n in cfg['scale']), cfg['scale_runs'], cfg['scale_other_runs']),
        '- **Inventory**: the emulator holds %d Digital Twins instances (`POST /bulk/instances`); `ansible-inventory -i <file> --list` '
        'through the `twinops.digital_twins.dt_instances` plugin (no cache, keyed groups by location), beside the same command on a static '
        'one-host YAML inventory (the cost of ansible-inventory itself). Runs interleaved, %d each, medians.'
        % (cfg.get('inventory_instances', 1000), cfg.get('inventory_runs', 5)),
        '- **Install size**: a fresh venv with only the runtime requirements (ours: `requirements.txt`; azure.azcollection: its bundled '
        '`requirements.txt`), site-packages minus that of an empty venv (pip only).',
    ]
    out.append('\n'.join(b for b in bullets if ran(*next((v for k, v in BULLET_SECTIONS.items() if b.startswith('- ' + k)), SECTIONS)))
               + '\n')

    mark = len(out)
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

    _drop(out, mark, ran('adhoc', 'loop'))
    mark = len(out)
    out.append('## Setup role, one instance\n')
    role = results.get('role', {})
    rows = []
    for key, label in (('first', 'first converge'), ('rerun', 'no-change pass')):
        row = role.get(key)
        if row:
            rows.append((label, row['n'], _s(row['wall']), _s(row['cpu']), _s(row.get('module_cpu')), _s(row['rss_mb'], 0),
                         _req(row.get('processes')), _kinds(row.get('process_kinds')), _req(row['requests']), _kinds(row.get('request_kinds'))))
    out.append(_table(('Run', 'Runs', 'Wall (s)', 'CPU (s)', 'of which module processes (s)', 'Peak RSS (MB)', 'Module processes',
                       'Processes by module', 'HTTP requests', 'Requests by kind'), rows) + '\n' if rows else 'Not measured.\n')

    _drop(out, mark, ran('role'))
    mark = len(out)
    out.append('## Fleet convergence\n')
    fleet = results.get('fleet', {})
    rows = fleet_rows(fleet)
    if rows:
        out.append('Provisioning delay %s s, `forks = min(N, %s)`, one new resource group per N. Per instance = the pass\'s figure / N.\n' % (
            fleet.get('delay'), fleet.get('max_forks')))
        out.append(_table(('N', 'Pass', 'Forks', 'Wall (s)', 'vs one instance', 'One after another (s)', 'CPU (s)', 'of which module processes (s)',
                           'CPU per instance (s)', 'Module processes', 'Processes by module', 'HTTP requests', 'Requests per instance',
                           'Requests by kind'), rows) + '\n')
        out.append(_fleet_analysis(fleet, machine.get('cpus') or 1))
    else:
        out.append('Not measured.\n')

    _drop(out, mark, ran('fleet'))
    mark = len(out)
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

    _drop(out, mark, ran('scale'))
    mark = len(out)
    out.append(_inventory_section(results.get('inventory') or {}))

    _drop(out, mark, ran('inventory'))
    mark = len(out)
    out.append('## Installed size of the runtime requirements\n')
    size = results.get('size', {})
    rows = []
    for key, label in (('ours', 'twinops.digital_twins (`requirements.txt`)'), ('azcoll', 'azure.azcollection (its `requirements.txt`)')):
        row = size.get(key)
        if row:
            largest = [(n, b) for n, b in row['largest'] if n not in ('pip', 'setuptools', '_distutils_hack', 'pkg_resources')]
            rows.append((label, _mb(row['bytes']), row['files'], row['distributions'], ', '.join('%s %s' % (n, _mb(b)) for n, b in largest)))
    out.append(_table(('Requirements', 'site-packages', 'Files', 'Distributions', 'Largest packages'), rows) + '\n' if rows else 'Not measured.\n')

    _drop(out, mark, ran('size'))
    mark = len(out)
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

    _drop(out, mark, ran('profile'))
    if ran('adhoc', 'loop', 'scale'):
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
