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

.PHONY: setup system-packages mathjax book instructor linkcheck test test-fast test-routes \
	notebooks release lock publish

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

# The environment is the lock, exactly, installed by uv: from its cache (~/.cache/uv) it
# takes seconds, and it removes whatever the lock does not list. uv itself comes from PyPI
# (pinned) with pip, once per machine, into ~/.cache/dlbook/ (nothing on PATH changes).
# Then the course package, editable. pip stays in the environment (it is in the lock).
# Every module is compiled to bytecode at install: nothing else would do it, since the
# sandbox mounts the environment read-only and these machines set PYTHONDONTWRITEBYTECODE,
# and without it every process compiles what it imports (TensorFlow's import took 17 s
# instead of 6, nbgrader's 3.5 s instead of 1.5).
UV_VERSION := 0.13.9
UV_HOME := $(HOME)/.cache/dlbook/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
		--target $(UV_HOME) uv==$(UV_VERSION)

$(VENV)/.installed: requirements.txt pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
		requirements.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
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

# Everything, as CI runs it: lint, unit tests, notebooks (nbval), the grader on SQLite
# and PostgreSQL, the website in Chromium, and the launch routes (tests/test_launch_routes.py).
# Tests run on every core (pytest-xdist), in the groups tests/conftest.py sets: sandboxed
# grading on one worker at a time, every module and notebook whole, the longest groups
# first (--no-loadscope-reorder keeps conftest's order). The 25 slowest tests are listed
# at the end (where CI's time goes).
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder --durations=25

# The developer loop: in parallel on every core, without the browser, PostgreSQL or the
# launch routes (each of those needs minutes or a service).
test-fast: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder \
		-m "not browser and not routes and not postgres"

# Only the launch routes (Binder, JupyterHub, Colab), each simulated offline.
test-routes: $(VENV)/.installed
	$(BIN)/python -m pytest -m routes tests/test_launch_routes.py

notebooks: setup  # re-run every instructor notebook, then release them
	$(BIN)/python -m autograder.execute solutions/*/*.ipynb
	$(BIN)/python -m autograder.release

release: setup
	$(BIN)/python -m autograder.release

# requirements.in (direct dependencies) -> requirements.txt (everything, with hashes),
# resolved by uv for the platform the course is tested on. Existing pins are kept
# unless requirements.in needs others; `make lock UPGRADE=1` moves everything forward.
lock: | $(UV)
	$(UV) pip compile requirements.in --quiet --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 $(if $(UPGRADE),--upgrade) -o requirements.txt

# The learner website to the gh-pages branch of `origin` (GitHub Pages serves it):
# build it as `make book` does, then commit _build/html there with ghp-import (-n: a
# .nojekyll file, so _static/ is served; -f: replace the branch's previous commit). Never
# the instructor edition. .github/workflows/pages.yml does the same from CI.
publish: book
	$(BIN)/ghp-import -n -p -f -m "Publish the course website" _build/html
