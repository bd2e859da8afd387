# Two entry points for a fresh machine (see README): `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup book test notebooks release lock

setup: $(VENV)/.installed

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
