"""Generate the learner notebooks (`chapters/`) from the instructor notebooks (`solutions/`).

    python -m autograder.release            # every chapter
    python -m autograder.release 01_neuron  # one chapter

This is the only way `chapters/` should change: nbgrader's `generate_assignment`
replaces solutions with stubs, removes hidden tests and clears the outputs of solution
and test cells, keeping figures and printed results. A chapter whose `demonstration`
cells could change a score is refused (autograder.demonstrations).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder import demonstrations
from autograder.course import (
    CHAPTERS_DIR,
    CourseConfigError,
    assignments,
    course_notebooks,
    load_config,
)
from dlbook.notebook_format import read_notebook


class ReleaseError(RuntimeError):
    """nbgrader could not generate a learner notebook."""


def check_demonstrations(assignment_id: str) -> None:
    """Refuse to release a chapter whose demonstration tags could change a score: the
    grader leaves those cells out (autograder.demonstrations).

    Raises:
        ReleaseError: the problems, one per line.
    """
    for notebook in course_notebooks():
        if notebook.assignment == assignment_id:
            found = demonstrations.problems(read_notebook(notebook.source))
            if found:
                raise ReleaseError(
                    f"could not release {assignment_id}: its demonstration cells could "
                    f"change a score:\n" + "\n".join(f"  {problem}" for problem in found))


def release(assignment_ids: list[str], destination: Path = CHAPTERS_DIR) -> None:
    """Write the learner version of each assignment to `destination/<assignment>/`.

    A throwaway gradebook is used, so releasing never touches the real one.

    Raises:
        ReleaseError: nbgrader failed; its log is in the message.
    """
    with tempfile.TemporaryDirectory(prefix="dlbook-release-") as scratch:
        config = load_config(
            CourseDirectory={
                "release_directory": str(Path(destination).resolve()),
                "db_url": f"sqlite:///{Path(scratch) / 'release.db'}",
            }
        )
        api = NbGraderAPI(config=config)
        for assignment_id in assignment_ids:
            check_demonstrations(assignment_id)
            result = api.generate_assignment(assignment_id, force=True, create=True)
            if not result["success"]:
                raise ReleaseError(
                    f"could not release {assignment_id}:\n{result.get('error', '')}\n"
                    f"{result.get('log', '')}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="chapter ids (default: all)")
    args = parser.parse_args(argv)
    known = assignments()
    chosen = args.assignments or known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        print(f"error: unknown chapter(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    try:
        release(chosen)
    except (CourseConfigError, ReleaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"released {', '.join(chosen)} into {CHAPTERS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
