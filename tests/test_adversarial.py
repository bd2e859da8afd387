"""Hostile and broken submissions: each one gets exactly the score it earned, no more.

Every case is a chapter 1 notebook (7 exercises, 10 points) built from the learner
notebook filled in with the reference answers, then changed: forged return values,
monkeypatched NumPy / `builtins` / `warnings`, tampered test cells, crashes, hangs,
resource bombs, escape attempts and broken files. One module fixture grades them all in
one `grade_paths` call (two notebooks at a time, tight limits), as an instructor would
grade a class, and each case checks its exact score and status.

A few cases once broke a whole batch (the grader raised, or hung): they are graded in
small batches of their own, each with a well-formed notebook beside it, in a separate
process that runs alongside the main batch and is killed if it hangs, so a regression
shows as that case failing, not as the whole file hanging. A case the grader gets wrong
would be marked `xfail(strict=True)` with the bug it shows (`Case.bug`); none is now.
"""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.utils import compute_checksum
from notebook_tools import (
    filled_in,
    graded_test_cells,
    read,
    secret_lines,
    solution_cells,
    without_markers,
)

from autograder.course import ROOT, SOLUTIONS_DIR, course_notebooks
from autograder.grade import grade_paths
from autograder.gradebook import GradeStore
from autograder.sandbox import Limits, bwrap_available
from dlbook import notebook_format

NOTEBOOK = course_notebooks()[0]
assert NOTEBOOK.assignment == "01_neuron", NOTEBOOK
LIMITS = {"budget_s": 30.0, "call_s": 5.0}
# The whole main batch, hangs and bombs included: a bound that catches a hung grader, not a
# speed target. 150 s was exceeded (153 s) with the other xdist worker busy beside it.
BATCH_LIMIT_S = 300
PROBE_LIMIT_S = 90  # one batch of the side process (a case graded in a batch of its own)
PROBE_FIRST_UID = 70000  # its sandboxes must not share user ids (and so process limits)
FULL = 10.0
MARKER = "PWNED-by-a-learner"
TESTS_DIR = Path(__file__).resolve().parent

NO_SANDBOX = bwrap_available()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")


# --- building notebooks -------------------------------------------------------------------

@dataclass
class Kit:
    """What the case builders start from, and the paths an attacker would aim at."""

    learner: nbformat.NotebookNode
    source: nbformat.NotebookNode
    base: Path
    port: int = 0

    @property
    def reference(self) -> nbformat.NotebookNode:
        return filled_in(self.learner, self.source)

    def wrong(self, grade_id: str) -> nbformat.NotebookNode:
        """The reference with one answer off by one (`_reference_<name>` keeps the right one)."""
        return filled_in(self.learner, self.source, wrong=grade_id)

    def answer(self, grade_id: str) -> str:
        return without_markers(solution_cells(self.source)[grade_id].source)


def grade_id_of(cell) -> str | None:
    info = cell.get("metadata", {}).get("nbgrader", {})
    return info.get("grade_id") if isinstance(info, dict) else None


def index_of(nb, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if grade_id_of(cell) == grade_id)


def with_answer(nb, grade_id: str, code: str):
    nb = copy.deepcopy(nb)
    nb.cells[index_of(nb, grade_id)].source = textwrap.dedent(code)
    return nb


def with_cells(nb, *codes: str, after: str | None = None):
    """`nb` with new code cells at the end, or right after the cell `after`."""
    nb = copy.deepcopy(nb)
    at = len(nb.cells) if after is None else index_of(nb, after) + 1
    nb.cells[at:at] = [new_code_cell(textwrap.dedent(code)) for code in codes]
    return nb


def with_test_cell(nb, test_id: str, change: Callable):
    """`nb` with its copy of a test cell changed in place, replaced, or (None) deleted."""
    nb = copy.deepcopy(nb)
    at = index_of(nb, test_id)
    new = change(nb.cells[at])
    nb.cells[at:at + 1] = [] if new is None else [new]
    return nb


def replaced_by_pass(cell):
    cell.source = "pass"
    return cell


def to_markdown(cell):
    return new_markdown_cell(cell.source, metadata=copy.deepcopy(cell.metadata), id=cell.id)


def metadata_stripped(cell):
    del cell.metadata["nbgrader"]
    return cell


def forged_checksum(cell):
    cell.source = "pass"
    cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return cell


def garbled_metadata(cell):
    cell.metadata["nbgrader"] = "garbled"
    return cell


def points_removed(cell):
    del cell.metadata.nbgrader["points"]
    return cell


def grade_id_as_list(cell):
    cell.metadata.nbgrader["grade_id"] = [cell.metadata.nbgrader["grade_id"]]
    return cell


def duplicated_test(nb, test_id: str):
    nb = copy.deepcopy(nb)
    at = index_of(nb, test_id)
    twin = copy.deepcopy(nb.cells[at])
    twin.id, twin.source = f"{twin.id}-twin", "pass"
    nb.cells.insert(at + 1, twin)
    return nb


def with_tests_first(nb):
    """Every test cell moved to the top of the notebook, before the answers."""
    nb = copy.deepcopy(nb)
    tests = [cell for cell in nb.cells if notebook_format.is_test_cell(cell)]
    nb.cells = tests + [cell for cell in nb.cells if cell not in tests]
    return nb


def answers_last(nb):
    """Every answer cell moved to the end: the demo cells would fail (they are left out),
    the final namespace is right."""
    nb = copy.deepcopy(nb)
    answers = [cell for cell in nb.cells if notebook_format.is_solution_cell(cell)]
    nb.cells = [cell for cell in nb.cells if cell not in answers] + answers
    return nb


