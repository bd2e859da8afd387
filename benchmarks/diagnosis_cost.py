"""What does naming the likely mistake cost the grader? (autograder.diagnosis)

    python benchmarks/diagnosis_cost.py

For a few exercises across the chapters, a notebook with the reference answers and one
catalogued mistake is graded by the grader's engine (`autograder.judge`, sandboxed, all
tests). Printed per case: the trusted side (the reference's and the catalogue's outputs on
the probes, computed once per process: loading the chapter's reference and running every
entry), the learner's side (the probes run in the sandbox for the failing exercise, paid
by every notebook that fails it), the whole grading of the notebook, and the diagnosis
given. Nothing is asserted: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat

from autograder import diagnosis
from autograder.check import sandbox_spec
from autograder.course import course_notebooks
from autograder.intake import read_submitted
from autograder.judge import Judge, load_assignment
from autograder.mistakes import catalogue
from dlbook.notebook_format import parse_notebook

CASES = [("01_neuron", "ex1_1_sigmoid", "float64 constants promote"),
         ("06_sgd", "ex6_5_train", "drops the last, smaller batch of every epoch"),
         ("07_boltzmann", "ex7_7_cd_k", "runs k + 1 Gibbs steps"),
         ("09_convolution", "ex9_7_cnn_loss_and_grads", "gradient of the summed loss"),
         ("10_recurrent", "ex10_5_lstm_backward", "truncates to one step")]


def _with_mistake(assignment: str, exercise: str, mistake: str) -> tuple[Path, object]:
    notebook = next(nb for nb in course_notebooks() if nb.assignment == assignment)
    (wrong,) = [w for w in catalogue()[assignment]
                if w.exercise == exercise and w.mistake.startswith(mistake)]
    learner = nbformat.read(notebook.release, as_version=4)
    answers = {cell.metadata.nbgrader["grade_id"]: cell.source
               for cell in nbformat.read(notebook.source, as_version=4).cells
               if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in learner.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = wrong.source if grade_id == exercise else answers[grade_id]
    path = Path(tempfile.mkdtemp(prefix="diagnosis-cost-")) / notebook.filename
    nbformat.write(learner, path)
    return path, notebook


def main() -> None:
    real = diagnosis.diagnose
    for assignment, exercise, mistake in CASES:
        if assignment not in catalogue():
            continue
        path, notebook = _with_mistake(assignment, exercise, mistake)
        start = time.perf_counter()
        diagnosis.expectations(assignment, exercise)
        trusted = time.perf_counter() - start
        learner: list[float] = []

        def timed(*args, _times=learner):
            begin = time.perf_counter()
            try:
                return real(*args)
            finally:
                _times.append(time.perf_counter() - begin)

        assignment_ = load_assignment(notebook.source, notebook.release)
        judge = Judge(assignment_, sandbox_spec(assignment_, path.parent, isolate=True))
        diagnosis.diagnose = timed
        try:
            start = time.perf_counter()
            verdict = judge.judge(parse_notebook(read_submitted(path), str(path)))
            whole = time.perf_counter() - start
        finally:
            diagnosis.diagnose = real
        named = [o.diagnosis for o in verdict.outcomes if o.diagnosis]
        print(f"{exercise}: trusted side {trusted * 1000:.0f} ms once per process; learner's "
              f"probes {', '.join(f'{t * 1000:.0f}' for t in learner)} ms per failing "
              f"exercise; whole notebook {whole:.1f} s; named: {named}")


if __name__ == "__main__":
    main()
