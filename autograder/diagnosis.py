"""Name a learner's likely mistake: compare a failing function with the catalogued ones.

`autograder.probes` gives each exercise's probe inputs: `Probes(function, build)`, where
`build(ref)` returns a list of calls `(args, kwargs)`, built from the chapter's reference
namespace `ref` (so a probe may hold a cache made by the reference's forward pass). Probes
are chosen to tell the catalogued mistakes apart (autograder.mistakes); they are not the
hidden tests' inputs.

The trusted process (this module) runs the reference answer and every catalogued wrong
answer on the probes, once per process (`expectations`, cached), from the course's own
code: the instructor notebook and the catalogue's sources. The learner's function runs in
the sandbox, on the same probes, through `call` (the judge's proxy), so only plain values
come back (see `autograder.protocol`). An output is what a call gave: its return value (or
the kind of exception it raised), the array arguments it changed in place, and whether it
warned.

A wrong answer W *matches* when, on every probe where the reference's output differs from
W's (its distinguishing probes; W needs at least one), the learner's output is close to
W's and not close to the reference's. So an answer within tolerance of the reference never
matches. One more condition keeps wrong diagnoses out: every probe where the learner
differs from the reference must be one where it agrees with W (a learner who also makes
a mistake the catalogue lacks gets no diagnosis rather than a partial one).
Of several matches the most specific wins: the one the learner agrees with on the
most probes in all, then the one with more distinguishing probes, then catalogue order.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from autograder import protocol
from autograder.mistakes import Wrong, catalogue

DEFAULT_RTOL = 1e-6  # float64 outputs; float32 and float16 ones get FLOAT32_RTOL
DEFAULT_ATOL = 1e-9
FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-6
SEPARATION = 10.0  # a probe distinguishes W when W is this many tolerances from the reference
SAFE_EXCEPTIONS = {"ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
                   "AssertionError", "NotImplementedError", "AttributeError", "NameError",
                   "RuntimeError", "ArithmeticError", "FloatingPointError", "OverflowError",
                   "LookupError", "RecursionError", "MemoryError"}  # as autograder.sandbox
PYTHON_NUMBERS = (bool, int, float, complex)
UNREADABLE = "gave a result the grader cannot read"  # autograder.sandbox's ProtocolError text

Call = tuple[tuple, dict]


@dataclass(frozen=True)
class Probes:
    """The probe calls of one exercise.

    function: the learner function they call, e.g. "sigmoid".
    build: ref (the chapter's reference namespace) -> [(args, kwargs), ...]; deterministic.
    rtol, atol: the exercise's tolerance for float64 outputs (float32 ones get at least
        FLOAT32_RTOL, FLOAT32_ATOL).
    """

    function: str
    build: Callable[[types.SimpleNamespace], list[Call]]
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


@dataclass(frozen=True)
class Output:
    """What one call gave: ("value", value) or ("raises", exception name), the top-level
    array arguments after the call, and whether it warned."""

    kind: str
    value: object
    arguments: tuple = ()
    warned: bool = False


class Unusable(Exception):
    """An output that cannot be compared (not plain data); the probe is left out."""


@dataclass
class Expectation:
    """The trusted outputs of one exercise on its probes."""

    probes: Probes
    calls: list[Call]
    reference: list[Output | None]  # None: the reference's output is unusable there
    wrong: list[tuple[Wrong, list[Output | None]]] = field(default_factory=list)


class AbortDiagnosis(Exception):
    """The learner's function cannot be diagnosed (crash, time-out, unreadable result)."""


# ---- comparing outputs ---------------------------------------------------------------

def _tolerance(array: np.ndarray, probes: Probes, scale: float) -> tuple[float, float]:
    if array.dtype.kind == "f" and array.dtype.itemsize < 8:
        return max(probes.rtol, FLOAT32_RTOL) * scale, max(probes.atol, FLOAT32_ATOL) * scale
    return probes.rtol * scale, probes.atol * scale


def close(a, b, probes: Probes, scale: float = 1.0) -> bool:
    """Whether two plain values are the same within the exercise's tolerance (times
    `scale`): same structure, same dtypes for numbers, close values (NaN equals NaN)."""
    if type(a) in (list, tuple) or type(b) in (list, tuple):
        return (type(a) in (list, tuple) and type(b) in (list, tuple)
                and len(a) == len(b) and all(close(x, y, probes, scale) for x, y in zip(a, b)))
    if type(a) is dict or type(b) is dict:
        return (type(a) is dict and type(b) is dict and a.keys() == b.keys()
                and all(close(a[key], b[key], probes, scale) for key in a))
    if a is None or b is None or type(a) is str or type(b) is str:
        return type(a) is type(b) and a == b
    if isinstance(a, np.dtype | type) or isinstance(b, np.dtype | type):
        return type(a) is type(b) and bool(a == b)
    if not all(type(x) in (*PYTHON_NUMBERS, np.ndarray) or
               isinstance(x, np.generic) and type(x).__module__ == "numpy" for x in (a, b)):
        return False  # nothing else is compared (and no method of it is ever called)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray) and \
            (type(a) in PYTHON_NUMBERS) != (type(b) in PYTHON_NUMBERS):
        return False  # a NumPy number where a Python number is promised, or the reverse
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind not in "fc":
        return bool(np.array_equal(x, y))
    rtol, atol = _tolerance(x, probes, scale)
    return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))