def without_markdown(nb):
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if cell.cell_type != "markdown"]
    return nb


def misbehaving_relu(kit: Kit, misbehaviour: str, also_grad: str | None = None):
    """relu (and relu_grad) misbehaving only when the grader calls them after the notebook
    ran: the notebook's own demo cells call relu too, and must finish."""
    nb = kit.reference
    for grade_id, name, body in (("ex1_5_relu", "relu", misbehaviour),
                                 ("ex1_6_relu_grad", "relu_grad", also_grad)):
        if body is None:
            continue
        wrapper = WHEN_GRADED.format(name=name, body=textwrap.indent(textwrap.dedent(body),
                                                                       " " * 8))
        nb = with_answer(nb, grade_id, kit.answer(grade_id) + "\n" + wrapper)
    return with_cells(nb, "NOTEBOOK_FINISHED = True  # from here on, only the grader calls")


@dataclass(frozen=True)
class Link:
    """A symbolic link to `target` in place of the learner's file or folder."""

    target: Path
    inside: str = ""  # where the link is, under the learner's folder (default: the file)


def cells_as_object(kit: Kit) -> bytes:
    """The reference notebook with `cells` a JSON object (index -> cell), not a list."""
    data = json.loads(nbformat.writes(kit.reference))
    data["cells"] = {str(index): cell for index, cell in enumerate(data["cells"])}
    return json.dumps(data).encode()


def with_bom(kit: Kit) -> bytes:
    """The reference notebook saved with a UTF-8 byte-order mark (as some editors do)."""
    return b"\xef\xbb\xbf" + nbformat.writes(kit.reference).encode()


def zip_with_link(name: str, target: Path) -> bytes:
    """A class zip whose only entry, `<name>`'s notebook, is a symbolic link to `target`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        info = zipfile.ZipInfo(f"class/{name}/{NOTEBOOK.filename}")
        info.create_system = 3  # Unix, so that the mode below is read
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(info, str(target))
    return buffer.getvalue()


def v3_notebook(kit: Kit) -> bytes:
    return nbformat.writes(nbformat.convert(kit.reference, 3), version=3).encode()


def oversized(kit: Kit) -> bytes:
    nb = copy.deepcopy(kit.reference)
    nb.cells.append(new_markdown_cell("x" * (21 * 2**20)))
    return nbformat.writes(nb).encode()


WHEN_GRADED = '''
_{name}_itself = {name}


def {name}(z):
    if globals().get("NOTEBOOK_FINISHED"):
{body}
    return _{name}_itself(z)
'''

# --- the learner code of the cases --------------------------------------------------------

FORGE_ALWAYS_EQUAL = '''
class _AlwaysEqual:
    """Equal to anything, close to anything, shaped like anything."""

    shape = (3,)
    dtype = np.dtype(np.float64)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __le__(self, other):
        return True

    __ge__ = __lt__ = __gt__ = __le__
    __hash__ = object.__hash__

    def __abs__(self):
        return 0.0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return (0.5, 0.5, 0.5)[index]

    def __float__(self):
        return 0.5


def sigmoid(z):
    return _AlwaysEqual()
'''

FORGE_LAZY_ARRAY = '''
class _LazySigmoid:
    """Not an array: it computes the right values only when something converts it."""

    def __init__(self, z):
        self._z = np.asarray(z)
        self.shape, self.dtype = self._z.shape, self._z.dtype

    def __array__(self, dtype=None, copy=None):
        z = self._z.astype(np.float64)
        e = np.exp(-np.abs(z))
        values = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return values.astype(dtype or self._z.dtype)


def sigmoid(z):
    return _LazySigmoid(z)
'''

FORGE_FLOAT = '''
class _ForgedFloat(float):
    """A float that converts to 0.5 and equals everything."""

    def __float__(self):
        return 0.5

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def sigmoid(z):
    return _ForgedFloat(0.0)
'''

FORGE_NDARRAY_SUBCLASS = '''
class _ForgedArray(np.ndarray):
    """Zeros that compare equal to anything."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array_finalize__(self, obj):
        pass


def sigmoid(z):
    z = np.asarray(z)
    return np.zeros(z.shape, dtype=z.dtype).view(_ForgedArray)
'''

FORGE_NUMPY_SCALAR = '''
class float64(np.float64):
    """Poses as NumPy's own scalar type (same name, same module)."""

    __module__ = "numpy"

    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.5

    __hash__ = np.float64.__hash__


def sigmoid(z):
    return float64(0.0)
'''

PATCH_TESTING = '''
import numpy.testing


def _always_passes(*args, **kwargs):
    return None


for _name in ("assert_allclose", "assert_array_equal", "assert_equal",
              "assert_array_almost_equal", "assert_almost_equal"):
    setattr(np.testing, _name, _always_passes)
'''

PATCH_ALLCLOSE = '''
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.all = lambda *args, **kwargs: True
'''

PATCH_BUILTINS = '''
import builtins


class _Swallowed(BaseException):
    """Stands in for AssertionError, so that no failed assert looks like one."""


builtins.AssertionError = _Swallowed
builtins.all = lambda iterable: True
'''

PATCH_SYS_MODULES = '''
import sys
import types

_fake = types.ModuleType("numpy")
_fake.testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None,
                                      assert_array_equal=lambda *a, **k: None)
