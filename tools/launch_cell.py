"""Put the "where am I running?" cells at the top of every instructor notebook.

    python tools/launch_cell.py            # insert or update them in solutions/*/*.ipynb
    python tools/launch_cell.py --check    # exit 1 if a notebook lacks them or is stale

Then run `python -m autograder.release` (the learner notebooks get the same cells).

A chapter opened from the website's launch buttons runs somewhere that may lack the
course's helpers (`dlbook`) or the learner's earlier chapters. The first two cells of
every notebook handle that: a Markdown cell that says what to do on Colab, and a code
cell that, on Colab, mounts Google Drive and works from the learner's copy of the course
there, and anywhere `dlbook` is not installed (a JupyterHub whose image has only the
course's requirements) uses the course folder that holds the notebook. On a machine set
up with `make setup`, on Binder and when grading, the code cell changes nothing.

The cells are tagged `remove-cell` (the website does not show them) and marked with
`"dlbook": {"launch": true}` in their metadata, so running this again replaces them
instead of adding more. The repository URL and the Colab folder name come from
`_config.yml` (`repository: url:`), the course's only copy of that URL; the packages the
cell installs come from `pyproject.toml`'s dependencies.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARK = "launch"
TAGS = ["remove-cell"]
# Modules that `dlbook` and the notebooks import -> the distribution that provides them,
# except those every hosted Python has (NumPy, Matplotlib) and TensorFlow (with Keras),
# which the cell never installs. Colab has all of these too; a bare Python may not.
# tests/test_packaging.py checks this list against the notebooks' imports.
MODULES = {"scipy": "scipy", "mlxtend": "mlxtend", "nbformat": "nbformat", "tqdm": "tqdm"}
PREINSTALLED = {"numpy", "matplotlib", "tensorflow", "keras"}

MARKDOWN = """\
**Where are you running this notebook?** On your own machine (after `make setup`), on
Binder or on your course's JupyterHub, just run the next cell: it checks that the course's
helpers are there and changes nothing else.

**On Google Colab**, this chapter needs the course's files, and later chapters load your
answers to earlier ones, so keep the whole course in your Google Drive and work there:

1. Run the next cell. It asks to connect your Google Drive and, the first time, copies
   the course into it as `My Drive/{folder}`.
2. Then open this chapter *from that folder* (File → Open notebook → Google Drive →
   `{folder}/chapters/{chapter}/{notebook}`),
   run the next cell again, and do the exercises there: Colab saves your work in your
   Drive, where the next chapters find it.
"""

CODE = '''\
# Where the course's files are. On Colab: your copy in Google Drive (see above).
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

COURSE_URL = "{url}"
DRIVE_COPY = "/content/drive/MyDrive/{folder}"
NEEDS = {packages}

if "google.colab" in sys.modules:
    from google.colab import drive

    drive.mount("/content/drive")
    course = Path(os.environ.get("DLBOOK_COURSE_DIR", DRIVE_COPY))
    if not (course / "dlbook").is_dir():  # the first time: copy the course to your Drive
        subprocess.run(["git", "clone", "--depth", "1", COURSE_URL, str(course)], check=True)
    os.chdir(course / "chapters" / "{chapter}")
if importlib.util.find_spec("dlbook") is None:
    # Not installed here: use the course folder this notebook is in, and install the
    # few packages it needs that this Python lacks.
    sys.path.insert(0, str(Path.cwd().resolve().parents[1]))
    missing = [need for module, need in NEEDS.items() if importlib.util.find_spec(module) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    importlib.invalidate_caches()
import dlbook  # noqa: E402,F401  (an error here: the course's files were not found)
'''


def repository_url(root: Path = ROOT) -> str:
    """The course's repository, from `_config.yml` (its only copy)."""
    return yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"]


def requirements(root: Path = ROOT) -> dict[str, str]:
    """module -> pip requirement, with the bounds that pyproject.toml declares."""
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    by_name = {re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].lower(): spec.split(";")[0].strip()
               for spec in declared}
    return {module: by_name[package] for module, package in MODULES.items()}


def _dict_literal(mapping: dict[str, str]) -> str:
    """A dict literal with one entry per line (notebook cells keep within 100 columns)."""
    entries = "".join(f'\n    "{key}": "{value}",' for key, value in mapping.items())
    return "{" + entries + "\n}"


def launch_cells(chapter: str, notebook: str, root: Path = ROOT) -> list[nbformat.NotebookNode]:
    """The two cells for `chapters/<chapter>/<notebook>`."""
    url = repository_url(root)
    folder = url.rstrip("/").rsplit("/", 1)[-1]
    metadata = {"tags": list(TAGS), "dlbook": {MARK: True}}
    markdown = nbformat.v4.new_markdown_cell(
        MARKDOWN.format(folder=folder, chapter=chapter, notebook=notebook), metadata=metadata)
    code = nbformat.v4.new_code_cell(
        CODE.format(folder=folder, url=url, chapter=chapter,
                    packages=_dict_literal(requirements(root))),
        metadata={**metadata, "tags": list(TAGS)})
    for cell in (markdown, code):
        cell.id = f"dlbook-launch-{cell.cell_type}"
    return [markdown, code]


def _is_launch_cell(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.get("metadata", {}).get("dlbook", {}).get(MARK))


def with_launch_cells(notebook: nbformat.NotebookNode, chapter: str,
                      name: str, root: Path = ROOT) -> nbformat.NotebookNode:
    """The notebook with its launch cells (and only those) first, up to date."""
    rest = [cell for cell in notebook.cells if not _is_launch_cell(cell)]
    notebook.cells = launch_cells(chapter, name, root) + rest
    return notebook


def _comparable(cells: list) -> list:
    return [(cell.cell_type, cell.source, dict(cell.metadata)) for cell in cells]


def update(paths: list[Path], check: bool = False, root: Path = ROOT) -> list[Path]:
    """Insert or refresh the cells; return the notebooks that were (or would be) changed."""
    changed = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        before = _comparable(notebook.cells)
        with_launch_cells(notebook, path.parent.name, path.name, root)
        if _comparable(notebook.cells) != before:
            changed.append(path)
            if not check:
                nbformat.write(notebook, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every solutions/<chapter>/<name>.ipynb")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "solutions").glob("[0-9][0-9]_*/*.ipynb"))
    changed = update(paths, check=args.check)
    for path in changed:
        print(f"{'stale' if args.check else 'updated'}: {path}")
    if not changed:
        print(f"{len(paths)} notebook(s) up to date")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
