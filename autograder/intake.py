"""Find and check submitted notebooks before anything is graded.

A submission folder (or a zip of one) holds one folder per learner, named after the
learner, with that learner's notebooks anywhere inside it::

    submissions/
        alice/neuron.ipynb
        bob/01_neuron/neuron.ipynb

Each notebook is matched to a chapter by its file name. Everything that cannot be
graded (a missing path, an empty folder, a file that is not a notebook, invalid JSON,
an unknown notebook name, ...) becomes a `Problem` with a reason a person can act on;
the rest are `Submission`s.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Notebook, course_notebooks

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_ZIP_BYTES = 500 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
JUNK = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class Submission:
    """A notebook that can be graded."""

    student: str
    notebook: Notebook
    path: Path
    label: str


@dataclass(frozen=True)
class Problem:
    """Something that cannot be graded, and why."""

    label: str
    reason: str
    student: str | None = None
    notebook: Notebook | None = None


def notebook_problem(path: Path) -> str | None:
    """Why the file at `path` is not a gradable nbformat-4 notebook, or None if it is."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    if size > MAX_NOTEBOOK_BYTES:
        return f"the file is {size / 2**20:.0f} MiB; notebooks over 20 MiB are not graded"
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        return "the file is not text (not a Jupyter notebook)"
    except json.JSONDecodeError as error:
        return f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except RecursionError:
        return "not a usable notebook (its JSON is nested too deeply)"
    if not isinstance(data, dict):
        return "valid JSON but not a Jupyter notebook"
    major = data.get("nbformat")
    if major is not None and major != 4:
        return (
            f"notebook format {major!r} is not supported; open and save it in "
            "JupyterLab to convert it to format 4"
        )
    if "cells" not in data:
        return "valid JSON but not a Jupyter notebook (no 'cells')"
    try:
        nbformat.validate(nbformat.from_dict(data))
    except nbformat.ValidationError as error:
        return f"not a valid Jupyter notebook: {error.message}"
    except RecursionError:
        return "not a usable notebook (nested too deeply)"
    return None


def _extract_zip(archive: Path, into: Path) -> str | None:
    """Safely extract `archive` into `into`; return why it was refused, or None."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return f"the archive has {len(members)} entries (limit {MAX_ZIP_MEMBERS})"
            total = sum(member.file_size for member in members)
            if total > MAX_ZIP_BYTES:
                return (
                    f"the archive would extract to {total / 2**20:.0f} MiB "
                    f"(limit {MAX_ZIP_BYTES // 2**20} MiB); not extracted"
                )
            for member in members:
                target = (into / member.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    return f"the archive entry {member.filename!r} points outside the archive"
            written = 0
            for member in members:
                if member.is_dir():
                    continue
                target = into / member.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, open(target, "wb") as sink:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:
                            return "the archive extracts to more than it declares; not extracted"
                        sink.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError) as error:
        return f"the archive could not be read: {error}"
    return None


class Intake:
    """Collects submissions and problems from the paths an instructor gives."""

    def __init__(self) -> None:
        self.by_filename = {notebook.filename: notebook for notebook in course_notebooks()}
        self.submissions: list[Submission] = []
        self.problems: list[Problem] = []
        self._cleanup = ExitStack()

    def __enter__(self) -> Intake:
        return self

    def __exit__(self, *exc_info) -> None:
        self._cleanup.close()

    def add(self, path: Path) -> None:
        """Take in a folder, a zip of a folder, or one learner's notebook."""
        path = Path(path)
        if not path.exists():
            self.problems.append(Problem(str(path), "no such file or folder"))
        elif path.is_dir():
            self._scan_folder(path, label=str(path))
        elif zipfile.is_zipfile(path):
            folder = Path(self._cleanup.enter_context(tempfile.TemporaryDirectory()))
            refused = _extract_zip(path, folder)
            if refused:
                self.problems.append(Problem(str(path), refused))
            else:
                entries = [entry for entry in folder.iterdir() if entry.name not in JUNK]
                if len(entries) == 1 and entries[0].is_dir():  # a zip of one top folder
                    folder = entries[0]
                self._scan_folder(folder, label=f"{path}:")
        elif path.suffix == ".ipynb":
            self._take(path, student=path.resolve().parent.name, label=str(path))
        else:
            self.problems.append(Problem(str(path), "not a folder, a zip file or a notebook"))

    def finish(self) -> None:
        """Turn notebooks submitted twice by the same learner into problems."""
        seen: dict[tuple[str, Notebook], list[Submission]] = {}
        for submission in self.submissions:
            seen.setdefault((submission.student, submission.notebook), []).append(submission)
        self.submissions = []
        for (student, notebook), copies in seen.items():
            if len(copies) == 1:
                self.submissions.append(copies[0])
                continue
            where = ", ".join(copy.label for copy in copies)
            for copy in copies:
                self.problems.append(
                    Problem(copy.label, f"{student} submitted {notebook.filename} "
                            f"more than once ({where}); keep one", student, notebook)
                )

    def _scan_folder(self, folder: Path, label: str) -> None:
        files = sorted(
            path for path in folder.rglob("*")
            if path.is_file() and not any(part in JUNK or part.startswith(".")
                                          for part in path.relative_to(folder).parts)
        )
        if not any(path.suffix == ".ipynb" for path in files):
            self.problems.append(Problem(label, "contains no notebooks (.ipynb)"))
        for path in files:
            relative = path.relative_to(folder)
            shown = f"{label.rstrip('/')}/{relative}" if not label.endswith(":") else (
                f"{label}{relative}")
            if path.suffix != ".ipynb":
                self.problems.append(Problem(shown, "not a notebook (.ipynb); not graded"))
            elif len(relative.parts) == 1:
                self.problems.append(Problem(
                    shown, "notebooks must be inside a folder named after the learner, "
                    f"e.g. alice/{relative}"))
            else:
                self._take(path, student=relative.parts[0], label=shown)

    def _take(self, path: Path, student: str, label: str) -> None:
        notebook = self.by_filename.get(path.name)
        if not STUDENT_ID.match(student):
            self.problems.append(Problem(
                label, f"the learner folder name {student!r} is not a valid id "
                "(letters, digits, '_', '.', '@', '-'; at most 64)"))
        elif notebook is None:
            known = ", ".join(sorted(self.by_filename))
            self.problems.append(Problem(
                label, f"no chapter has a notebook called {path.name!r} (expected one of: "
                f"{known})", student))
        elif reason := notebook_problem(path):
            self.problems.append(Problem(label, reason, student, notebook))
        else:
            self.submissions.append(Submission(student, notebook, path, label))
