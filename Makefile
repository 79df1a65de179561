# Developer entry points. The logic lives in scripts/*.sh; docs/testing.md describes the stages.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Subset of test stages, e.g. make test STAGES="sanity units"
STAGES ?=

.PHONY: help venv test sanity units lint changelog build docs-lint importer pytest pytest-emulator pytest-integration pytest-reliability molecule \
	demo emulator emulator-stop bench clean distclean

help:
	@echo "make venv           create/refresh .venv (CPython 3.12, else 3.13/3.14, else 3.11; requirements/dev.txt)"
	@echo "make test           every CI stage (STAGES=\"sanity units\" for a subset)"
	@echo "make sanity|units|lint|changelog|build|docs-lint|importer|pytest|molecule   one stage"
	@echo "make demo           build, install, run playbooks/setup.yml twice against the emulator"
	@echo "make emulator       start the local Azure emulator (state in .emulator/)"
	@echo "make emulator-stop  stop it"
	@echo "make bench          run the benchmarks (tests/bench/run.sh) and write docs/benchmarks.md"
	@echo "make clean          remove build output; make distclean also removes the virtualenvs"

venv:
	@scripts/venv.sh dev

test:
	@scripts/test.sh $(STAGES)

sanity units lint changelog build docs-lint importer pytest pytest-emulator pytest-integration pytest-reliability molecule:
	@scripts/test.sh $@

demo:
	@scripts/demo.sh

emulator: venv
	@scripts/emulator.sh start

emulator-stop:
	@scripts/emulator.sh stop

bench:
	@if [ -f tests/bench/run.sh ]; then bash tests/bench/run.sh; \
	else echo "make bench: tests/bench/run.sh is missing" >&2; exit 1; fi

clean:
	rm -rf .build tests/output .ansible .pytest_cache importer_result.json changelogs/.plugin-cache.yaml
	find . -path ./.venv -prune -o -path './.venv-*' -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv .venv-core219 .venv-importer
