"""Score one submitted notebook without trusting anything it contains.

The learner's notebook runs in the sandbox (`autograder.sandbox`). The test cells
that decide the score are never taken from the submission: they come from the
instructor's notebook in `solutions/` and run here, in the trusted process, with each
learner function replaced by a proxy that calls the real one in the sandbox and gets
back plain values. So editing, deleting, reordering or re-typing test cells changes
nothing, and neither does monkeypatching NumPy, `builtins` or `assert` helpers, or
returning objects with forged comparison methods: only the values count.

A test cell passes when it raises nothing and writes nothing to stderr (as in
nbgrader). Messages of failed visible tests are shown in full; a failed hidden test
shows only its description, never its code or reference values. Several judges may run
at once in one process (a Dask worker with several threads): what a test writes or warns
is charged to that test's thread only (`test_output`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import re
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.utils import compute_checksum

from autograder import demonstrations, diagnosis
from autograder.results import Outcome, Verdict
from autograder.sandbox import (
    LearnerCrash,
    LearnerProcess,
    SandboxSpec,
    preload_modules,
    warm_up,
)
from dlbook import notebook_format as fmt
from dlbook.notebook_format import EXERCISE

DIAGNOSIS_S = 10.0  # at most this long (and the call limit) on one exercise's probes
REDACT_AT = re.compile(r"(,?\s*(expected|got|but got|should be|instead of)\b|\n)", re.IGNORECASE)


@dataclass
class TestCell:
    """A graded test cell of the instructor's notebook, split into its parts."""

    grade_id: str
    points: float
    label: str
    visible: str
    hidden: str
    tail: str


@dataclass
class Assignment:
    """What the judge needs from one instructor notebook."""

    name: str
    tests: list[TestCell]
    functions: list[str]
    setup: str
    chapters: list[str]
    released: dict[str, str]  # grade_id -> checksum of the released test cell
    grading: dict = field(default_factory=dict)  # the notebook's metadata.dlbook.grading
    # Checksums of the released demonstration cells (autograder.demonstrations), and
    # whether a learner's unchanged copies of them are left out when the notebook runs.
    demonstrations: frozenset[str] = frozenset()
    skip_demonstrations: bool = True

    @property
    def max_score(self) -> float:
        return sum(test.points for test in self.tests)


def chapters_used(source: Path) -> set[str]:
    """Earlier chapters a notebook loads with `load_chapter`, and those they load, etc."""
    found: set[str] = set()
    pending = [source]
    while pending:
        notebook = fmt.read_notebook(pending.pop())
        for chapter in fmt.chapters_loaded("\n".join(cell.source for cell in notebook.cells)):
            if chapter not in found:
                found.add(chapter)
                pending += sorted((source.parent.parent / chapter).glob("*.ipynb"))
    return found


def load_assignment(source: Path, release: Path) -> Assignment:
    """Read an instructor notebook and its released (learner) version.

    Given the released notebook as `source` too, the assignment has the visible tests
    only (what `autograder.check` runs).
    """
    notebook = fmt.read_notebook(source)
    tests, functions, setup = [], [], []
    for cell in notebook.cells:
        if fmt.is_test_cell(cell):
            visible, hidden, tail = fmt.split_test(cell.source)
            tests.append(TestCell(cell.metadata.nbgrader["grade_id"],
                                  float(cell.metadata.nbgrader["points"]),
                                  fmt.exercise_label(cell), visible, hidden, tail))
        elif fmt.is_solution_cell(cell):
            functions += fmt.defined_names(cell.source)
        elif cell.cell_type == "code":
            setup += [line for line in cell.source.splitlines() if fmt.IMPORT_LINE.match(line)]
    chapters = sorted(chapters_used(source))
    released_notebook = fmt.read_notebook(release)
    released = {cell.metadata.nbgrader["grade_id"]: compute_checksum(cell)
                for cell in released_notebook.cells if fmt.is_test_cell(cell)}
    grading = notebook.metadata.get("dlbook", {}).get("grading", {})
    return Assignment(source.parent.name, tests, functions, "\n".join(setup), chapters,
                      released, dict(grading),
                      demonstrations.released_checksums(released_notebook))