_fake.allclose = lambda *a, **k: True
sys.modules["numpy"] = _fake
sys.modules["numpy.testing"] = _fake.testing
'''

PATCH_WARNINGS = '''
import warnings

warnings.filterwarnings("ignore")
warnings.warn = lambda *args, **kwargs: None
warnings.showwarning = lambda *args, **kwargs: None
'''

REDEFINE_HELPERS = '''
from scipy.special import expit as _expit


def _sigmoid_no_warnings(z):  # the name of the test's own helper
    return _expit(z)


def expit(z):
    return sigmoid(z)


def assert_allclose(*args, **kwargs):
    return None


class AssertionError(Exception):
    pass
'''

OVERFLOWING_SIGMOID = '''
def sigmoid(z):
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-z))  # exp(1000) overflows: a RuntimeWarning
'''

SILENCE_WARNINGS_MODULE = '''
import warnings

warnings.simplefilter("ignore")
warnings.simplefilter = warnings.filterwarnings = lambda *args, **kwargs: None
'''

HIDDEN_ONLY_SIGMOID = '''
_right_sigmoid = sigmoid


def sigmoid(z):
    z = np.asarray(z)
    if z.ndim == 2:  # only hidden tests pass matrices
        return np.zeros_like(z)
    return _right_sigmoid(z)
'''

INFINITE_LOOP = '''
while True:
    pass
'''

SLEEP_IGNORING_SIGINT = '''
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(10**6)
'''

SEGFAULT = '''
import ctypes

ctypes.string_at(0)
'''

MEMORY_BOMBS = ('''
hoard = bytearray(8 * 2**30)
''', '''
hoard = np.ones(10**11)
''')

FORK_BOMB = '''
import os
import time

_notebook = os.getpid()
try:
    while True:
        os.fork()  # every copy keeps forking until the process limit stops it
except OSError:
    pass
if os.getpid() != _notebook:
    while True:  # every copy but the notebook's own holds its process slot
        time.sleep(1)
'''

FLOOD_STDOUT = '''
for _ in range(300):
    print("x" * 10**7)
'''

BIG_FILE = '''
with open("/scratch/big.bin", "wb") as handle:
    for _ in range(1024):
        handle.write(b"\\0" * 2**20)
'''

NETWORK_ATTEMPT = '''
import socket

for _address in [("127.0.0.1", {port}), ("127.0.0.1", 9), ("1.1.1.1", 80)]:
    try:
        socket.create_connection(_address, timeout=3).close()
        print("reached", _address)
    except OSError:
        pass
socket.create_connection(("127.0.0.1", {port}), timeout=3)
'''

NETWORK_ORACLE = '''
import socket

try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
except OSError:
    pass
else:
    sigmoid = _reference_sigmoid  # the grader's network is reachable: undo the error
'''

READ_SOLUTIONS = '''
import json
import os

_candidates = [{solutions!r}, "/proc/1/root" + {solutions!r}]
for _root in ["/", "/opt", "/opt/chapters", "/work", "/work/main", "/root", "/home", "/srv",
              "/mnt", "/tmp", "/scratch", "/proc/1/cwd"]:
    for _tail in ["solutions/01_neuron/neuron.ipynb", "01_neuron/neuron.ipynb"]:
        _candidates.append(os.path.join(_root, _tail))
for _path in _candidates:
    try:
        with open(_path) as _handle:
            _cells = json.load(_handle)["cells"]
    except (OSError, ValueError, KeyError):
        continue
    for _cell in _cells:
        if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "ex1_1_sigmoid":
            _source = _cell["source"]
            exec("".join(_source) if isinstance(_source, list) else _source)  # the reference
'''

WRITE_GRADER_FILES = '''
import os

for _target in [{db!r}, {db!r} + "-journal"]:
    try:
        with open(_target, "r+b") as _handle:
            _handle.write(b"not a database any more" * 100)
    except OSError:
        pass
    try:
        os.remove(_target)
    except OSError:
        pass
for _folder in [{work!r}, {work!r} + "/submitted", {out!r}, {subs!r}, {grader!r}]:
    try:
        os.makedirs(_folder, exist_ok=True)
        with open(os.path.join(_folder, {marker!r}), "w") as _handle:
            _handle.write("a learner wrote here")
    except OSError:
        pass
'''

ESCALATE = '''
import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_escaped = []
try:
    os.setuid(0)
    _escaped.append("setuid")
except OSError:
    pass
if _libc.unshare(0x00020000) == 0:  # a mount namespace of its own: needs CAP_SYS_ADMIN
    _escaped.append("unshare")
if _libc.mount(b"tmpfs", b"/opt", b"tmpfs", 0, None) == 0:
    _escaped.append("mount")
with open("/proc/self/status") as _status:
    if any(_line.startswith(("CapEff:", "CapPrm:")) and int(_line.split()[1], 16)
           for _line in _status):
        _escaped.append("capabilities")
if any(_name.isdigit() and int(_name) > 64 for _name in os.listdir("/proc")):
    _escaped.append("other processes")  # the sandbox's own pids are small
if _escaped:
    sigmoid = _reference_sigmoid  # undo the error if the sandbox gave anything away
'''

PARTIAL_MESSAGE = '''
import os
import struct
import time

for _fd in range(3, 64):  # the worker's reply pipe: announce 1000 bytes, send none
    try:
        if os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:"):
            os.write(_fd, struct.pack("!Q", 1000))
    except OSError:
        pass
while True:
    time.sleep(1)
