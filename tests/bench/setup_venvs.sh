#!/usr/bin/env bash
# Create the side venvs the benchmark compares against (idempotent; each one is skipped when its marker exists).
#   .venv-bench-azcoll  ansible (the community package, bundles azure.azcollection) + azure.azcollection's requirements
#   .venv-bench-az      azure-cli
#   .venv-bench-plot    matplotlib (plots only; keeps the dev venv untouched)
#   .venv-bench-size-*  fresh venvs holding only runtime requirements, for the install-size table
# Usage: tests/bench/setup_venvs.sh [azcoll|az|plot|size-ours|size-azcoll ...]   (default: all)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${BENCH_PYTHON:-$(pyenv root 2>/dev/null)/versions/3.12.1/bin/python3.12}"
[ -x "$PY" ] || PY="$(command -v python3)"
ANSIBLE_PKG="${BENCH_ANSIBLE_PKG:-ansible==14.5.0}"
AZURE_CLI_PKG="${BENCH_AZURE_CLI_PKG:-azure-cli==2.91.0}"

mkvenv() {  # mkvenv DIR
    [ -x "$1/bin/python" ] || "$PY" -m venv "$1"
    "$1/bin/python" -m pip install -q --upgrade pip
}

azcoll_req() {  # path of azure.azcollection's requirements file inside a venv that has the ansible package
    local base
    base="$("$1/bin/python" -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')/azure/azcollection"
    for f in requirements.txt requirements-azure.txt; do
        [ -f "$base/$f" ] && { echo "$base/$f"; return; }
    done
    echo "no requirements file under $base" >&2
    return 1
}

do_azcoll() {
    local v="$ROOT/.venv-bench-azcoll"
    [ -f "$v/.bench-ready" ] && return
    mkvenv "$v"
    "$v/bin/pip" install -q "$ANSIBLE_PKG"
    "$v/bin/pip" install -q -r "$(azcoll_req "$v")"
    touch "$v/.bench-ready"
}

do_az() {
    local v="$ROOT/.venv-bench-az"
    [ -f "$v/.bench-ready" ] && return
    mkvenv "$v"
    "$v/bin/pip" install -q "$AZURE_CLI_PKG"
    touch "$v/.bench-ready"
}

do_plot() {
    local v="$ROOT/.venv-bench-plot"
    [ -f "$v/.bench-ready" ] && return
    mkvenv "$v"
    "$v/bin/pip" install -q matplotlib
    touch "$v/.bench-ready"
}

do_size_ours() {
    local v="$ROOT/.venv-bench-size-ours"
    [ -f "$v/.bench-ready" ] && return
    rm -rf "$v"
    "$PY" -m venv "$v"
    "$v/bin/pip" install -q -r "$ROOT/requirements.txt"
    touch "$v/.bench-ready"
}

do_size_azcoll() {
    local v="$ROOT/.venv-bench-size-azcoll"
    [ -f "$v/.bench-ready" ] && return
    [ -f "$ROOT/.venv-bench-azcoll/.bench-ready" ] || do_azcoll
    rm -rf "$v"
    "$PY" -m venv "$v"
    "$v/bin/pip" install -q -r "$(azcoll_req "$ROOT/.venv-bench-azcoll")"
    touch "$v/.bench-ready"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(plot size-ours az azcoll size-azcoll)
for t in "${targets[@]}"; do
    echo "[setup_venvs] $t: start $(date -u +%H:%M:%S)"
    "do_${t//-/_}"
    echo "[setup_venvs] $t: ready $(date -u +%H:%M:%S)"
done
