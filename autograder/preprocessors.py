"""nbconvert preprocessors used when releasing learner notebooks."""

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from dlbook.notebook_format import is_solution_cell, nbgrader_info


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
        if is_solution_cell(cell) or nbgrader_info(cell).get("grade"):
            cell.outputs = []
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = None
        return cell, resources
