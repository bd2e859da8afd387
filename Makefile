# Two entry points for a fresh machine (see README): `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools that nbgrader runs as commands (alembic) must be found in the environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup system-packages book test notebooks release lock

setup: $(VENV)/.installed system-packages

# Debian packages: bubblewrap sandboxes learner code when grading; PostgreSQL is the
# second gradebook backend the tests run against. Installed when missing, as root.
DEBIAN_PACKAGES := bubblewrap postgresql
system-packages:
	@command -v bwrap >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; } || \
		echo "warning: could not install $(DEBIAN_PACKAGES); grading needs bubblewrap"

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

book: setup
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

notebooks: setup  # re-run every instructor notebook, then release them
	$(BIN)/python -m autograder.execute solutions/*/*.ipynb
	$(BIN)/python -m autograder.release

release: setup
	$(BIN)/python -m autograder.release

lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.txt
