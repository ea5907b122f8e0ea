# SeatGuard: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test test-slow lint typecheck clean bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps  ## install and serve the demo on http://127.0.0.1:4000
	$(BIN)/seatguard serve

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy

test: lint typecheck  ## install and run lint, types and the test suite (slow scenarios excluded)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(VENV)/.dev-deps  ## the slow scenarios alone
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

bench: $(VENV)/.dev-deps  ## measure every scenario on loopback; rewrites docs/benchmarks.md
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@command -v wrk >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
	$(BIN)/seatguard bench all --report docs/benchmarks.md $(BENCH_ARGS)

# Error classes are keywords too: their first argument is the message the API translates.
MSG_KEYWORDS := -k _ -k gettext -k ngettext:1,2 -k N_ -k Invalid -k Conflict -k NotFound \
	-k Unauthorized -k Forbidden -k Unavailable -k AppError -k UnsupportedImage
LOCALE_DIR := src/seatguard/locale

messages: $(VENV)/.dev-deps  ## extract the texts, update the catalogues, compile them (.mo)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
		$(MSG_KEYWORDS) -o $(LOCALE_DIR)/messages.pot src/seatguard
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) --no-fuzzy-matching
	$(BIN)/pybabel compile -d $(LOCALE_DIR) --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache seatguard.db*