'''


# --- the cases ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One submission and what it must get.

    `build` makes the file's content (a notebook, bytes, or a `Link`), saved as
    `<name>/<filename>` in the class folder, or, for `kind` "extra_path" and "zip", as
    `<name>.zip` given beside it. `score` None: not graded. `kind` "problem" or
    "extra_path": the file is reported as a Problem (it cannot even be attributed to a
    learner's notebook); "zip": the zip's entry is learner `<name>`'s notebook, with a row.
    `isolated`: graded in a batch of its own. `notes`: text the row's reason (or the
    Problem's) must contain; `clean`: no notes at all; `messages`: grade_id -> text that
    test's message must contain (and the test must have failed); `bug`: the grader bug
    that makes it xfail.
    """

    name: str
    build: Callable[[Kit], object]
    score: float | None
    notes: tuple[str, ...] = ()
    clean: bool = False
    messages: dict = field(default_factory=dict)
    kind: str = "notebook"
    filename: str = NOTEBOOK.filename
    isolated: bool = False
    bug: str = ""

    @property
    def status(self) -> str:
        return "graded" if self.score is not None else "not graded"


def sigmoid_wrong_and(code: str) -> Callable[[Kit], object]:
    """A wrong sigmoid (off by one) plus a cell of learner code at the end."""
    return lambda kit: with_cells(kit.wrong("ex1_1_sigmoid"), code)


def relu_wrong_and(change: Callable) -> Callable[[Kit], object]:
    return lambda kit: with_test_cell(kit.wrong("ex1_5_relu"), "test_ex1_5_relu", change)


def sigmoid_is(code: str) -> Callable[[Kit], object]:
    return lambda kit: with_answer(kit.reference, "ex1_1_sigmoid", code)


SIGMOID_LOST = {"test_ex1_1_sigmoid": "", "test_ex1_2_sigmoid_grad": ""}
RELU_LOST = {"test_ex1_5_relu": "Exercise 1.5"}
RAN_OUT = "ran out of time"
NOT_RUN = "could not be run to the end"
CELL_ERROR = "raised an error"

CASES = [
    # 1. The baseline.
    Case("reference", lambda kit: kit.reference, FULL, clean=True),
    # The cells that call the blank answers are demonstrations, left out unchanged
    # (autograder.demonstrations): no cell raises, and the score is the same.
    Case("blank", lambda kit: kit.learner, 0.0),
    Case("wrong_sigmoid", lambda kit: kit.wrong("ex1_1_sigmoid"), 6.0,
         messages={"test_ex1_1_sigmoid": "Exercise 1.1: sigmoid([-2, 0, 2]) should be about"}),
    Case("hidden_only_sigmoid",
         lambda kit: with_cells(kit.reference, HIDDEN_ONLY_SIGMOID, after="ex1_1_sigmoid"), 6.0,
         messages={"test_ex1_1_sigmoid": "(a hidden test failed)",
                   "test_ex1_2_sigmoid_grad": "(a hidden test failed)"}),
    # 2. Forged return values and monkeypatching, each with a wrong sigmoid.
    Case("forge_eq_always_true", sigmoid_is(FORGE_ALWAYS_EQUAL), 6.0,
         messages={"test_ex1_1_sigmoid": "cannot read"}),
    Case("forge_lazy_array", sigmoid_is(FORGE_LAZY_ARRAY), 6.0,
         messages={"test_ex1_1_sigmoid": "cannot read"}),
    Case("forge_float", sigmoid_is(FORGE_FLOAT), 6.0,
         messages={"test_ex1_1_sigmoid": "cannot read"}),
    Case("forge_ndarray_subclass", sigmoid_is(FORGE_NDARRAY_SUBCLASS), 6.0,
         messages={"test_ex1_1_sigmoid": "cannot read"}),
    Case("forge_numpy_scalar_subclass", sigmoid_is(FORGE_NUMPY_SCALAR), 6.0,
         messages=SIGMOID_LOST),
    Case("patch_np_testing", sigmoid_wrong_and(PATCH_TESTING), 6.0, messages=SIGMOID_LOST),
    Case("patch_np_allclose", sigmoid_wrong_and(PATCH_ALLCLOSE), 6.0, messages=SIGMOID_LOST),
    Case("patch_builtins", sigmoid_wrong_and(PATCH_BUILTINS), 6.0, messages=SIGMOID_LOST),
    Case("patch_sys_modules_numpy", sigmoid_wrong_and(PATCH_SYS_MODULES), 6.0,
         messages=SIGMOID_LOST),
    Case("patch_warnings", sigmoid_wrong_and(PATCH_WARNINGS), 6.0, messages=SIGMOID_LOST),
    Case("redefine_test_helpers", sigmoid_wrong_and(REDEFINE_HELPERS), 6.0,
         messages=SIGMOID_LOST),
    # A sigmoid with the right values that overflows: only its RuntimeWarning gives it away.
    Case("overflowing_sigmoid", sigmoid_is(OVERFLOWING_SIGMOID), 6.0,
         messages={"test_ex1_1_sigmoid": "RuntimeWarning"}),
    Case("overflowing_sigmoid_warnings_module_patched",
         lambda kit: with_cells(sigmoid_is(OVERFLOWING_SIGMOID)(kit), SILENCE_WARNINGS_MODULE),
         6.0, messages={"test_ex1_1_sigmoid": "RuntimeWarning"}),
    Case("overflowing_sigmoid_np_seterr",
         lambda kit: with_cells(sigmoid_is(OVERFLOWING_SIGMOID)(kit),
                                'np.seterr(all="ignore")'),
         6.0, messages={"test_ex1_1_sigmoid": "RuntimeWarning"}),
    # Grading judges values only: a tanh built on np.tanh returns the right ones.
    Case("tanh_calls_np_tanh",
         lambda kit: with_answer(kit.reference, "ex1_3_tanh",
                                 "def tanh(z):\n    return np.tanh(np.asarray(z))\n"),
         FULL, clean=True),
    # 3. Tampering with the notebook's structure.
    Case("test_cell_edited", relu_wrong_and(replaced_by_pass), 9.0,
         notes=("test cell test_ex1_5_relu was edited",), messages=RELU_LOST),
    Case("test_cell_deleted", relu_wrong_and(lambda cell: None), 9.0,
         notes=("test_ex1_5_relu was deleted",), messages=RELU_LOST),
    Case("test_cell_to_markdown", relu_wrong_and(to_markdown), 9.0,
         notes=("test_ex1_5_relu was changed into another kind of cell",),
         messages=RELU_LOST),
    Case("test_cell_metadata_stripped", relu_wrong_and(metadata_stripped), 9.0,
         notes=("test_ex1_5_relu was deleted or its metadata removed",),
         messages=RELU_LOST),
    Case("test_cell_forged_checksum", relu_wrong_and(forged_checksum), 9.0,
         notes=("test cell test_ex1_5_relu was edited",), messages=RELU_LOST),
    Case("test_cell_duplicated",
         lambda kit: duplicated_test(kit.wrong("ex1_1_sigmoid"), "test_ex1_1_sigmoid"), 6.0,
         notes=("test_ex1_1_sigmoid appears 2 times",), messages=SIGMOID_LOST),
    Case("tests_before_answers", lambda kit: with_tests_first(kit.wrong("ex1_5_relu")), 9.0,
         clean=True, messages=RELU_LOST),
    Case("answers_at_the_end", lambda kit: answers_last(kit.reference), FULL),  # (as blank)
    Case("sigmoid_overridden_after_answer",
         lambda kit: with_cells(kit.reference,
                                "sigmoid = lambda z: np.zeros_like(np.asarray(z, dtype=float))",
                                after="ex1_1_sigmoid"),
         6.0, messages=SIGMOID_LOST),
    Case("relu_fixed_in_a_later_cell",
         lambda kit: with_cells(kit.wrong("ex1_5_relu"), "relu = _reference_relu"), FULL,
         clean=True),
    Case("markdown_deleted", lambda kit: without_markdown(kit.reference), FULL, clean=True),
    # 4. Faults: hangs, crashes, bombs, escapes.
    # A cell that never ends is stopped by the per-cell time limit, as in Jupyter; the
    # answers above it still count.
    Case("infinite_loop_at_the_end", lambda kit: with_cells(kit.reference, INFINITE_LOOP), FULL,
         notes=(CELL_ERROR,)),
    # relu misbehaves only when the grader calls it (the notebook's own demo cells call relu
    # too, and must finish): the call is interrupted at its time limit, its test fails, and
    # the other exercises still count.
    Case("relu_loops_forever", lambda kit: misbehaving_relu(kit, INFINITE_LOOP), 9.0,
         messages={"test_ex1_5_relu": "took longer than"}),
    Case("relu_sleeps_ignoring_sigint", lambda kit: misbehaving_relu(kit, SLEEP_IGNORING_SIGINT),
         9.0, messages={"test_ex1_5_relu": "took longer than"}),
    Case("os_exit_at_top_level", lambda kit: with_cells(kit.reference, "import os\nos._exit(0)"),
         0.0, notes=(NOT_RUN, "exit status 0")),
    Case("relu_calls_os_exit", lambda kit: misbehaving_relu(kit, "import os\nos._exit(3)"), 9.0,
         notes=("while calling relu",), messages={"test_ex1_5_relu": "exit status 3"}),
    Case("relu_and_relu_grad_call_os_exit",
         lambda kit: misbehaving_relu(kit, "import os\nos._exit(3)", "import os\nos._exit(4)"),
         8.0, messages={"test_ex1_5_relu": "not graded", "test_ex1_6_relu_grad": "not graded"}),
    Case("segfault_at_top_level", lambda kit: with_cells(kit.reference, SEGFAULT), 0.0,
         notes=(NOT_RUN,)),
    Case("memory_bombs_after_answers", lambda kit: with_cells(kit.reference, *MEMORY_BOMBS),
         FULL, notes=("2 of your code cells raised an error",)),
    # Every copy forks until RLIMIT_NPROC (64 for the sandbox's user id) refuses; the copies
    # then sleep, the notebook goes on, and all of them die with the sandbox: full marks.
    Case("fork_bomb", lambda kit: with_cells(kit.reference, FORK_BOMB), FULL),
    # 3 GB of print(): IPython keeps a copy of what a cell prints, so the cell may end in a
    # MemoryError near the 3 GiB limit; either way the answers count.
    Case("flood_stdout", lambda kit: with_cells(kit.reference, FLOOD_STDOUT), FULL),
    Case("big_file_in_scratch", lambda kit: with_cells(kit.reference, BIG_FILE), FULL,
         notes=("1 of your code cells raised an error",)),
    Case("network_attempt",
         lambda kit: with_cells(kit.reference, NETWORK_ATTEMPT.format(port=kit.port)), FULL,
         notes=("1 of your code cells raised an error",)),
    Case("network_oracle",
         lambda kit: with_cells(kit.wrong("ex1_1_sigmoid"), NETWORK_ORACLE.format(port=kit.port)),
         6.0, messages=SIGMOID_LOST),
    # No privilege, namespace or process outside its own (the notebook is forked from a
    # zygote that holds those rights: it must keep none of them).
    Case("privileges_oracle", sigmoid_wrong_and(ESCALATE), 6.0, messages=SIGMOID_LOST),
    Case("read_solutions_oracle",
         lambda kit: with_cells(
             kit.wrong("ex1_1_sigmoid"),
             READ_SOLUTIONS.format(solutions=str(SOLUTIONS_DIR / "01_neuron/neuron.ipynb"))),
         6.0, messages=SIGMOID_LOST),
    Case("write_gradebook_and_work_dir",
         lambda kit: with_cells(kit.reference, WRITE_GRADER_FILES.format(
             db=str(kit.base / "gradebook.db"), work=str(kit.base / "work"),
             out=str(kit.base / "results"), subs=str(kit.base / "submissions"),
             grader=str(ROOT / "autograder"), marker=MARKER)),
         FULL),
    # 5. Broken files.
    Case("not_json", lambda kit: b'{"cells": [', None, notes=("not valid JSON",)),
    Case("empty_file", lambda kit: b"", None, notes=("the file is empty",)),
    Case("nbformat_3", v3_notebook, None),
    Case("json_without_cells", lambda kit: b'{"nbformat": 4, "metadata": {}}', None,
         notes=("no 'cells'",)),
    Case("binary_file", lambda kit: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, None,
         notes=("not text",)),
    Case("oversized_notebook", oversized, None, notes=("over 20 MiB",)),
    Case("essay_pdf", lambda kit: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", None, kind="problem",
         filename="essay.pdf", notes=("not a notebook",)),
    Case("zip_bomb", lambda kit: zip_bomb(), None, kind="extra_path",
         notes=("would extract to 600 MiB", "not extracted")),
    # Symbolic links to the instructor's notebook: once graded with full marks, with the
    # grader's own rights. Files, folders and zip entries are refused, never followed.
    Case("symlink_to_solution", lambda kit: Link(SOLUTIONS_DIR / NOTEBOOK.assignment
                                                 / NOTEBOOK.filename), None,
         notes=("symbolic link",)),
    Case("symlink_folder_to_solutions",
         lambda kit: Link(SOLUTIONS_DIR / NOTEBOOK.assignment, inside=NOTEBOOK.assignment),
         None, kind="problem", notes=("symbolic link",)),
    Case("zip_entry_symlink",
         lambda kit: zip_with_link("zip_entry_symlink",
                                   SOLUTIONS_DIR / NOTEBOOK.assignment / NOTEBOOK.filename),
         None, kind="zip", notes=("symbolic link",)),
    # Saved with a UTF-8 byte-order mark: Jupyter opens it, so it is graded.
    Case("utf8_byte_order_mark", with_bom, FULL, clean=True),
    # Cases that crashed or hung a whole batch: graded in batches of their own.
    Case("deeply_nested_json", lambda kit: b"[" * 100_000, None, isolated=True),
    Case("test_cell_metadata_garbled", relu_wrong_and(garbled_metadata), 9.0,
         notes=("test_ex1_5_relu",), messages=RELU_LOST, isolated=True),
    Case("test_cell_points_removed", relu_wrong_and(points_removed), 9.0,
         notes=("test_ex1_5_relu",), messages=RELU_LOST, isolated=True),
    Case("test_cell_grade_id_list", relu_wrong_and(grade_id_as_list), 9.0,
         notes=("test_ex1_5_relu",), messages=RELU_LOST, isolated=True),
    Case("relu_sends_half_a_message", lambda kit: misbehaving_relu(kit, PARTIAL_MESSAGE), 9.0,
         messages={"test_ex1_5_relu": "not graded"}, isolated=True),
    # `cells` a JSON object: nbformat's validation raised TypeError and no notebook of the
    # run was graded.
    Case("cells_as_json_object", cells_as_object, None,
         notes=("'cells' must be a list",), isolated=True),
]
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES)


# --- grading ------------------------------------------------------------------------------

def summary(row) -> dict:
    """What the checks need from a Row, as plain data (it also crosses from the side process)."""
    outcomes = row.verdict.outcomes if row.verdict is not None else []
    return {"status": row.status, "score": row.score, "max_score": row.max_score,
            "reason": row.reason,
            "points": {outcome.grade_id: outcome.points for outcome in outcomes},
            "messages": {outcome.grade_id: outcome.message for outcome in outcomes}}


def write_submission(folder: Path, student: str, content, filename: str) -> None:
    path = folder / student / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Link):
        (folder / student / (content.inside or filename)).symlink_to(content.target)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        nbformat.write(content, path)


def zip_bomb() -> bytes:
    """600 MiB of zeros in a 3 MiB archive, named like a learner's notebook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=1) as zipped:
        with zipped.open(f"class/mallory/{NOTEBOOK.filename}", "w", force_zip64=True) as sink:
            chunk = bytes(2**20)
            for _ in range(600):
                sink.write(chunk)
    return buffer.getvalue()


def run_isolated_batches(spec_path: str) -> None:
    """Entry point of the side process: grade each small batch, one JSON line per batch."""
    import autograder.jobs

    warnings.filterwarnings("ignore")
    spec = json.loads(Path(spec_path).read_text())
    autograder.jobs.FIRST_UID = spec["first_uid"]
    with open(spec["results"], "a") as out:
        for name, base in spec["batches"].items():
            base = Path(base)
            try:
                report = grade_paths([base / "submissions"], base / "results", base / "work",
                                     db_url=f"sqlite:///{base / 'gradebook.db'}", jobs=2,
                                     limits=Limits(**spec["limits"]))
                result = {"rows": {row.student: summary(row) for row in report.rows},
                          "problems": [[p.label, p.reason] for p in report.problems]}
            except Exception as error:  # the grader's crash is what is being recorded
                result = {"error": f"{type(error).__name__}: {error}"}
            out.write(json.dumps({"batch": name, **result}) + "\n")
            out.flush()


def start_side_process(kit: Kit, base: Path) -> tuple[subprocess.Popen, Path]:
    """Grade the isolated cases, each beside a reference notebook ('ada'), in another process."""
    batches = {}
    for case in CASES:
        if not case.isolated:
            continue
        folder = base / case.name
        write_submission(folder / "submissions", "ada", kit.reference, NOTEBOOK.filename)
        write_submission(folder / "submissions", case.name, case.build(kit), case.filename)
        batches[case.name] = str(folder)
    results = base / "results.jsonl"
    spec = base / "spec.json"
    spec.write_text(json.dumps({"batches": batches, "limits": LIMITS, "results": str(results),
                                "first_uid": PROBE_FIRST_UID}))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import test_adversarial; test_adversarial.run_isolated_batches(sys.argv[2])")
    with open(base / "side.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", code, str(TESTS_DIR), str(spec)],
                                   cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    return process, results


def finish_side_process(process: subprocess.Popen, results: Path, started: float) -> dict:
    """The side batches' results; a batch still running at its deadline is recorded as hung.

    The side process grades its batches one after another while the main batch runs, so
    on a loaded machine the later ones start late: each batch gets PROBE_LIMIT_S from the
    moment the one before it finished (the results file's modification time), and the
    process is killed only when no batch has finished for that long.
    """
    while process.poll() is None:
        last_progress = max(started, results.stat().st_mtime if results.exists() else 0.0)
        if time.time() - last_progress > PROBE_LIMIT_S:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the grader, pool, sandboxes
            process.wait()
            break
        time.sleep(0.5)
    done = {}
    if results.exists():
        for line in results.read_text().splitlines():
            record = json.loads(line)
            done[record.pop("batch")] = record
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Build every case, grade the main batch at once, and collect the side batches."""
    base = tmp_path_factory.mktemp("adversarial")
    listener = socket.create_server(("127.0.0.1", 0))  # a port the sandbox must not reach
    kit = Kit(read(NOTEBOOK.release), read(NOTEBOOK.source), base,
              port=listener.getsockname()[1])
    side_started = time.time()  # compared with the results file's mtime
    side, side_results = start_side_process(kit, tmp_path_factory.mktemp("isolated"))
    try:
        folder, paths = base / "submissions", [base / "submissions"]
        for case in CASES:
            if case.isolated:
                continue
            if case.kind in ("extra_path", "zip"):
                paths.append(base / f"{case.name}.zip")
                paths[-1].write_bytes(case.build(kit))
            else:
                write_submission(folder, case.name, case.build(kit), case.filename)
        db_url = f"sqlite:///{base / 'gradebook.db'}"
        started = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
            report = grade_paths(paths, base / "results", base / "work", db_url=db_url,
                                 jobs=2, limits=Limits(**LIMITS))
        seconds = time.monotonic() - started
    finally:
        isolated = finish_side_process(side, side_results, side_started)
        listener.close()
    rows = {row.student: summary(row) for row in report.rows}
    assert len(rows) == len(report.rows), "one row per learner"
    return SimpleNamespace(base=base, report=report, rows=rows, seconds=seconds, db_url=db_url,
                           isolated=isolated, kit=kit)


def result_of(graded, case: Case) -> dict:
    """The row of `case`, wherever it was graded; fails if its batch crashed or hung."""
    if not case.isolated:
        return graded.rows[case.name]
    batch = graded.isolated.get(case.name)
    assert batch is not None, (
        f"the batch holding {case.name} did not finish within {PROBE_LIMIT_S} s of the one "
        "before it: the grader hung")
    assert "error" not in batch, f"the batch holding {case.name} crashed: {batch['error']}"
    ada = batch["rows"].get("ada")
    assert ada and ada["status"] == "graded" and ada["score"] == FULL, (
        f"the well-formed notebook graded beside {case.name} did not get full marks: {ada}")
    return batch["rows"][case.name]


def case_params():
    return [pytest.param(case, id=case.name,
                         marks=[pytest.mark.xfail(strict=True, reason=f"grader bug: {case.bug}")]
                         if case.bug else [])
            for case in CASES]


# --- the checks ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", case_params())
def test_each_case_gets_exactly_its_score(graded, case):
    if case.kind in ("problem", "extra_path"):
        found = [problem for problem in graded.report.problems if case.name in problem.label]
        assert len(found) == 1, graded.report.problems
        for text in case.notes:
            assert text in found[0].reason, found[0].reason
        assert case.name not in graded.rows
        return
    row = result_of(graded, case)
    assert row["status"] == case.status, row
    assert row["score"] == case.score, (
        f"{case.name} should score {case.score}, got {row['score']}: {row['points']} "
        f"({row['reason']})")
    if case.score is not None:
        assert row["max_score"] == FULL
        assert sum(row["points"].values()) == row["score"]
    else:
        assert row["reason"], "a notebook that is not graded needs a reason"
    for text in case.notes:
        assert text in row["reason"], f"{text!r} not in the notes: {row['reason']!r}"
    if case.clean:
        assert row["reason"] == "", row["reason"]
    for grade_id, text in case.messages.items():
        assert row["points"][grade_id] == 0.0, (grade_id, row["points"])
        assert text in row["messages"][grade_id], (grade_id, row["messages"][grade_id])


def test_the_batch_finished_in_bounded_time_and_graded_everyone(graded):
    assert graded.seconds < BATCH_LIMIT_S, f"the batch took {graded.seconds:.0f} s"
    expected = {case.name for case in CASES
                if not case.isolated and case.kind in ("notebook", "zip")}
    assert set(graded.rows) == expected
    problems = [case for case in CASES if case.kind in ("problem", "extra_path")]
    assert len(graded.report.problems) == len(problems), graded.report.problems
    with open(graded.base / "results" / "grades.csv") as handle:
        students = {line.split(",")[0] for line in handle.read().splitlines()[1:]}
    assert expected <= students


def test_feedback_shows_points_and_failures_but_no_hidden_test(graded):
    secrets = secret_lines(graded.kit.source)
    assert secrets, "the chapter should have hidden tests and solutions to protect"
    pages = sorted((graded.base / "results" / "feedback").rglob("*.html"))
    assert len(pages) == len(graded.rows)
    for page in pages:
        html = page.read_text()
        markers = [marker.lstrip("# ") for marker in notebook_format.MARKERS]
        assert not any(marker in html for marker in markers), page
        leaked = [line for line in secrets if line in html or escape(line) in html]
        assert not leaked, f"{page} shows hidden lines: {leaked}"
    for student in ("wrong_sigmoid", "hidden_only_sigmoid"):
        row = graded.rows[student]
        html = (graded.base / "results" / "feedback" / student / NOTEBOOK.assignment
                / f"{NOTEBOOK.name}.html").read_text()
        assert "Score: 6 / 10" in html
        for grade_id, points in row["points"].items():
            maximum = graded_test_cells(graded.kit.source)[grade_id].metadata.nbgrader["points"]
            assert f"<td>{points:g} / {maximum:g}</td>" in html, (student, grade_id)
        assert escape(row["messages"]["test_ex1_1_sigmoid"]) in html
    hidden_failure = graded.rows["hidden_only_sigmoid"]["messages"]["test_ex1_1_sigmoid"]
    assert "should be" not in hidden_failure and "expit" not in hidden_failure


def test_learner_code_cannot_touch_the_gradebook_or_the_work_dir(graded):
    assert not list(graded.base.rglob(MARKER)), "a learner wrote outside the sandbox"
    assert not (ROOT / "autograder" / MARKER).exists()
    connection = sqlite3.connect(graded.base / "gradebook.db")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    store = GradeStore(graded.db_url)
    try:
        for student, row in graded.rows.items():
            if row["status"] != "graded":
                continue
            scores = store.scores(NOTEBOOK.assignment, student)
            assert scores == row["points"], (student, scores, row["points"])
    finally:
        store.close()


def test_a_segfault_is_named_in_the_feedback(graded):
    assert "segmentation fault" in graded.rows["segfault_at_top_level"]["reason"]


def test_an_nbformat_3_notebook_is_told_to_convert(graded):
    assert "format 3" in graded.rows["nbformat_3"]["reason"]


# --- skipping demonstrations changes no score (issue 21) -----------------------------------

@pytest.fixture(scope="module")
def graded_all_cells(graded, tmp_path_factory):
    """The main batch's notebooks in which grading left unchanged demonstrations out,
    graded again with every cell run (`--run-demonstrations`), built afresh the same way."""
    from autograder.demonstrations import released_checksums, runnable_cells

    base = tmp_path_factory.mktemp("adversarial-all-cells")
    listener = socket.create_server(("127.0.0.1", 0))
    kit = Kit(read(NOTEBOOK.release), read(NOTEBOOK.source), base,
              port=listener.getsockname()[1])
    released, chosen = released_checksums(kit.learner), []
    try:
        for case in CASES:
            if case.isolated or case.kind != "notebook" or case.bug:
                continue
            content = case.build(kit)
            if not isinstance(content, nbformat.NotebookNode) or \
                    not runnable_cells(content, released)[1]:
                continue  # nothing is skipped: the same cells run either way
            write_submission(base / "submissions", case.name, content, case.filename)
            chosen.append(case.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = grade_paths([base / "submissions"], base / "results", base / "work",
                                 db_url=f"sqlite:///{base / 'gradebook.db'}", jobs=2,
                                 limits=Limits(**LIMITS), skip_demonstrations=False)
    finally:
        listener.close()
    return chosen, {row.student: summary(row) for row in report.rows}


def test_the_hostile_corpus_scores_the_same_with_every_cell_run(graded, graded_all_cells):
    chosen, rows = graded_all_cells
    assert len(chosen) >= 20, f"only {len(chosen)} cases skip a demonstration: {chosen}"
    for name in chosen:
        skipped, everything = graded.rows[name], rows[name]
        assert (everything["status"], everything["score"], everything["points"]) == (
            skipped["status"], skipped["score"], skipped["points"]), (
            f"{name}: {everything['reason']!r} against {skipped['reason']!r}")