def _checksum(cell: nbformat.NotebookNode) -> str | None:
    try:
        return compute_checksum(cell)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None  # metadata too damaged to checksum


def tampering(assignment: Assignment, submitted: nbformat.NotebookNode) -> list[str]:
    """Plain-words notes on test cells that were deleted, edited, duplicated or re-typed."""
    notes, seen = [], {}
    for cell in submitted.cells:
        info = fmt.nbgrader_info(cell)
        grade_id = info.get("grade_id")
        if isinstance(grade_id, str) and grade_id in assignment.released:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            if cell.get("cell_type") != "code" or not info.get("grade"):
                notes.append(f"test cell {grade_id} was changed into another kind of cell")
            elif _checksum(cell) != assignment.released[grade_id]:
                notes.append(f"test cell {grade_id} was edited")
    for grade_id in assignment.released:
        if grade_id not in seen:
            notes.append(f"test cell {grade_id} was deleted or its metadata removed")
        elif seen[grade_id] > 1:
            notes.append(f"test cell {grade_id} appears {seen[grade_id]} times")
    if notes:
        notes.append("the original tests were used for grading")
    return notes


def _describe(error: BaseException, hidden: bool, label: str) -> str:
    """What a learner is told about a failed test: for a hidden test, no code or values."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = next((line for line in lines if EXERCISE.search(line)), None)
    kind = type(error).__name__
    if not hidden:
        if named:
            return named[EXERCISE.search(named).start():][:600]
        return f"{label}: {kind}: {lines[0][:300]}" if lines else f"{label}: {kind}"
    if named:
        text = named[EXERCISE.search(named).start():]
        return f"{REDACT_AT.split(text, maxsplit=1)[0].rstrip(' .,:;')} (a hidden test failed)."
    if isinstance(error, AssertionError):
        return f"{label}: a hidden test failed."
    return f"{label}: a hidden test failed: your code raised {kind}."


class _ThreadStream:
    """`sys.stdout` or `sys.stderr` while tests run: a thread inside `test_output` writes
    to its own buffer, every other thread to the stream this one replaced."""

    def __init__(self, name: str, fallback) -> None:
        self._name, self._fallback = name, fallback

    def _target(self):
        target = getattr(_test_output, self._name, None)
        return self._fallback if target is None else target

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str):
        return getattr(self._target(), name)


class _ThreadRedirect(contextlib.AbstractContextManager):
    """`contextlib.redirect_stdout` and `redirect_stderr` while tests run (a test may
    capture what a call prints): for the calling thread only, where `sys.stdout` or
    `sys.stderr` is a `_ThreadStream`; as the original elsewhere."""

    _stream = ""

    def __init__(self, new_target) -> None:
        self._new_target = new_target
        self._old: list[tuple[bool, object]] = []

    def __enter__(self):
        if isinstance(getattr(sys, self._stream), _ThreadStream):
            self._old.append((True, getattr(_test_output, self._stream, None)))
            setattr(_test_output, self._stream, self._new_target)
        else:
            self._old.append((False, getattr(sys, self._stream)))
            setattr(sys, self._stream, self._new_target)
        return self._new_target

    def __exit__(self, *exc) -> None:
        per_thread, old = self._old.pop()
        setattr(_test_output if per_thread else sys, self._stream, old)


class _ThreadRedirectStdout(_ThreadRedirect):
    _stream = "stdout"


class _ThreadRedirectStderr(_ThreadRedirect):
    _stream = "stderr"


_test_output = threading.local()  # .stdout, .stderr: the buffers of this thread's test
_output_lock = threading.Lock()
_output_users = 0
_output_saved: tuple | None = None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings raised while tests run go to the stderr of the thread that raised them
    (whatever the host process did with `warnings`: pytest records them, for one)."""
    (file or sys.stderr).write(warnings.formatwarning(message, category, filename, lineno,
                                                      line))


