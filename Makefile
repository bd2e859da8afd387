# Two entry points for a fresh machine (see README): `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools that nbgrader runs as commands (alembic) must be found in the environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup system-packages book test notebooks release lock

setup: $(VENV)/.installed system-packages

# The grader sandboxes learner code with bubblewrap (Debian package); install it as root.
system-packages:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq bubblewrap >/dev/null; } || \
		echo "warning: bubblewrap is missing; install it (apt-get install bubblewrap) to grade"

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
