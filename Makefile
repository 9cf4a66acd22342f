# Every target sets up .venv by itself from uv.lock; nothing is installed globally.
PYTHON ?= python3
UV_VERSION ?= 0.13.9
VENV := .venv
BIN := $(VENV)/bin
SYNCED := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv demo test up down backfill bench lint lock clean

venv: $(SYNCED)

$(SYNCED): pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "vpcflow needs Python 3.11+ (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(BIN)/uv sync --frozen --quiet --python $(BIN)/python
	@rm -f $(VENV)/.synced-* && touch $@

demo: venv
	@$(BIN)/python -m vpcflow.devstack.demo

test: venv
	@$(BIN)/pytest tests --durations=15

up: venv
	@$(BIN)/vpcflow stack up

down: venv
	@$(BIN)/vpcflow stack down

backfill: venv
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=2026-11-26T00:00:00Z TO=2026-11-26T06:00:00Z"; exit 2; }
	@$(BIN)/vpcflow backfill --from "$(FROM)" --to "$(TO)" --wait "$(or $(WAIT),0)"

bench: venv
	@$(BIN)/python benchmarks/run.py

lint: venv
	@$(BIN)/ruff check --no-cache .
	@$(BIN)/ruff format --no-cache --check .

lock: venv
	@$(BIN)/uv lock

clean:
	-@test -x $(BIN)/vpcflow && $(BIN)/vpcflow stack down
	rm -rf $(VENV) .localaws