@contextlib.contextmanager
def test_output(out: io.StringIO, err: io.StringIO) -> Iterator[None]:
    """Send this thread's stdout, stderr and warnings to `out` and `err`, and no other
    thread's: the process-wide parts (`sys.stdout`, `sys.stderr`, the warning filters,
    `contextlib.redirect_stdout` and `redirect_stderr`, which a test may use to capture
    output, made per thread) are set while any thread is inside and put back when the
    last one leaves. Every
    warning is shown (except ResourceWarning: the grader's own unclosed files, found by
    the garbage collector in whatever thread it runs), and so are errors in `__del__`
    methods, on the real stderr."""
    global _output_users, _output_saved
    with _output_lock:
        if _output_users == 0:
            caught = warnings.catch_warnings()
            caught.__enter__()
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", ResourceWarning)
            warnings.showwarning = _show_warning
            _output_saved = (sys.stdout, sys.stderr, sys.unraisablehook, caught,
                             contextlib.redirect_stdout, contextlib.redirect_stderr)
            sys.unraisablehook = functools.partial(_report_unraisable, sys.stderr)
            contextlib.redirect_stdout = _ThreadRedirectStdout
            contextlib.redirect_stderr = _ThreadRedirectStderr
            sys.stdout = _ThreadStream("stdout", sys.stdout)
            sys.stderr = _ThreadStream("stderr", sys.stderr)
        _output_users += 1
    _test_output.stdout, _test_output.stderr = out, err
    try:
        yield
    finally:
        _test_output.stdout = _test_output.stderr = None
        with _output_lock:
            _output_users -= 1
            if _output_users == 0:
                stdout, stderr, hook, caught, redirect_out, redirect_err = _output_saved
                sys.stdout, sys.stderr, sys.unraisablehook = stdout, stderr, hook
                contextlib.redirect_stdout = redirect_out
                contextlib.redirect_stderr = redirect_err
                caught.__exit__(None, None, None)
                _output_saved = None


def _report_unraisable(stream, unraisable) -> None:
    """`sys.unraisablehook` while tests run: to the real stderr, not a test's."""
    stream.write(f"{unraisable.err_msg or 'Exception ignored in'}: {unraisable.object!r}: "
                 f"{type(unraisable.exc_value).__name__}: {unraisable.exc_value}\n")


class Proxy:
    """Stands in for a learner function in the trusted test code."""

    def __init__(self, judge: Judge, name: str) -> None:
        self.judge, self.__name__ = judge, name

    def __call__(self, *args, **kwargs):
        return self.judge.call(self.__name__, args, kwargs)

    def run_beside(self, helper: str, args: tuple, kwargs: dict):
        """Run the course function `helper` next to the learner's code (in the sandbox),
        with the learner's object as its first argument; see `dlbook.tf_checks`."""
        return self.judge.call(self.__name__, args, kwargs, helper=helper)


