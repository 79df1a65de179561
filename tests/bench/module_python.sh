#!/bin/sh
# Module interpreter for the benchmark's setup-role and fleet runs: the inventory points ansible_python_interpreter
# here, so every module process ansible starts passes through this script. With $BENCH_MODULE_LOG set it appends a
# "start" line (its pid and the module's name, from the AnsiballZ file it is given) to that log, runs the real Python
# ($BENCH_MODULE_PYTHON, else the project's .venv) and appends an "end" line with that process's user and system CPU
# time (the shell's `times`). Action plugins that run on the controller (set_fact, debug, assert, set_stats,
# include_tasks, fail) start no module process and so never reach it.
python="${BENCH_MODULE_PYTHON:-$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/python}"
[ -n "${BENCH_MODULE_LOG:-}" ] || exec "$python" "$@"
module=pipelined
for arg in "$@"; do
    case "$arg" in
        *AnsiballZ_*.py) module="${arg##*/AnsiballZ_}"; module="${module%.py}" ;;
    esac
done
# one short write with O_APPEND each: lines from parallel module processes do not interleave
printf 'start %s %s\n' "$$" "$module" >> "$BENCH_MODULE_LOG"
"$python" "$@"
rc=$?
# `times` prints the shell's own times, then its children's: only builtins and redirections here, no subshell
times > "$BENCH_MODULE_LOG.$$"
{ read -r _shell; read -r children; } < "$BENCH_MODULE_LOG.$$"
printf 'end %s %s %s\n' "$$" "$module" "$children" >> "$BENCH_MODULE_LOG"
rm -f "$BENCH_MODULE_LOG.$$"
exit "$rc"
