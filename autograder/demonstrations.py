"""Demonstration cells: what the author shows, which grading and the check need not run.

An author tags a plain code cell of an instructor notebook `demonstration` when it only
shows things (a figure, a training run, a printed table): nothing a test, an answer or
another cell needs comes from it. The tag is carried into the release and kept on the
website. When a notebook is graded or checked, a learner cell that carries the tag and
whose source is unchanged from a released demonstration is not run (`runnable_cells`);
a demonstration the learner edited, every cell the learner added, every answer and every
given cell still run, in order.

Scores cannot change because `problems` refuses, at release time, a tagged cell that

- binds a name that a cell which is not a demonstration reads (an answer's body, a test,
  a given cell), wherever in the notebook that cell is;
- changes state that the tests could observe: a global random generator, NumPy's error
  state, matplotlib's backend, the working folder, the environment, warning filters,
  TensorFlow's or Keras's global settings, or an object it did not create itself (an
  assignment to an item or attribute, or a mutating method, of a name it did not bind;
  in a function it defines, of a name that is not the function's own local: parameters
  and a comprehension's variables may be any cell's objects);
- declares `global`/`nonlocal`, uses IPython magics or shell escapes, or cannot be parsed.

The analysis is static and conservative: it may refuse a harmless cell, never accept one
that feeds a later cell. The tests also grade every chapter's round-trip notebook and
the hostile corpus with skipping on and off and compare the points
(tests/test_grading_roundtrip.py, tests/test_adversarial.py, tests/test_demonstrations.py).
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable

import nbformat

from dlbook import notebook_format as fmt

TAG = "demonstration"

# Calls that change process-wide state a test could observe, by their dotted name as
# written (module aliases as the course writes them: np, plt, tf, keras, os, sys).
STATE_CHANGING_CALLS = {
    "np.seterr", "np.seterrcall", "np.setbufsize", "np.set_printoptions",
    "matplotlib.use", "plt.switch_backend", "plt.rcParams.update", "matplotlib.rcParams.update",
    "plt.style.use", "os.chdir", "os.putenv", "os.unsetenv", "os.environ.update",
    "os.environ.pop", "os.environ.setdefault", "sys.path.append", "sys.path.insert",
    "sys.setrecursionlimit", "warnings.filterwarnings", "warnings.simplefilter",
    "warnings.resetwarnings", "random.seed", "tf.random.set_seed",
    "keras.utils.set_random_seed", "tf.keras.utils.set_random_seed",
    "keras.mixed_precision.set_global_policy", "tf.keras.mixed_precision.set_global_policy",
    "keras.config.set_floatx", "keras.backend.set_floatx", "tf.config.run_functions_eagerly",
    "tf.config.optimizer.set_jit", "tf.config.set_visible_devices",
    "tf.config.experimental.set_memory_growth",
    "tf.config.threading.set_intra_op_parallelism_threads",
    "tf.config.threading.set_inter_op_parallelism_threads",
}
# NumPy's legacy global generator: any np.random.<function> but these constructors.
NUMPY_RANDOM_CONSTRUCTORS = {"default_rng", "Generator", "PCG64", "PCG64DXSM", "Philox",
                             "SFC64", "MT19937", "SeedSequence", "BitGenerator"}
# Python's `random` module functions draw from its global generator.
MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
                    "setdefault", "popitem", "sort", "reverse", "add", "discard",
                    "fill", "resize", "put", "itemset", "setflags", "partition",
                    "assign", "assign_add", "assign_sub", "set_weights", "fit",
                    "train_on_batch", "compile", "build", "__setitem__", "__setattr__"}


def checksum(source: str) -> str:
    """The fingerprint of a cell's source that decides "unchanged from the release"."""
    normalised = "\n".join(line.rstrip() for line in source.strip().splitlines())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def is_demonstration(cell) -> bool:
    """A plain code cell tagged `demonstration`."""
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return fmt.is_plain_code(cell) and isinstance(tags, list) and TAG in tags


def released_checksums(release: nbformat.NotebookNode) -> frozenset[str]:
    """The checksums of the demonstrations of a released (learner) notebook."""
    return frozenset(checksum(fmt.source_of(cell)) for cell in release.cells
                     if is_demonstration(cell))


# --- static analysis ----------------------------------------------------------------------

