"""Run instructor notebooks top to bottom and store their outputs (for authors).

    python -m autograder.execute solutions/01_neuron/neuron.ipynb [...]

Each notebook runs in its own folder with the course's kernel. The outputs are written
back only if no cell raised and nothing was written to stderr (which would also cost a
learner the points of a test cell), and without per-cell timestamps, so re-running an
unchanged notebook changes nothing in git. Then run `make release`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Cells that raised or wrote to stderr, described for a person."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index} raised {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index} wrote to stderr: {output.text.strip()[:200]}")
    return found


def execute(path: Path, timeout: int = 600) -> list[str]:
    """Execute the notebook at `path` in place; return its problems (empty if none)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            allow_errors=True, record_timing=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    found = problems(notebook)
    if not found:
        nbformat.write(notebook, path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.execute",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        found = execute(path)
        if found:
            status = 1
            print(f"{path}: not saved:\n  " + "\n  ".join(found))
        else:
            print(f"{path}: executed and saved")
    return status


if __name__ == "__main__":
    sys.exit(main())
