"""nbgrader settings for the course: where notebooks live and how they are released.

Loaded by `autograder.course.load_config()`, which fails loudly if this file raises
(plain nbgrader would log the error and silently carry on with its defaults).
Set DLBOOK_DB_URL to any SQLAlchemy URL to keep the gradebook elsewhere
(for example a PostgreSQL server); the default is SQLite under autograder/.
"""

import os
from pathlib import Path

from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearSolutions,
    ComputeChecksums,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SaveCells,
)

from autograder.preprocessors import ClearGradedOutputs
from dlbook import notebook_format

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.root = str(HERE.parent)
# A course id is required by databases that enforce foreign keys (PostgreSQL).
c.CourseDirectory.course_id = "dlbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"
c.CourseDirectory.submitted_directory = "autograder/work/submitted"
c.CourseDirectory.autograded_directory = "autograder/work/autograded"
c.CourseDirectory.feedback_directory = "autograder/work/feedback"
c.CourseDirectory.db_url = os.environ.get("DLBOOK_DB_URL", f"sqlite:///{HERE / 'gradebook.db'}")

# Release: nbgrader's own list, with ClearOutput replaced by a preprocessor that clears
# only solution and test cells, so figures and printed results stay in the learner's copy.
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearSolutions,
    ClearGradedOutputs,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]

# The regions nbgrader clears are marked as the rest of the course reads them
# (dlbook.notebook_format: the judge, the check, dlbook.previous and the tests).
c.ClearSolutions.begin_solution_delimeter = notebook_format.SOLUTION_BEGIN
c.ClearSolutions.end_solution_delimeter = notebook_format.SOLUTION_END
c.ClearHiddenTests.begin_test_delimeter = notebook_format.HIDDEN_BEGIN
c.ClearHiddenTests.end_test_delimeter = notebook_format.HIDDEN_END

# Grading: a deleted test cell is put back (and graded) instead of silently ignored.
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 60
