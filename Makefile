# The two commands of the README are the contract:
#   make report   set up, execute every notebook on the bundled corpus, write figures and HTML
#   make test     set up, run the unit tests and pytest --nbval on every notebook
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Optional: run a configured study, or the bundled one on another corpus (see README)
CONFIG ?=
MANIFEST ?=
OUT ?=
COLUMNS ?=

export PATH := $(abspath $(VENV))/bin:$(PATH)
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH := 1672531200
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

.PHONY: venv
venv: $(STAMP) ## Create the virtual environment from the pinned lock file

.PHONY: report
report: $(STAMP) ## Run every bundled study (or CONFIG=file): figures/, data/processed/, reports/
	$(PY) -m discourse report $(if $(CONFIG),--config "$(CONFIG)") $(if $(MANIFEST),--manifest "$(MANIFEST)") $(if $(OUT),--out "$(OUT)") $(if $(COLUMNS),--columns "$(COLUMNS)")

.PHONY: test
test: $(STAMP) ## Run unit tests and pytest --nbval on every notebook
	bash scripts/ensure_chromium.sh
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: benchmarks
benchmarks: $(STAMP) ## Print throughput and memory figures on the gov-work-reports corpus
	$(PY) benchmarks/bench_cleaning.py
	$(PY) benchmarks/bench_segmentation.py
	$(PY) benchmarks/bench_topics.py
	$(PY) benchmarks/bench_end_to_end.py --model minibatch
	$(PY) benchmarks/bench_end_to_end.py --stream
	$(PY) benchmarks/bench_dask.py
	$(PY) benchmarks/bench_keyness.py
	$(PY) benchmarks/bench_models.py
	$(PY) benchmarks/bench_scaling.py
	$(PY) benchmarks/bench_report.py --config panel.toml
	$(PY) benchmarks/bench_full_report.py

.PHONY: evaluate
evaluate: $(STAMP) ## Print segmentation precision/recall/F1 on the gold standard
	$(PY) scripts/evaluate_segmentation.py

.PHONY: lock
lock: ## Re-resolve dependencies from pyproject.toml into requirements.lock
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/pip freeze --exclude discourse --disable-pip-version-check | LC_ALL=C sort -f > requirements.lock
	rm -rf .lock-venv

.PHONY: clean
clean: ## Remove caches (keeps the venv, figures and reports)
	rm -rf data/interim .pytest_cache .hypothesis