def _python(source: str) -> ast.Module:
    """The cell as Python; IPython syntax (magics, `!commands`) is refused."""
    return ast.parse(source)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _target_names(target: ast.AST) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_target_names(element) for element in target.elts))
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def _statement_binds(statement: ast.stmt) -> set[str]:
    """Module-level names one top-level statement binds (including in its blocks)."""
    bound: set[str] = set()
    for node in _walk_module_level(statement):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.Assign,)):
            for target in node.targets:
                bound |= _target_names(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            bound |= _target_names(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            bound |= _target_names(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    bound |= _target_names(item.optional_vars)
        elif isinstance(node, ast.NamedExpr):
            bound |= _target_names(node.target)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _walk_module_level(node: ast.AST) -> Iterable[ast.AST]:
    """Every node of a top-level statement, not descending into function or class bodies
    or comprehensions (their names are their own), but yielding the definitions."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                         ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_module_level(child)


def _scope_locals(function: ast.AST) -> set[str]:
    """Names local to a function, lambda or comprehension: parameters and assignments."""
    names: set[str] = set()
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = function.args
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                         arguments.vararg, arguments.kwarg):
            if argument is not None:
                names.add(argument.arg)
    if isinstance(function, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        for generator in function.generators:
            names |= _target_names(generator.target)
    body = getattr(function, "body", [])
    for statement in body if isinstance(body, list) else []:
        names |= _statement_binds(statement)
    return names


def reads(source: str) -> tuple[set[str], set[str]]:
    """Names a cell takes from the notebook's other cells (approximately, erring towards
    more): those it reads while it runs, before binding them itself, and those the
    functions it defines read when they are called later (at test time, say).

    A block (a loop's body, a branch, a `with` or `try` body) is read statement by
    statement: a name it reads after a statement of the same block that surely binds it
    is its own; one read before that, or bound only in a branch or a loop, may come
    from another cell (a loop's first pass, a branch not taken)."""
    module = _python(source)
    now: set[str] = set()
    later: set[str] = set()

    def visit(node: ast.AST, local: set[str], deferred: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp,
                             ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for default in getattr(getattr(node, "args", None), "defaults", []) or []:
                visit(default, local, deferred)
            for default in getattr(getattr(node, "args", None), "kw_defaults", []) or []:
                if default is not None:
                    visit(default, local, deferred)
            for decorator in getattr(node, "decorator_list", []):
                visit(decorator, local, deferred)
            inner = local | _scope_locals(node)
            body_deferred = deferred or not isinstance(
                node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.arguments):
                    visit(child, inner, body_deferred)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in local:
                (later if deferred else now).add(node.id)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and (
                node.target.id not in local):  # x += 1 reads x first
            (later if deferred else now).add(node.target.id)
        for child in ast.iter_child_nodes(node):
            visit(child, local, deferred)

    def block(statements: list[ast.stmt], bound: set[str]) -> set[str]:
        """Visit a block in order; return what it surely binds when it runs to its end."""
        bound = set(bound)
        for statement in statements:
            bound |= one(statement, bound)
        return bound

    def one(statement: ast.stmt, bound: set[str]) -> set[str]:
        """Visit one statement; return the names it surely binds."""
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            visit(statement.iter, bound, False)
            visit(statement.target, bound, False)  # a[i] as a target reads a and i
            block(statement.body, bound | _target_names(statement.target))
            block(statement.orelse, bound)
            return set()
        if isinstance(statement, ast.While):
            visit(statement.test, bound, False)
            block(statement.body, bound)
            block(statement.orelse, bound)
            return set()
        if isinstance(statement, ast.If):
            visit(statement.test, bound, False)
            return block(statement.body, bound) & block(statement.orelse, bound)
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            names: set[str] = set()
            for item in statement.items:
                visit(item.context_expr, bound | names, False)
                if item.optional_vars is not None:
                    visit(item.optional_vars, bound | names, False)
                    names |= _target_names(item.optional_vars)
            return block(statement.body, bound | names) - bound | names
        if isinstance(statement, ast.Try):
            body = block(statement.body, bound)
            for handler in statement.handlers:
                if handler.type is not None:
                    visit(handler.type, bound, False)
                block(handler.body, bound | ({handler.name} if handler.name else set()))
            block(statement.orelse, body)
            return block(statement.finalbody, bound) - bound
        visit(statement, bound, False)
        return surely_binds_statement(statement)

    block(module.body, set())
    return now, later


def free_reads(source: str) -> set[str]:
    """Every name a cell may take from the notebook's other cells (see `reads`)."""
    now, later = reads(source)
    return now | later


def surely_binds_statement(statement: ast.stmt) -> set[str]:
    """Names one statement binds whenever it runs to its end: an assignment, a
    definition or an import (not a loop, a branch or a `try`, which may not)."""
    if isinstance(statement, ast.AnnAssign) and statement.value is None:
        return set()
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.FunctionDef,
                              ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                              ast.ImportFrom)):
        return _statement_binds(statement)
    return set()


def surely_binds(source: str) -> set[str]:
    """Names a cell binds whenever it runs to the end: its top-level assignments,
    definitions and imports (not those inside an `if`, a loop or a `try`)."""
    return set().union(*(surely_binds_statement(statement)
                         for statement in _python(source).body))


def binds(source: str) -> set[str]:
    """Module-level names a cell binds."""
    return set().union(*(_statement_binds(statement) for statement in _python(source).body))


def _parameters(node: ast.AST) -> set[str]:
    """A function's or lambda's parameters, or a comprehension's loop variables: names
    bound to objects from outside the scope (even where the body rebinds them)."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return set().union(*(_target_names(generator.target)
                             for generator in node.generators))
    arguments = node.args
    return {argument.arg for argument in (*arguments.posonlyargs, *arguments.args,
                                          *arguments.kwonlyargs, arguments.vararg,
                                          arguments.kwarg) if argument is not None}


def _scoped_nodes(module: ast.Module, own: set[str]) -> Iterable[tuple[ast.AST, set[str]]]:
    """Every node of the cell with the names it may change freely there: at the top
    level, the names the cell binds; in a function (or comprehension) it defines, also
    the function's own local names, but not its parameters (or loop variables), which
    may be any object, another cell's included."""
    stack = [(module, own)]
    while stack:
        node, names = stack.pop()
        yield node, names
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp,
                             ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            parameters = _parameters(node)
            names = (names | _scope_locals(node)) - parameters
        stack.extend((child, names) for child in ast.iter_child_nodes(node))


def state_changes(source: str) -> list[str]:
    """What in a cell changes state outside the names it binds itself, in words."""
    module = _python(source)
    own = binds(source)
    created = set().union(*(_statement_binds(statement) for statement in module.body
                            if not isinstance(statement, ast.AugAssign)))
    found = []
    for node, mine in _scoped_nodes(module, own):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and (
                node.target.id not in (created if mine is own else mine)):
            found.append(f"changes {node.target.id} in place, which it did not create")
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            found.append(f"declares {type(node).__name__.lower()} "
                         f"{', '.join(node.names)}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in STATE_CHANGING_CALLS:
                found.append(f"calls {name}")
            elif name and name.startswith("np.random.") and (
                    name.split(".")[2] not in NUMPY_RANDOM_CONSTRUCTORS):
                found.append(f"draws from NumPy's global generator ({name})")
            elif name and name.startswith("random.") and name.count(".") == 1:
                found.append(f"draws from Python's global generator ({name})")
            elif isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
                root = _root(node.func.value)
                if root is not None and root not in mine:
                    found.append(f"calls .{node.func.attr}() on {root}, which it did not "
                                 "create")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (node.targets if isinstance(node, (ast.Assign, ast.Delete))
                       else [node.target])
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, (ast.Subscript, ast.Attribute)) and isinstance(
                            getattr(element, "ctx", None), (ast.Store, ast.Del)):
                        root = _root(element)
                        if root is not None and root not in mine:
                            found.append(f"changes {root}, which it did not create")
                if isinstance(node, ast.Delete) and mine is own:
                    found += [f"deletes {name}" for name in _target_names(target)]
    return found


def _analyse(notebook: nbformat.NotebookNode) -> tuple[list, list[str]]:
    """One entry per code cell: (index, demonstration?, binds, surely binds, reads now,
    reads later, state changes); and the cells that could not be analysed."""
    cells, unreadable = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if TAG in tags and not fmt.is_plain_code(cell):
            unreadable.append(f"cell {index}: an answer or test cell cannot be a demonstration")
            continue
        try:
            now, later = reads(cell.source)
            cells.append((index, is_demonstration(cell), binds(cell.source),
                          surely_binds(cell.source), now, later, state_changes(cell.source)))
        except SyntaxError as error:
            where = "a demonstration" if is_demonstration(cell) else "a cell"
            unreadable.append(f"cell {index}: {where} that is not plain Python cannot be "
                              f"analysed ({error.msg})")
    return cells, unreadable


def _conflicts(cells: list, demonstration: set[int]) -> list[tuple[int, str]]:
    """Reads by cells outside `demonstration` of names a cell inside it binds: (the
    binding cell's index, what is wrong)."""
    found = []
    for position, (index, _, _, _, now, later, _) in enumerate(cells):
        if index in demonstration:
            continue
        for other, _, bound, _, _, _, _ in cells:
            if other in demonstration and bound & later:
                found.append((other, f"cell {other} (demonstration) binds "
                              f"{', '.join(sorted(bound & later))}, which functions of cell "
                              f"{index} read when they are called"))
        for name in sorted(now):
            for earlier in reversed(cells[:position]):
                other, _, bound, sure = earlier[0], earlier[1], earlier[2], earlier[3]
                if name not in bound:
                    continue
                if other in demonstration:
                    found.append((other, f"cell {other} (demonstration) binds {name}, which "
                                  f"cell {index} reads"))
                if name in sure:
                    break
    return found


def unread(notebook: nbformat.NotebookNode, candidates: set[int]) -> set[int]:
    """The largest subset of the code cells `candidates` (indices into notebook.cells)
    that no cell outside the subset takes a name from: cells that can be left out without
    changing what the others compute. (tests/conftest.py leaves out, in the portability
    runs, the demonstrations whose output nbval does not compare.)"""
    cells, _ = _analyse(notebook)
    kept = set(candidates) & {entry[0] for entry in cells}
    while conflicting := {index for index, _ in _conflicts(cells, kept)}:
        kept -= conflicting
    return kept


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Why the notebook's demonstration tags could change a score; [] when they cannot."""
    cells, found = _analyse(notebook)
    demonstration = {entry[0] for entry in cells if entry[1]}
    for index, is_demo, *_, changes in cells:
        if is_demo:
            found += [f"cell {index} (demonstration) {change}" for change in changes]
    return found + [message for _, message in _conflicts(cells, demonstration)]


def suggestions(notebook: nbformat.NotebookNode) -> list[int]:
    """The largest set of plain code cells that could all be tagged without a problem,
    for an author to review; never applied automatically."""
    cells, _ = _analyse(notebook)
    tags = {index: notebook.cells[index].get("metadata", {}).get("tags", [])
            for index, *_ in cells}
    chosen = {index for index, _, _, _, _, _, changes in cells
              if fmt.is_plain_code(notebook.cells[index]) and not changes
              and "remove-cell" not in tags[index]}
    while True:
        conflicts = _conflicts(cells, chosen)
        if not conflicts:
            return sorted(chosen)
        chosen.discard(conflicts[0][0])


# --- grading ------------------------------------------------------------------------------

def runnable_cells(submitted: nbformat.NotebookNode, released: frozenset[str],
                   skip: bool = True) -> tuple[list[str], int]:
    """The code the sandbox runs for a submitted notebook, and how many demonstrations
    were left out: every code cell but the learner's copies of the tests, less the
    demonstrations unchanged from the release. A skipped demonstration that a cell which
    does run reads from (a demonstration the learner edited, say) is run after all.
    Each cell is parsed at most once (a hostile notebook costs the trusted process
    little); a cell that cannot be parsed reads nothing here and fails in the sandbox as
    it would without skipping."""
    cells = [cell for cell in submitted.cells
             if isinstance(cell, dict) and cell.get("cell_type") == "code"
             and not fmt.is_test_cell(cell)]
    sources = [fmt.source_of(cell) for cell in cells]
    skipped = {index for index, cell in enumerate(cells)
               if skip and is_demonstration(cell) and checksum(sources[index]) in released}
    if not skipped:
        return sources, 0

    def analysed(function, source: str) -> set[str]:
        try:
            return function(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return set()

    bound = {index: analysed(binds, sources[index]) for index in skipped}
    reads_of = {index: analysed(free_reads, source) for index, source in enumerate(sources)
                if index not in skipped}
    running = sorted(reads_of)
    while running:
        newly = [candidate for candidate in sorted(skipped)
                 if any(index > candidate and bound[candidate] & reads_of[index]
                        for index in running)]
        if not newly:
            break
        for candidate in newly:
            skipped.discard(candidate)
            reads_of[candidate] = analysed(free_reads, sources[candidate])
        running = newly
    return [source for index, source in enumerate(sources) if index not in skipped], len(skipped)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from autograder.course import course_notebooks

    parser = argparse.ArgumentParser(prog="python -m autograder.demonstrations",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--suggest", action="store_true",
                        help="list the cells that could be tagged, for review")
    args = parser.parse_args(argv)
    failed = False
    for course_notebook in course_notebooks():
        notebook = fmt.read_notebook(course_notebook.source)
        if args.suggest:
            print(f"{course_notebook.assignment}: {suggestions(notebook)}")
        for problem in problems(notebook):
            print(f"{course_notebook.source}: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