def same_output(a: Output, b: Output, probes: Probes, scale: float = 1.0) -> bool:
    return (a.kind == b.kind and a.warned == b.warned
            and close(a.value, b.value, probes, scale)
            and close(a.arguments, b.arguments, probes, 0.0))  # arguments: bit for bit


# ---- the trusted side ------------------------------------------------------------------

def _plain(value):
    """`value` as it would come back from the sandbox (protocol round trip)."""
    if isinstance(value, types.GeneratorType):
        value = list(value)
    buffers: list[bytes] = []
    try:
        node = protocol.encode_value(value, buffers)
    except protocol.ProtocolError as error:
        raise Unusable(str(error)) from None
    return protocol.decode_value(node, buffers)


def _arrays(args: tuple) -> tuple:
    """The top-level array arguments (those the sandbox copies back after a call)."""
    return tuple(np.array(arg) for arg in args if type(arg) is np.ndarray)


def run_trusted(function: Callable, call: Call) -> Output | None:
    """Run a course function (reference or catalogued wrong answer) on a copy of a probe."""
    from autograder.judge import test_output  # the judge imports this module

    args, kwargs = copy.deepcopy(call)
    err = io.StringIO()
    with test_output(io.StringIO(), err), np.errstate(over="warn", divide="warn",
                                                      invalid="warn", under="ignore"):
        try:
            value = _plain(function(*args, **kwargs))
            kind = "value"
        except Unusable:
            return None
        except Exception as error:  # noqa: BLE001 - a raised error is an output too
            name = type(error).__name__
            kind, value = "raises", name if name in SAFE_EXCEPTIONS else "RuntimeError"
    return Output(kind, value, _arrays(args), bool(err.getvalue().strip()))


def _globals(namespace: types.SimpleNamespace) -> dict:
    """The globals dict shared by a chapter's reference functions."""
    for value in vars(namespace).values():
        if isinstance(value, types.FunctionType) and \
                str(value.__globals__.get("__name__", "")).startswith("chapter_"):
            return value.__globals__
    raise LookupError("the chapter defines no function")


_lock = threading.Lock()


@cache
def _reference(assignment: str) -> types.SimpleNamespace | None:
    from autograder.course import course_notebooks
    from dlbook.previous import load_notebook_functions

    for notebook in course_notebooks():
        if notebook.assignment == assignment and notebook.source.is_file():
            return load_notebook_functions(notebook.source)
    return None


def probes_for(assignment: str, grade_id: str) -> Probes | None:
    """The exercise's probes (autograder.probes), or None if it has none."""
    from autograder.probes import PROBES  # it imports this module

    return PROBES.get(assignment, {}).get(grade_id)


def expectations(assignment: str, grade_id: str) -> Expectation | None:
    """The reference's and every catalogued wrong answer's outputs on the exercise's
    probes (computed once per process); None where the exercise has no probes or this
    checkout has no instructor notebook."""
    with _lock:
        return _expectations(assignment, grade_id)


@cache
def _expectations(assignment: str, grade_id: str) -> Expectation | None:
    probes = probes_for(assignment, grade_id)
    ref = _reference(assignment) if probes else None
    if ref is None:
        return None
    calls = probes.build(ref)
    reference_function = getattr(ref, probes.function)
    expected = Expectation(probes, calls, [run_trusted(reference_function, c) for c in calls])
    base = _globals(ref)
    for wrong in catalogue().get(assignment, []):
        if wrong.exercise != grade_id:
            continue
        namespace = dict(base)
        exec(compile(wrong.source, f"<catalogue: {wrong.mistake[:40]}>", "exec"), namespace)
        function = namespace[probes.function]
        expected.wrong.append((wrong, [run_trusted(function, c) for c in calls]))
    return expected


def distinguishing(expected: Expectation, outputs: list[Output | None]) -> list[int]:
    """The probes where a wrong answer's outputs clearly differ from the reference's."""
    return [i for i, (ref, out) in enumerate(zip(expected.reference, outputs))
            if ref is not None and out is not None
            and not same_output(ref, out, expected.probes, SEPARATION)]


def _explained(expected: Expectation, learner: list[Output | None],
               outputs: list[Output | None]) -> bool:
    """Whether every probe where the learner differs from the reference is one where it
    agrees with the wrong answer: a mistake that leaves part of what the learner did
    unexplained (a second, uncatalogued mistake) is not named."""
    for mine, ref, theirs in zip(learner, expected.reference, outputs):
        if mine is None or ref is None or same_output(mine, ref, expected.probes):
            continue
        if theirs is None or not same_output(mine, theirs, expected.probes):
            return False
    return True


