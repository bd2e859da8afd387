"""Find and check submitted notebooks before anything is graded.

A submission folder (or a zip of one) holds one folder per learner, named after the
learner, with that learner's notebooks anywhere inside it::

    submissions/
        alice/neuron.ipynb
        bob/01_neuron/neuron.ipynb

Each notebook is matched to a chapter by its file name. Everything that cannot be
graded (a missing path, an empty folder, a file that is not a notebook, invalid JSON,
an unknown notebook name, a symbolic link, ...) becomes a `Problem` with a reason a
person can act on; the rest are `Submission`s. Symbolic links (to files or folders, on
disk or in a zip) are never followed: a link named like a chapter's notebook could
point at the instructor's copy. Nothing whose real path leaves the submission's root is
read, and an unexpected error while reading one file costs that file only.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Notebook, course_notebooks
from dlbook.notebook_format import parse_json

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_ZIP_BYTES = 500 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
JUNK = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db"}
SYMLINK = ("is a symbolic link; links are never followed (one could point at another "
           "learner's work or the instructor's solutions): submit the file itself")


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


def read_submitted(path: Path) -> bytes:
    """The bytes of a submitted file, refusing a symbolic link even if it appeared
    after the folder was scanned.

    Raises:
        OSError: the file cannot be read, or is a link (ELOOP).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise OSError(f"{path} is over {MAX_NOTEBOOK_BYTES // 2**20} MiB")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)


def content_problem(data: bytes) -> str | None:
    """Why `data` is not a gradable nbformat-4 notebook, or None if it is."""
    if len(data) == 0:
        return "the file is empty"
    if len(data) > MAX_NOTEBOOK_BYTES:
        return f"the file is {len(data) / 2**20:.0f} MiB; notebooks over 20 MiB are not graded"
    try:
        data = parse_json(data)
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
    cells = data["cells"]
    if not isinstance(cells, list):
        return (f"not a valid Jupyter notebook: 'cells' must be a list of cells, not a JSON "
                f"{_json_kind(cells)}; was the file edited by hand? Open the last version "
                "that JupyterLab saved")
    if not all(isinstance(cell, dict) for cell in cells):
        return "not a valid Jupyter notebook: every cell must be a JSON object"
    if not isinstance(data.get("metadata", {}), dict):
        return "not a valid Jupyter notebook: 'metadata' must be a JSON object"
    try:
        nbformat.validate(nbformat.from_dict(data))
        nbformat.reads(json.dumps(data), as_version=4)  # what the grader will do with it
    except nbformat.ValidationError as error:
        return f"not a valid Jupyter notebook: {error.message}"
    except RecursionError:
        return "not a usable notebook (nested too deeply)"
    except Exception as error:  # nbformat's own crash on a malformed file
        return f"not a valid Jupyter notebook ({type(error).__name__}: {str(error)[:200]})"
    return None


def _json_kind(value: object) -> str:
    return {dict: "object", str: "string", int: "number", float: "number",
            bool: "boolean", type(None): "null"}.get(type(value), type(value).__name__)


def notebook_problem(path: Path) -> str | None:
    """Why the file at `path` is not a gradable nbformat-4 notebook, or None if it is."""
    path = Path(path)
    if path.is_symlink():
        return f"the file {SYMLINK}"
    try:
        data = read_submitted(path)
    except OSError as error:
        return f"the file could not be read ({error.strerror or error})"
    return content_problem(data)


def _zip_link(member: zipfile.ZipInfo) -> bool:
    """A zip entry that stores a symbolic link (Unix mode in its external attributes)."""
    return stat.S_ISLNK(member.external_attr >> 16)


