# Two entry points for a fresh machine (see README): `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools that nbgrader runs as commands (alembic) must be found in the environment.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# TensorFlow (chapter 8): no C++ start-up messages in notebook outputs or test logs, and
# no oneDNN rounding differences between machines.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0

.PHONY: setup system-packages mathjax book instructor linkcheck test notebooks release lock

setup: $(VENV)/.installed system-packages mathjax

# Debian packages: bubblewrap sandboxes learner code when grading; PostgreSQL is the
# second gradebook backend the tests run against; chromium runs the website's browser
# tests; npm fetches MathJax for the website. Each is installed when missing, as root.
system-packages:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "warning: missing Debian packages:$$missing (install them as root)"; exit 0; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

# The website loads nothing from outside itself: MathJax (pinned, checksum verified) is
# fetched from the npm registry into _vendor/mathjax/ (git-ignored), which the book copies
# into its _static/. Only what tex-mml-chtml.js loads (fonts, extensions, menu, a11y).
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX := _vendor/mathjax
mathjax: $(MATHJAX)/.version-$(MATHJAX_VERSION)
$(MATHJAX)/.version-$(MATHJAX_VERSION): | system-packages
	rm -rf .mathjax $(MATHJAX) && mkdir -p .mathjax $(MATHJAX)
	cd .mathjax && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && \
		echo "$(MATHJAX_SHA256)  mathjax-$(MATHJAX_VERSION).tgz" | sha256sum --check --quiet && \
		tar xzf mathjax-$(MATHJAX_VERSION).tgz
	cd .mathjax/package/es5 && cp -r --parents tex-mml-chtml.js output/chtml/fonts \
		input/tex/extensions ui a11y sre $(CURDIR)/$(MATHJAX)/
	cp .mathjax/package/LICENSE $(MATHJAX)/
	rm -rf .mathjax
	touch $@

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

book: setup
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

# The instructor edition (solutions included) goes to its own folder, never _build/html.
instructor: setup
	$(BIN)/python -m autograder.instructor_site
	$(BIN)/jupyter-book build . --toc _toc_instructor.yml --config _config_instructor.yml \
		--path-output _build/instructor --warningiserror --keep-going
	@echo "Open _build/instructor/_build/html/index.html"

# External links need the internet, so they are checked only when asked; internal links
# are checked on every `make test` (tests/test_browser.py).
linkcheck: setup
	$(BIN)/jupyter-book build . --builder linkcheck

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