def best_match(expected: Expectation, learner: list[Output | None]) -> Wrong | None:
    """The most specific catalogued wrong answer the learner's outputs match, if any."""
    candidates = []
    for order, (wrong, outputs) in enumerate(expected.wrong):
        probes = distinguishing(expected, outputs)
        if not probes:
            continue
        if all(learner[i] is not None
               and same_output(learner[i], outputs[i], expected.probes)
               and not same_output(learner[i], expected.reference[i], expected.probes)
               for i in probes) and _explained(expected, learner, outputs):
            agree = sum(1 for mine, theirs in zip(learner, outputs)
                        if mine is not None and theirs is not None
                        and same_output(mine, theirs, expected.probes))
            candidates.append((-agree, -len(probes), order, wrong))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


# ---- the learner's side ----------------------------------------------------------------

def run_learner(call_learner: Callable, function: str, call: Call) -> Output:
    """Call the learner's function (through the judge's proxy) on a copy of a probe.

    Raises:
        AbortDiagnosis: the call crashed the sandbox, ran out of time or sent back
            something the grader cannot read.
    """
    from autograder.judge import test_output
    from autograder.sandbox import LearnerCrash

    args, kwargs = copy.deepcopy(call)
    err = io.StringIO()
    with test_output(io.StringIO(), err):
        try:
            value = call_learner(function, args, kwargs)
            if not isinstance(value, (list, tuple, dict, np.ndarray, np.generic, int, float,
                                      bool, str, complex, type(None))):
                value = list(value)  # a generator comes back as an iterator over a list
            kind = "value"
        except LearnerCrash as crash:
            raise AbortDiagnosis(str(crash)) from None
        except TimeoutError as error:
            raise AbortDiagnosis(str(error)) from None
        except Exception as error:  # noqa: BLE001 - one of the sandbox's safe exceptions
            if isinstance(error, TypeError) and UNREADABLE in str(error):
                raise AbortDiagnosis(str(error)) from None
            name = type(error).__name__
            kind, value = "raises", name if name in SAFE_EXCEPTIONS else "RuntimeError"
    return Output(kind, value, _arrays(args), bool(err.getvalue().strip()))


@cache
def _failing_entries(assignment: str, grade_id: str, tests: str) -> frozenset[str]:
    """The catalogued mistakes of an exercise that fail the test code `tests` (run here,
    with each wrong answer in place of the reference; cached per process)."""
    from autograder.judge import test_output

    expected = _expectations(assignment, grade_id)
    base = _globals(_reference(assignment))
    code = compile(tests, f"<{grade_id} tests>", "exec")
    failing = set()
    for wrong, _ in expected.wrong:
        namespace = dict(base)
        exec(compile(wrong.source, f"<catalogue: {wrong.mistake[:40]}>", "exec"), namespace)
        err = io.StringIO()
        with test_output(io.StringIO(), err), np.errstate(over="warn", divide="warn",
                                                          invalid="warn", under="ignore"):
            try:
                exec(code, namespace)
            except Exception:  # noqa: BLE001 - any failure of the tests is what we look for
                failing.add(wrong.mistake)
                continue
        if err.getvalue().strip():
            failing.add(wrong.mistake)
    return frozenset(failing)


def diagnose(assignment: str, grade_id: str, call_learner: Callable,
             tests: str | None = None) -> str:
    """The hint of the catalogued mistake a failing answer matches, or "".

    `call_learner(function, args, kwargs)` runs the learner's function in the sandbox and
    returns plain values (the judge's `call`). With `tests` (the only test code that was
    run, e.g. the visible tests of `autograder.check`), only mistakes that fail that code
    can be named, so the diagnosis tells nothing that only a hidden test would."""
    expected = expectations(assignment, grade_id)
    if expected is None or not expected.wrong:
        return ""
    if tests is not None:
        with _lock:
            eligible = _failing_entries(assignment, grade_id, tests)
        expected = dataclasses.replace(expected, wrong=[
            (wrong, outputs) for wrong, outputs in expected.wrong if wrong.mistake in eligible])
        if not expected.wrong:
            return ""
    try:
        learner = [run_learner(call_learner, expected.probes.function, call)
                   for call in expected.calls]
    except AbortDiagnosis:
        return ""
    match = best_match(expected, learner)
    return match.hint if match is not None else ""


def confusion(assignment: str, grade_id: str) -> dict[str, str]:
    """Each catalogued mistake of an exercise -> the mistake its own outputs are
    diagnosed as ("" for none), as if a learner had written it (for the tests)."""
    expected = expectations(assignment, grade_id)
    result = {}
    for wrong, outputs in expected.wrong:
        match = best_match(expected, outputs)
        result[wrong.mistake] = match.mistake if match is not None else ""
    return result