def _extract_zip(archive: Path, into: Path) -> tuple[str | None, dict[str, str]]:
    """Safely extract `archive` into `into`.

    Returns why the whole archive was refused (or None), and the entries left out, each
    with its reason (symbolic links: Python's zipfile would write them as files that hold
    the link's target, but they are refused outright, as on disk).
    """
    skipped: dict[str, str] = {}
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return f"the archive has {len(members)} entries (limit {MAX_ZIP_MEMBERS})", {}
            total = sum(member.file_size for member in members)
            if total > MAX_ZIP_BYTES:
                return (
                    f"the archive would extract to {total / 2**20:.0f} MiB "
                    f"(limit {MAX_ZIP_BYTES // 2**20} MiB); not extracted"
                ), {}
            for member in members:
                target = (into / member.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    return (f"the archive entry {member.filename!r} points outside the "
                            "archive"), {}
            written = 0
            for member in members:
                if _zip_link(member):
                    skipped[member.filename.rstrip("/")] = f"the archive entry {SYMLINK}"
                    continue
                if member.is_dir():
                    continue
                target = into / member.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, open(target, "wb") as sink:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:
                            return ("the archive extracts to more than it declares; "
                                    "not extracted"), {}
                        sink.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
        return f"the archive could not be read: {error}", {}
    return None, skipped


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
        try:
            self._add(path)
        except Exception as error:  # a grader bug while reading one path costs that path
            self.problems.append(Problem(str(path), f"could not be read ({type(error).__name__}: "
                                         f"{error}); tell the course staff"))

    def _add(self, path: Path) -> None:
        if path.is_symlink() and path.suffix == ".ipynb":
            self.problems.append(Problem(str(path), f"the file {SYMLINK}",
                                         path.absolute().parent.name,
                                         self.by_filename.get(path.name)))
        elif not path.exists():
            self.problems.append(Problem(str(path), "no such file or folder"))
        elif path.is_dir():
            self._scan_folder(path, label=str(path))
        elif zipfile.is_zipfile(path):
            folder = Path(self._cleanup.enter_context(tempfile.TemporaryDirectory()))
            refused, skipped = _extract_zip(path, folder)
            if refused:
                self.problems.append(Problem(str(path), refused))
                return
            # A zip of one top folder (the class folder) is read from inside that folder.
            tops = {Path(name).parts[0]: len(Path(name).parts) > 1 for name in skipped}
            tops.update({entry.name: entry.is_dir() for entry in folder.iterdir()})
            tops = {name: is_dir for name, is_dir in tops.items() if name not in JUNK}
            top = next(iter(tops)) if len(tops) == 1 and all(tops.values()) else None
            for name, reason in sorted(skipped.items()):
                relative = Path(name)
                if top is not None:
                    relative = relative.relative_to(top)
                self.problems.append(self._attributed(f"{path}:{name}", relative, reason))
            if top is not None:
                folder = folder / top
                folder.mkdir(exist_ok=True)
            self._scan_folder(folder, label=f"{path}:", refused_before=bool(skipped))
        elif path.suffix == ".ipynb":
            self._take(path, student=path.resolve().parent.name, label=str(path))
        else:
            self.problems.append(Problem(str(path), "not a folder, a zip file or a notebook"))

    def _attributed(self, label: str, relative: Path, reason: str) -> Problem:
        """A problem with a file at `relative` in a class folder, given to its learner and
        notebook when its place says whose it is (so it gets a row in the CSV)."""
        notebook = self.by_filename.get(relative.name)
        student = relative.parts[0] if len(relative.parts) >= 2 else None
        if student is not None and not STUDENT_ID.match(student):
            student = None
        return Problem(label, reason, student, notebook if student else None)

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

    def _scan_folder(self, folder: Path, label: str, refused_before: bool = False) -> None:
        """Every notebook under `folder`; symbolic links (to files or folders) and special
        files are refused, never followed. `refused_before`: entries of this folder were
        already refused (zip entries that are links), so it is not reported as empty."""
        root = folder.resolve()
        files: list[Path] = []
        refused: list[tuple[Path, str]] = []
        for current, folders, names in os.walk(folder, followlinks=False):
            here = Path(current)
            for name in sorted(folders):
                if (here / name).is_symlink():
                    folders.remove(name)  # os.walk would not enter it; say why it was skipped
                    if not _hidden((here / name).relative_to(folder)):
                        refused.append((here / name, f"the folder {SYMLINK}"))
                elif _hidden((here / name).relative_to(folder)):
                    folders.remove(name)
            for name in names:
                path = here / name
                relative = path.relative_to(folder)
                if _hidden(relative):
                    continue
                if path.is_symlink():
                    refused.append((path, f"the file {SYMLINK}"))
                elif not path.is_file():
                    refused.append((path, "not a regular file (a device, pipe or socket)"))
                elif not path.resolve().is_relative_to(root):
                    refused.append((path, "its real path is outside the submission folder"))
                else:
                    files.append(path)
        files.sort()
        if not (refused or refused_before or any(path.suffix == ".ipynb" for path in files)):
            self.problems.append(Problem(label, "contains no notebooks (.ipynb)"))
        for path, reason in sorted(refused):
            relative = path.relative_to(folder)
            self.problems.append(self._attributed(_shown(label, relative), relative, reason))
        for path in files:
            relative = path.relative_to(folder)
            shown = _shown(label, relative)
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
        else:
            try:
                reason = notebook_problem(path)
            except Exception as error:  # a grader bug while reading one file costs that file
                reason = (f"the grader could not read this file ({type(error).__name__}: "
                          f"{error}); tell the course staff")
            if reason:
                self.problems.append(Problem(label, reason, student, notebook))
            else:
                self.submissions.append(Submission(student, notebook, path, label))


def _hidden(relative: Path) -> bool:
    """Junk and hidden files that are skipped silently (checkpoints, macOS metadata)."""
    return any(part in JUNK or part.startswith(".") for part in relative.parts)


def _shown(label: str, relative: Path) -> str:
    return f"{label}{relative}" if label.endswith(":") else f"{label.rstrip('/')}/{relative}"