class Judge:
    """Runs one submission's notebook in a sandbox and the trusted tests against it."""

    def __init__(self, assignment: Assignment, spec: SandboxSpec) -> None:
        if not spec.preload:  # what the chapter imports, loaded once per zygote
            spec = dataclasses.replace(spec, preload=preload_modules(assignment.setup))
        self.assignment, self.spec = assignment, spec
        self.process: LearnerProcess | None = None
        self.crash: str | None = None
        self.started = False  # the notebook ran to the end at least once
        self.cells: list[str] = []
        self.deadline = 0.0

    def _start(self) -> None:
        try:
            self.process = LearnerProcess(self.spec, self.cells, self.deadline)
            self.started = True
        except LearnerCrash as crash:
            self.process, self.crash = None, str(crash)
            raise

    def call(self, name: str, args: tuple, kwargs: dict, helper: str | None = None):
        if self.process is None or not self.process.alive():
            # A notebook that ran to the end once is run again after a crash in one of
            # its functions, for the tests that remain, as long as time is left.
            if not self.started or time.monotonic() >= self.deadline:
                raise LearnerCrash(self.crash or "the notebook's process is not running")
            self._start()
        try:
            return self.process.call(name, args, kwargs, helper)
        except LearnerCrash as crash:
            self.crash = f"while calling {name}: {crash}"
            raise LearnerCrash(self.crash) from None

    def _run(self, code: str, namespace: dict) -> BaseException | str | None:
        """Run trusted test code; return its error, 'stderr: ...' text, or None."""
        err = io.StringIO()
        try:
            with test_output(io.StringIO(), err):
                exec(compile(code, f"<{self.assignment.name} tests>", "exec"), namespace)
        except Exception as error:  # the learner's failure, as seen by the tests
            return error
        if err.getvalue().strip():
            return err.getvalue().strip().splitlines()[-1][:300]
        return None

    def judge(self, submitted: nbformat.NotebookNode) -> Verdict:
        verdict = Verdict(notes=tampering(self.assignment, submitted))
        warm_up(self.spec)  # the grader's start-up, not the learner's time
        start = time.monotonic()
        self.cells, verdict.skipped = demonstrations.runnable_cells(
            submitted, self.assignment.demonstrations, self.assignment.skip_demonstrations)
        self.deadline = start + self.spec.limits.budget_s
        try:
            self._start()
            failed_cells = [i for i, status in enumerate(self.process.cell_statuses)
                            if status != "ok"]
            if failed_cells:
                verdict.notes.append(f"{len(failed_cells)} of your code cells raised an error "
                                     "when your notebook was run")
        except LearnerCrash as crash:
            verdict.notes.append(f"your notebook could not be run to the end: {crash}")
        namespace: dict = {}
        self._run(self.assignment.setup, namespace)
        namespace.update({name: Proxy(self, name) for name in self.assignment.functions})
        try:
            for test in self.assignment.tests:
                verdict.outcomes.append(self._judge_test(test, namespace))
            self._diagnose(verdict)
        finally:
            if self.process is not None:
                self.process.stop()
        if self.crash and not any("could not be run" in note for note in verdict.notes):
            verdict.notes.append(f"your notebook's process stopped {self.crash}")
        verdict.seconds = time.monotonic() - start
        return verdict

    def _diagnose(self, verdict: Verdict) -> None:
        """Name the likely mistake of each failed exercise (autograder.diagnosis), after
        every test has run, so a hostile function costs its diagnosis and nothing else:
        the probes run within DIAGNOSIS_S (and the notebook's deadline), and a crash or
        time-out leaves this and the later exercises undiagnosed."""
        for test, outcome in zip(self.assignment.tests, verdict.outcomes, strict=True):
            if outcome.points >= outcome.max_points:
                continue
            exercise = outcome.grade_id.removeprefix("test_")
            # Visible tests only (the learner's check): name only mistakes they catch.
            ran = test.visible if not (test.hidden + test.tail).strip() else None
            try:
                if diagnosis.expectations(self.assignment.name, exercise) is None:
                    continue  # computed once per process, before the learner's clock starts
            except Exception as error:  # noqa: BLE001 - a fault of ours costs the diagnosis only
                print(f"diagnosis of {exercise} failed: {type(error).__name__}: {error}",
                      file=sys.__stderr__)
                continue
            if self.process is None or not self.process.alive():
                return
            saved = self.process.deadline
            self.process.deadline = min(saved, time.monotonic()
                                        + min(DIAGNOSIS_S, self.spec.limits.call_s))
            try:
                outcome.diagnosis = diagnosis.diagnose(self.assignment.name, exercise,
                                                       self.process.call, ran)
            except Exception as error:  # noqa: BLE001 - a fault of ours costs the diagnosis only
                print(f"diagnosis of {exercise} failed: {type(error).__name__}: {error}",
                      file=sys.__stderr__)
            finally:
                self.process.deadline = saved

    def _judge_test(self, test: TestCell, namespace: dict) -> Outcome:
        outcome = Outcome(test.grade_id, test.label, 0.0, test.points)
        for code, hidden in ((test.visible, False), (test.hidden + "\n" + test.tail, True)):
            result = self._run(code, namespace)
            if isinstance(result, LearnerCrash):
                outcome.message = f"{test.label}: not graded, {result}."
                return outcome
            if isinstance(result, BaseException):
                outcome.message = _describe(result, hidden, test.label)
                return outcome
            if isinstance(result, str):
                outcome.message = (f"{test.label}: your code wrote to stderr (a warning?), "
                                   f"which fails the test: {result}")
                return outcome
            outcome.visible = True  # the visible part passed (set again after the hidden)
        outcome.points = test.points
        return outcome

