"""The course is a real package, its lock is a real lock, and the repository URL has one home.

- pyproject.toml's dependencies and extras are satisfied by the lock's exact versions
  (so `make setup`, which installs the lock and then the package without dependencies,
  gives what `pip install .` promises), and the wheel holds both packages and the
  console scripts `dlbook-check` and `dlbook-grade`.
- requirements.txt is uv's resolution of requirements.in: every direct pin is in it at
  that version, and every entry carries hashes.
- The repository URL is written once, in _config.yml; the notebooks' launch cells are
  generated from it (tools/launch_cell.py --check).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.course import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def lock() -> dict[str, dict]:
    """name -> {"version": ..., "hashes": n} for every entry of requirements.txt."""
    entries, current = {}, None
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line):
            current = canonicalize_name(match[1])
            entries[current] = {"version": match[2], "hashes": 0}
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current]["hashes"] += 1
    return entries


def direct_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def test_the_lock_pins_every_direct_dependency_with_hashes():
    locked = lock()
    assert len(locked) > 100
    for name, version in direct_pins().items():
        assert name in locked, f"{name} is in requirements.in but not in the lock (make lock)"
        assert locked[name]["version"] == version, f"{name}: make lock"
    unhashed = [name for name, entry in locked.items() if not entry["hashes"]]
    assert not unhashed, f"entries without hashes: {unhashed}"
    header = (ROOT / "requirements.txt").read_text().splitlines()[:2]
    assert "uv pip compile requirements.in --generate-hashes" in header[1]


@pytest.mark.parametrize("extra", [None, "cpu", "grader", "tests"])
def test_pyproject_dependencies_are_satisfied_by_the_lock(extra):
    locked = lock()
    declared = PYPROJECT["dependencies"] if extra is None else (
        PYPROJECT["optional-dependencies"][extra])
    for spec in declared:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        if name == "dlbook":  # an extra that pulls in other extras
            continue
        assert name in locked, f"{spec}: not in the lock"
        assert requirement.specifier.contains(locked[name]["version"]), (
            f"{spec}: the lock has {locked[name]['version']}")


def test_the_gpu_extra_accepts_the_locked_tensorflow():
    (tensorflow,) = [Requirement(spec) for spec in PYPROJECT["optional-dependencies"]["gpu"]
                     if spec.startswith("tensorflow")]
    assert tensorflow.extras == {"and-cuda"}
    assert tensorflow.specifier.contains(lock()["tensorflow-cpu"]["version"])


def test_console_scripts_name_functions_that_exist():
    import importlib

    scripts = PYPROJECT["scripts"]
    assert set(scripts) == {"dlbook-check", "dlbook-grade"}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), target


def test_the_wheel_holds_both_packages_and_the_scripts(tmp_path):
    uv = Path(sys.executable).with_name("uv")
    result = subprocess.run([str(uv), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path),
                             str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("dlbook-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("dlbook/previous.py", "autograder/check.py", "autograder/grade.py",
                   "autograder/nbgrader_config.py", "autograder/mistakes/ch01_neuron.py",
                   "autograder/probes/chapters_9_10.py"):
        assert needed in names, f"{needed} missing from the wheel"
    assert not any(name.startswith(("tests/", "solutions/", "chapters/")) for name in names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "dlbook-check = autograder.check:main" in text
    assert "dlbook-grade = autograder.grade:main" in text


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def test_the_repository_url_is_written_once():
    url = repository_url()
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True).stdout.split()
    # Notebooks carry it in their generated launch cell; tools/launch_cell.py writes it.
    mentions = [name for name in tracked if not name.endswith(".ipynb")
                and (ROOT / name).is_file() and url in (ROOT / name).read_text(errors="ignore")]
    assert mentions == ["_config.yml"], mentions


def test_every_notebook_has_its_launch_cells_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "launch_cell.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, (
        f"run `python tools/launch_cell.py` then `python -m autograder.release`:\n"
        f"{result.stdout}")


def third_party_imports() -> set[str]:
    """Top-level modules that the course's notebooks and `dlbook` import, outside the
    standard library and the course itself."""
    import ast

    import nbformat

    sources = [cell.source for path in sorted((ROOT / "solutions").glob("*/*.ipynb"))
               for cell in nbformat.read(path, as_version=4).cells
               if cell.cell_type == "code" and not cell.metadata.get("dlbook", {}).get("launch")]
    sources += [path.read_text() for path in (ROOT / "dlbook").glob("*.py")]
    found = set()
    for source in sources:
        try:
            tree = ast.parse("\n".join(line for line in source.splitlines()
                                       if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"dlbook", "autograder", "google"}


def test_the_launch_cell_installs_every_module_the_notebooks_need():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import launch_cell
    finally:
        sys.path.remove(str(ROOT / "tools"))
    needed = third_party_imports()
    assert needed >= {"numpy", "scipy", "tensorflow"}, needed
    assert needed - launch_cell.PREINSTALLED == set(launch_cell.MODULES), (
        "tools/launch_cell.py MODULES must list what a bare Python with NumPy, Matplotlib "
        f"and TensorFlow lacks: {sorted(needed - launch_cell.PREINSTALLED)}")
    declared = {canonicalize_name(Requirement(spec).name) for spec in
                PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["cpu"]}
    distributions = {**{module: module for module in needed}, "tensorflow": "tensorflow-cpu"}
    missing = {module for module in needed if canonicalize_name(distributions[module])
               not in declared}
    assert not missing, f"pyproject.toml does not declare {missing}"
