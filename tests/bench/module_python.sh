#!/bin/sh
# Module interpreter for the benchmark's setup-role and fleet runs: the inventory points ansible_python_interpreter
# here, so every module process ansible starts passes through this script. It appends one line (its pid and the
# module's name, from the AnsiballZ file it is given) to $BENCH_MODULE_LOG, then execs the real Python
# ($BENCH_MODULE_PYTHON, else the project's .venv). Action plugins that run on the controller (set_fact, debug,
# assert, set_stats, include_tasks, fail) start no module process and so never reach it.
module=pipelined
for arg in "$@"; do
    case "$arg" in
        *AnsiballZ_*.py) module="${arg##*/AnsiballZ_}"; module="${module%.py}" ;;
    esac
done
if [ -n "${BENCH_MODULE_LOG:-}" ]; then
    # one short write with O_APPEND: lines from parallel module processes do not interleave
    printf '%s %s\n' "$$" "$module" >> "$BENCH_MODULE_LOG"
fi
exec "${BENCH_MODULE_PYTHON:-$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/python}" "$@"
