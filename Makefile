# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PORT ?= 8501

.PHONY: run test warm bench mutate breaks install chromium postgres nginx clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's declared dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.14.1 torchvision==0.29.1 || $(BIN)/pip install --quiet torch torchvision
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL 15 for the database tests (each test run starts its own throwaway server).
postgres:
	@command -v initdb >/dev/null || test -x /usr/lib/postgresql/15/bin/initdb || { \
	  echo "Installing Debian's postgresql for the database tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# Debian's nginx for the replica test (two lab servers behind deploy/nginx.conf, on loopback).
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the replica test..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; }

run: install
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: install chromium postgres nginx
	$(BIN)/python -m pytest -q

# Before a class: pre-train every preset into the model store, the instant grid (each attack at
# several poison rates, BadNets at a few patch sizes and places), each preset's matrix and
# poison-rate sweep, so the demo starts instantly. CHALLENGE=<code> also trains that mystery
# challenge's models (the Classroom page names the code, with PRESET= and SEED= for the class).
PRESET ?= classic-patch
SEED ?= 0
warm: install
	$(BIN)/python -m backdoor.prepare --all $(if $(CHALLENGE),--mystery $(CHALLENGE) --preset $(PRESET) --seed $(SEED))

# Mutation testing of the core modules ([tool.mutmut] in pyproject.toml) with the fast tests, then
# the regression list of named breaks (tests/breaks/). Not part of `make test`; the scores and the
# surviving mutants go into benchmarks/RESULTS.md. mutmut keeps its results in mutants/ and
# re-checks only what changed on the next run.
mutate: install
	$(BIN)/pip install --quiet "mutmut==3.8.1"
	$(BIN)/mutmut run --max-children $$(nproc)
	$(BIN)/python -m benchmarks.mutation
	$(BIN)/python -m benchmarks.breaks

breaks: install
	$(BIN)/python -m benchmarks.breaks

bench: install
	$(BIN)/python -m benchmarks.run --json benchmarks/results.json

clean:
	rm -rf $(VENV) .pytest_cache mutants
