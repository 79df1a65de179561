#!/usr/bin/env bash
# Benchmarks (make bench; not part of make test): per-task cost, HTTP requests and fleet convergence against the local
# emulator, side by side with ansible.builtin.ping, azure.azcollection and the Azure CLI. Writes docs/benchmarks.md and
# docs/benchmarks.png from one run.
#   tests/bench/run.sh            full run (about 35 min on 2 cores with a setup role that converges a fleet in batch, plus the
#                                 first-time venv installs); fleets of 1, 10, 50, 100 and 300 instances
#   tests/bench/run.sh --quick    fewer repetitions, fleet of 10 at most
#   tests/bench/run.sh --fleet-only [--quick] [--fleet-sizes 1,10]   only the setup role and the fleets (for development);
#                                 writes tests/output/bench/fleet-only/, never docs/benchmarks.md
#   tests/bench/run.sh --report-only [--fleet-only]   re-render the page from the last run's results.json
# BENCH_SKIP_SETUP=1 skips creating the side venvs (.venv-bench-*); sections whose venv is missing are reported as not measured.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -x .venv/bin/python ] || { echo "run.sh: .venv is missing (make venv)" >&2; exit 2; }
case " $* " in
    *" --report-only "*) ;;
    *" --fleet-only "*) [ "${BENCH_SKIP_SETUP:-0}" = 1 ] || tests/bench/setup_venvs.sh plot ;;
    *) [ "${BENCH_SKIP_SETUP:-0}" = 1 ] || tests/bench/setup_venvs.sh ;;
esac
exec .venv/bin/python tests/bench/bench.py "$@"
