"""The course's layout on disk and its nbgrader configuration.

Every grading command goes through `load_config()`, so one file
(`autograder/nbgrader_config.py`) says where solutions, learner notebooks, grading
folders and the gradebook live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

AUTOGRADER_DIR = Path(__file__).resolve().parent
ROOT = AUTOGRADER_DIR.parent
CONFIG_FILE = AUTOGRADER_DIR / "nbgrader_config.py"
SOLUTIONS_DIR = ROOT / "solutions"
CHAPTERS_DIR = ROOT / "chapters"

ASSIGNMENT_ID = re.compile(r"^\d\d_[a-z0-9_]+$")


class CourseConfigError(RuntimeError):
    """The nbgrader configuration could not be loaded."""


@dataclass(frozen=True)
class Notebook:
    """One graded notebook of the course: `solutions/<assignment>/<name>.ipynb`."""

    assignment: str
    name: str

    @property
    def filename(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def source(self) -> Path:
        return SOLUTIONS_DIR / self.assignment / self.filename

    @property
    def release(self) -> Path:
        return CHAPTERS_DIR / self.assignment / self.filename


def course_notebooks() -> list[Notebook]:
    """All graded notebooks, in chapter order, found under `solutions/`."""
    return [
        Notebook(path.parent.name, path.stem)
        for path in sorted(SOLUTIONS_DIR.glob("*/*.ipynb"))
        if ASSIGNMENT_ID.match(path.parent.name)
    ]


def assignments() -> list[str]:
    """The assignment (chapter) ids, e.g. ['01_neuron', ...]."""
    return sorted({notebook.assignment for notebook in course_notebooks()})


def load_config(**overrides: dict) -> Config:
    """Load `nbgrader_config.py`, raising if it fails, then apply overrides.

    Args:
        overrides: section name -> {trait: value}, e.g.
            ``CourseDirectory={"db_url": "sqlite:////tmp/g.db"}``.

    Raises:
        CourseConfigError: the configuration file is missing or raised an error.
    """
    if not CONFIG_FILE.is_file():
        raise CourseConfigError(f"nbgrader configuration not found: {CONFIG_FILE}")
    try:
        config = PyFileConfigLoader(CONFIG_FILE.name, path=str(AUTOGRADER_DIR)).load_config()
    except Exception as error:  # the loader re-raises whatever the file raised
        raise CourseConfigError(f"could not load {CONFIG_FILE}: {error}") from error
    for section, values in overrides.items():
        for trait, value in values.items():
            config[section][trait] = value
    return config
