# Two entry points: `make serve` (install + run the server) and `make test` (install + run every test).
# Both install into a virtual environment of their own (.venv), with the versions in constraints.txt.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet -c constraints.txt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv install serve test-deps test test-python test-js lint-firefox model coach-model bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24" "setuptools>=68" wheel

venv: $(PY)

install: venv
	$(PIP) .

serve: install
	$(VENV)/bin/attune serve

# Chromium comes from Debian (Playwright drives it; its own browser download is not used).
test-deps: venv
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	$(PIP) ".[test]"
	cd extension && npm ci --no-audit --no-fund --loglevel=error

test-js:
	node --test tests/js/

lint-firefox:
	cd extension && npm run --silent lint:firefox

test-python:
	$(PY) -m pytest

test: test-deps test-js lint-firefox test-python

# Retrain the shipped model (docs/model.md shows how the weights and the gate prior were chosen).
# Public corpora are read from $ATTUNE_DATA, else ../shared/data beside the repository.
# VERSION: the shipped model's name (default today's date; give another when a second model ships the same day).
VERSION ?= $(shell date -u +%Y.%m.%d)
model: install
	$(PY) -m attune.cli train -o model/default --version $(VERSION) --C 4 --real 0.5 --real-balance 1 --gate-bias 0.75 --real-rounds rs \
	  --corpus goemotions7=goemotions7/train.csv:3 \
	  --eval goemotions7_dev=goemotions7/dev.csv --eval goemotions7_test=goemotions7/test.csv

# Retrain the reply coach's learned checks from training_data/drafts (docs/coach.md).
coach-model: install
	$(PY) -m attune.model.coach.train --data training_data/drafts/drafts.jsonl -o model/coach/coach-model.npz
	$(PIP) .
	$(PY) bench/coach_bench.py

# Every benchmark, Attune beside its peers; rewrites docs/benchmarks.md and the README's figures.
# test-deps brings Chromium and Playwright for the extension's timing; torch goes first, alone, so
# that pip takes the CPU wheel that constraints.txt pins (never a CUDA build).
bench: test-deps
	$(PIP) "torch==2.13.0"
	$(PIP) ".[bench]"
	$(PY) bench/run_all.py
