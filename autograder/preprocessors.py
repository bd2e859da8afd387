"""nbconvert preprocessors used when releasing learner notebooks."""

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class ClearGradedOutputs(NbGraderPreprocessor):
    """Clear the outputs of solution and test cells; keep every other output.

    Figures and printed results stay so the learner and the website see them, while
    the outputs that would reveal an answer (those of solution cells and test cells)
    go. Execution counts are cleared everywhere so a released notebook looks unrun.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code":
            return cell, resources
        cell.execution_count = None
        if utils.is_solution(cell) or utils.is_grade(cell):
            cell.outputs = []
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = None
        return cell, resources
