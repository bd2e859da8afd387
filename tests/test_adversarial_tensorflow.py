"""Chapter 8 submissions that cheat or break: TensorFlow code is graded by values too.

The chapter's tests call course checks (`dlbook.tf_checks`) that run next to the
learner's code in the sandbox and send back only arrays (and traced graphs, which the
trusted process reads and re-runs: `autograder.tf_inspect`); the references (TensorFlow's
automatic differentiation, NumPy formulas) are computed in the trusted process. So a
forged tensor, a monkeypatched TensorFlow or NumPy inside the sandbox, or a training
loop that never ends costs exactly the exercises it touches.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
import textwrap

import nbformat
import pytest
from catalogue import CATALOGUE_DIR, wrong_answer
from notebook_tools import filled_in, read, solution_cells, without_markers

from autograder.course import ROOT, Notebook
from autograder.grade import grade_paths
from autograder.sandbox import Limits, bwrap_available

NOTEBOOK = Notebook("08_capstone", "capstone")
POINTS = {"test_ex8_1_dense": 3, "test_ex8_2_softmax_cross_entropy": 3,
          "test_ex8_3_CustomDense": 2, "test_ex8_4_build_model": 1, "test_ex8_5_train_tf": 3}
# A cell or call may take up to 60 s: the chapter imports TensorFlow and trains twice on
# MNIST, which a busy 2-core machine can slow past 20 s.
LIMITS = Limits(budget_s=480.0, call_s=60.0, memory_bytes=6 * 2**30)

NO_SANDBOX = bwrap_available()


def _accepted():
    spec = importlib.util.spec_from_file_location("ch08_catalogue",
                                                  CATALOGUE_DIR / "ch08_capstone.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ACCEPTED


ACCEPTED = _accepted()


def _with_answer(notebook, grade_id: str, code: str):
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = textwrap.dedent(code)
    return notebook


def _cases() -> dict[str, tuple[nbformat.NotebookNode, dict[str, int]]]:
    learner, source = read(NOTEBOOK.release), read(NOTEBOOK.source)
    reference = filled_in(learner, source)
    dense = without_markers(solution_cells(source)["ex8_1_dense"].source)
    lost = {name: 0 for name in POINTS}
    cases = {"reference": (reference, {})}
    # An object that claims to be a tensor, equal to everything, is not an array.
    cases["forged_tensor"] = (_with_answer(reference, "ex8_1_dense", '''
        import numpy as np

        class Tensor:
            __module__ = "tensorflow.python.framework.ops"
            shape = (4, 2)
            def numpy(self):
                return self
            def __eq__(self, other):
                return True
            def __array__(self, dtype=None, copy=None):
                return np.zeros(self.shape)

        def dense(x, W, b):
            return Tensor()
        '''), {"test_ex8_1_dense": 0, "test_ex8_3_CustomDense": 0, "test_ex8_4_build_model": 0})
    # A wrong forward pass with NumPy's and TensorFlow's comparison helpers patched in the
    # sandbox: the comparisons happen outside it.
    cases["patched_comparisons"] = (_with_answer(reference, "ex8_1_dense", dense.replace(
        "z = tf.nn.bias_add(tf.matmul(x, W), b)",
        "z = tf.nn.bias_add(tf.matmul(x, W), b) + 1") + textwrap.dedent('''

        import numpy as np
        np.allclose = np.array_equal = lambda *args, **kwargs: True
        tf.debugging.assert_near = lambda *args, **kwargs: None
        ''')), {"test_ex8_1_dense": 0, "test_ex8_3_CustomDense": 0, "test_ex8_4_build_model": 0})
    # Right values without the skill: the graph the checks trace shows how they were made,
    # and it is read in the trusted process. (Plain wrong answers, like a built-in loss or
    # an eager training loop, are the wrong-answer catalogue's: autograder/mistakes.)
    cases["autodiff_dense"] = (_with_answer(reference, "ex8_1_dense", wrong_answer(
        NOTEBOOK.assignment, "ex8_1_dense", "no tf.custom_gradient")),
        {"test_ex8_1_dense": 0, "test_ex8_3_CustomDense": 0})
    # Autodiff under another name (tf.gradients(..., name="backward") in graphs, a tape
    # eagerly): the values are right, but TensorFlow's own gradient rules refuse to run
    # while the checks differentiate it in the sandbox.
    cases["named_autodiff_dense"] = (_with_answer(reference, "ex8_1_dense", wrong_answer(
        NOTEBOOK.assignment, "ex8_1_dense", "grad calls tf.gradients under another name")),
        {"test_ex8_1_dense": 0, "test_ex8_3_CustomDense": 0})
    # Right answers written another way (a fused BiasAddGrad for db, tf.math.reciprocal
    # for 1/B) earn every point.
    variants = {variant.exercise: variant.source for variant in ACCEPTED
                if variant.variant.startswith(("db with", "1/B as"))}
    cases["accepted_variants"] = (_with_answer(_with_answer(
        reference, "ex8_1_dense", variants["ex8_1_dense"]), "ex8_2_softmax_cross_entropy",
        variants["ex8_2_softmax_cross_entropy"]), {})
    # Autodiff, with the course's checks patched inside the sandbox so that the traced
    # graph shows a custom gradient (whose gradient is zero) and TensorFlow's gradient
    # rules are never refused: the graph is read and re-run in the trusted process, which
    # is not patched, and its values are wrong (the patched check also spoils the learner's
    # own softmax_cross_entropy, whose graph it traces too).
    cases["patched_graph_checks"] = (_with_answer(reference, "ex8_1_dense", '''
        import contextlib

        import dlbook.tf_checks as checks

        def dense(x, W, b):
            return tf.matmul(x, W) + b

        real = checks.gradient_graph.check

        def forged(function, inputs, upstream=None):
            @tf.custom_gradient
            def wrapped(*args):
                return function(*args), lambda up: [tf.zeros_like(arg) for arg in args]

            return real(wrapped, inputs, upstream)

        checks.gradient_graph.check = forged
        checks.refusing_autodiff = lambda allowed=frozenset(): contextlib.nullcontext()
        '''), {"test_ex8_1_dense": 0, "test_ex8_2_softmax_cross_entropy": 0,
               "test_ex8_3_CustomDense": 0})
    # A training loop that never returns is stopped after the per-call limit.
    cases["endless_training"] = (_with_answer(reference, "ex8_5_train_tf", '''
        def train_tf(model, X, y, *, epochs, lr, batch_size, seed=1):
            while True:
                pass
        '''), {"test_ex8_5_train_tf": 0})
    # Mixed precision switched on and left on by the learner: graded in float32 all the same.
    left_on = copy.deepcopy(reference)
    left_on.cells.append(nbformat.v4.new_code_cell(
        'keras.mixed_precision.set_global_policy("mixed_float16")'))
    cases["mixed_precision_left_on"] = (left_on, {})
    cases["blank"] = (learner, lost)
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial_tf")
    cases = _cases()
    for student, (notebook, _) in cases.items():
        path = tmp / "submissions" / student / NOTEBOOK.filename
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    report = grade_paths([tmp / "submissions"], tmp / "out", tmp / "work",
                         f"sqlite:///{tmp / 'gradebook.db'}", jobs=2, limits=LIMITS)
    return cases, {row.student: row for row in report.rows}


@pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")
@pytest.mark.parametrize("student", list(_cases()))
def test_each_submission_scores_exactly_what_it_earned(graded, student):
    cases, rows = graded
    row = rows[student]
    assert row.status == "graded", row.reason
    expected = {**POINTS, **cases[student][1]}
    scored = {outcome.grade_id: outcome.points for outcome in row.verdict.outcomes}
    assert scored == expected, row.exercises


@pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")
def test_a_training_loop_that_never_ends_is_reported_as_too_slow(graded):
    _, rows = graded
    messages = [o.message for o in rows["endless_training"].verdict.outcomes if o.message]
    assert any("Exercise 8.5" in message and "not graded" in message for message in messages) \
        or any("longer than" in message for message in messages), messages


def test_the_worker_runs_only_course_checks():
    """A call may name a check of the course (a `dlbook` function marked as one), and
    nothing else: not the standard library, not an unmarked course function."""
    sys.path.insert(0, str(ROOT / "autograder"))
    try:
        import worker
    finally:
        sys.path.remove(str(ROOT / "autograder"))
    from dlbook import tf_checks

    assert worker._course_check("dlbook.tf_checks:gradients") is tf_checks.gradients.check
    for path in ["os:system", "dlbook.data:load_mnist", "dlbook.tf_checks:_numpy",
                 "dlbook.tf_checks", "builtins:eval", "dlbook.tf_checks:refusing_autodiff",
                 "autograder.tf_inspect:read_graph",
                 "dlbook.nowhere:gradients", "dlbook.tf_checks:gradients.check"]:
        with pytest.raises(NameError, match="not a check of the course"):
            worker._course_check(path)
