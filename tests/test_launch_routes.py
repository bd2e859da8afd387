"""Every launch button of the website opens a chapter that runs: each route simulated offline.

The website offers three ways to open a chapter without installing anything (the rocket
button of each page, `launch_buttons` in _config.yml). Each is simulated here the way the
service does it, in a fresh environment that holds only what the service installs, with a
kernel of that environment, and chapters 1, 5, 8, 9 and 10 (the first, one that loads four
earlier chapters, the TensorFlow capstone, and the two chapters beyond the fully connected
network, which train with chapter 6's functions) run top to bottom from their learner
versions with the reference answers filled in (the learner's earlier chapters filled in
as well):

- Binder: repo2docker's rules (read from its source, `repo2docker_plan` below) applied to
  this repository's files: which build pack, which Python, which files it installs, in
  what order. The plan is then carried out in a new virtual environment (uv stands in for
  pip: same files, same pins and hashes), on a copy of the repository, the kernel started
  in the notebook's folder.
- JupyterHub: an nbgitpuller link clones the repository into the user's home (its own
  `GitPuller`, the code behind the link, from a local clone of this working tree); the
  hub's image has the course's requirements but not the course package, and the
  notebook's first code cell finds `dlbook` in the pulled folder.
- Colab: a bare Python with NumPy, Matplotlib and TensorFlow, `google.colab` stubbed
  (its `drive.mount` does nothing; Google Drive is a folder here), the kernel started in
  `/content`'s stand-in. The notebook's first cells say what to do: keep the course in
  Drive (the first run clones it there; `git` is pointed at a local clone) and open the
  notebooks from there, which is what the test then does.

The environments are made once per session with uv from its cache; the three routes'
fifteen notebook runs are the bulk of the time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
import yaml
from notebook_tools import filled_in, read

from autograder.course import ROOT, course_notebooks

pytestmark = pytest.mark.routes

CHAPTERS = ["01_neuron", "05_backprop", "08_capstone", "09_convolution", "10_recurrent"]
UV = Path(sys.executable).with_name("uv")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# The packages a bare Colab-like Python starts with (the definition), pinned from
# the lock; ipykernel is what any Jupyter front end runs.
COLAB_PACKAGES = ["numpy", "matplotlib", "tensorflow-cpu", "ipykernel"]
CELL_TIMEOUT = 600


# --- repo2docker, as its source decides (jupyterhub/repo2docker, repo2docker/buildpacks) --

# BuildPacks in repo2docker's order (app.py `buildpacks`); the first whose detect() is true
# builds the image. Each entry: the files (in the binder folder if there is one, else the
# repository's root) that make it win over the Python build pack.
EARLIER_BUILDPACKS = {
    "DockerBuildPack": ["Dockerfile"],
    "JuliaProjectTomlBuildPack": ["Project.toml", "JuliaProject.toml"],
    "JuliaRequireBuildPack": ["REQUIRE"],
    "NixBuildPack": ["default.nix"],
    "RBuildPack": ["install.R"],  # also DESCRIPTION at the root, or runtime.txt r-...
    "CondaBuildPack": ["environment.yml"],
    "PipfileBuildPack": ["Pipfile", "Pipfile.lock"],
}
REPO2DOCKER_DEFAULT_PYTHON = "3.10"  # CondaBuildPack.major_pythons["3"]


def repo2docker_plan(repo: Path) -> dict:
    """What repo2docker does with `repo`: build pack, Python version, install steps.

    Mirrors BuildPack.binder_dir/runtime, PythonBuildPack.python_version,
    _is_python_package, get_assemble_scripts and the base pack's postBuild handling.
    """
    found = [name for name in ("binder", ".binder") if (repo / name).is_dir()]
    assert len(found) <= 1, "repo2docker refuses a repository with both binder/ and .binder/"
    binder = repo / found[0] if found else repo
    for pack, files in EARLIER_BUILDPACKS.items():
        present = [name for name in files if (binder / name).exists()]
        if present:
            return {"buildpack": pack, "files": present}
    if not found and (repo / "DESCRIPTION").exists():
        return {"buildpack": "RBuildPack", "files": ["DESCRIPTION"]}
    runtime = (binder / "runtime.txt").read_text().strip() if (
        binder / "runtime.txt").exists() else ""
    name, _, version = runtime.partition("-")
    if runtime and name != "python":
        return {"buildpack": f"runtime {runtime}", "files": ["runtime.txt"]}
    python = version if version.count(".") == 1 else REPO2DOCKER_DEFAULT_PYTHON
    steps = []
    if (binder / "apt.txt").exists():
        steps.append(("apt", (binder / "apt.txt").read_text().split()))
    if (binder / "requirements.txt").exists():
        steps.append(("pip", ["-r", str(binder / "requirements.txt")]))
    pyproject = repo / "pyproject.toml"
    if not found and ((repo / "setup.py").exists() or (pyproject.exists() and {
            "project", "build-system"} <= tomllib.loads(pyproject.read_text()).keys())):
        steps.append(("pip", [str(repo)]))  # `pip install .`
        if not version:  # pyproject's requires-python decides instead of the default
            python = None
    if (binder / "postBuild").exists():
        steps.append(("postBuild", [str(binder / "postBuild")]))
    return {"buildpack": "PythonBuildPack", "python": python, "steps": steps}


def test_repo2docker_plan_reads_the_rules_right(tmp_path):
    """The emulation on made-up repositories whose outcome repo2docker documents."""
    (tmp_path / "requirements.txt").write_text("numpy\n")
    assert repo2docker_plan(tmp_path)["python"] == "3.10"
    (tmp_path / "environment.yml").write_text("dependencies: [python=3.12]\n")
    assert repo2docker_plan(tmp_path)["buildpack"] == "CondaBuildPack"
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "runtime.txt").write_text("python-3.12\n")
    plan = repo2docker_plan(tmp_path)  # binder/ hides the root's files
    assert plan == {"buildpack": "PythonBuildPack", "python": "3.12", "steps": []}


def test_binder_builds_the_lock_with_python_311_and_installs_the_course():
    plan = repo2docker_plan(ROOT)
    assert plan["buildpack"] == "PythonBuildPack", plan
    assert plan["python"] == PYTHON, "binder/runtime.txt must name the Python of the lock"
    assert [kind for kind, _ in plan["steps"]] == ["pip", "postBuild"], plan
    binder_requirements = (ROOT / "binder" / "requirements.txt").read_text().split("\n")
    assert "-r ../requirements.txt" in binder_requirements, "Binder installs the lock itself"


def test_the_site_offers_exactly_the_three_tested_routes_for_the_learner_notebooks(built_book):
    """The buttons open what the simulations below run: the learner notebook of the page,
    from the configured repository and branch; the hub's folder is nbgitpuller's."""
    url = repository_url()
    org_repo = url.removeprefix("https://github.com/")
    name = org_repo.split("/")[-1]
    for notebook in course_notebooks():
        path = f"chapters/{notebook.assignment}/{notebook.filename}"
        html = (built_book / path.replace(".ipynb", ".html")).read_text()
        links = set(re.findall(r'href="(https://[^"]*(?:mybinder|git-pull|colab)[^"]*)"', html))
        assert links == {
            f"https://mybinder.org/v2/gh/{org_repo}/main?urlpath=lab/tree/{path}",
            f"{hub_url()}/hub/user-redirect/git-pull?repo={quote(url)}"
            f"&urlpath=lab/tree/{name}/{path}&branch=main",
            f"https://colab.research.google.com/github/{org_repo}/blob/main/{path}",
        }, links
        assert (ROOT / path).is_file()


# --- the environments -----------------------------------------------------------------


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def new_venv(path: Path) -> Path:
    run([sys.executable, "-m", "venv", str(path)])
    return path / "bin" / "python"


def uv_install(python: Path, *args: str) -> None:
    run([str(UV), "pip", "install", "--quiet", "--python", str(python), *args],
        cwd=ROOT, timeout=900)


def working_tree_files() -> list[str]:
    """The repository as committed plus what is about to be (tracked and untracked files
    that git does not ignore), so the routes test this working tree."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT).stdout.split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


def copy_course(dest: Path) -> Path:
    for name in working_tree_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def fill_in_chapters(course: Path) -> None:
    """A learner who has done every chapter: each learner notebook with the answers."""
    for notebook in course_notebooks():
        learner = course / "chapters" / notebook.assignment / notebook.filename
        nbformat.write(filled_in(read(learner), read(notebook.source)), learner)


@pytest.fixture(scope="session")
def course_remote(tmp_path_factory) -> Path:
    """A git repository holding this working tree: the course's GitHub repository here."""
    remote = copy_course(tmp_path_factory.mktemp("remote") / "course")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]):
        run(["git", *command], cwd=remote)
    return remote


def kernel_env(home: Path, extra: dict | None = None) -> dict:
    """A user's environment: their own home, nothing from ours but PATH basics."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
           "MPLBACKEND": "agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT",
                 "PIP_CONFIG_FILE", "SSL_CERT_FILE"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


def execute(notebook_path: Path, python: Path, cwd: Path, env: dict) -> nbformat.NotebookNode:
    """Run the notebook top to bottom in a kernel of `python`, started in `cwd`."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = Path(tempfile.mkdtemp(prefix="dlbook-kernel-")) / "route"
    kernels.mkdir()
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "route", "language": "python", "env": env}))
    specs = KernelSpecManager(kernel_dirs=[str(kernels.parent)])
    notebook = nbformat.read(notebook_path, as_version=4)
    manager = KernelManager(kernel_name="route", kernel_spec_manager=specs)
    try:
        NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT, kernel_name="route",
                       resources={"metadata": {"path": str(cwd)}}).execute(env=env)
    finally:  # nbclient leaves a kernel manager it was given running
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        shutil.rmtree(kernels.parent, ignore_errors=True)
    return notebook


def run_chapters(jobs: list[tuple[Path, Path, Path, dict]]) -> None:
    """Execute (notebook, python, cwd, env) jobs, two at a time, the longest (chapter 8)
    first, so that the others run beside it."""
    jobs = sorted(jobs, key=lambda job: "08_capstone" not in str(job[0]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        for job, future in [(job, pool.submit(execute, *job)) for job in jobs]:
            notebook = future.result()
            errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
                      if output.get("output_type") == "error"]
            assert not errors, f"{job[0]}: {errors}"


def chapter_file(course: Path, chapter: str) -> Path:
    return next((course / "chapters" / chapter).glob("*.ipynb"))


# --- the routes -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lock_python(tmp_path_factory) -> Path:
    """An environment with the lock and nothing else (what a hub image built from the
    repository's requirements has)."""
    python = new_venv(tmp_path_factory.mktemp("hub-image") / "venv")
    uv_install(python, "--require-hashes", "-r", str(ROOT / "requirements.txt"))
    return python


def test_binder(tmp_path):
    plan = repo2docker_plan(ROOT)
    home = tmp_path / "jovyan"
    repo = copy_course(home)  # repo2docker copies the repository into the user's home
    python = new_venv(tmp_path / "venv")
    for kind, args in plan["steps"]:
        args = [arg.replace(str(ROOT), str(repo)) for arg in args]
        if kind == "pip":  # ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir ARGS
            uv_install(python, *args)
        elif kind == "postBuild":  # run in the repository's folder, the environment first
            run([args[0]], cwd=repo, timeout=600, env=kernel_env(
                home, {"PATH": f"{python.parent}:/usr/bin:/bin"}))
        else:
            pytest.fail(f"the simulation does not handle {kind}")
    fill_in_chapters(repo)
    run_chapters([(chapter_file(repo, chapter), python, chapter_file(repo, chapter).parent,
                   kernel_env(home)) for chapter in CHAPTERS])


def test_jupyterhub_nbgitpuller(tmp_path, course_remote, lock_python):
    from nbgitpuller.pull import GitPuller

    home = tmp_path / "home"
    home.mkdir()
    # ?repo=URL&branch=main&urlpath=lab/tree/<repo name>/chapters/...: the clone goes to
    # <server root>/<last part of the URL> (handlers.py), with depth 1 (pull.py).
    target = home / str(course_remote).rstrip("/").split("/")[-1]
    for _ in GitPuller(f"file://{course_remote}", str(target), branch="main", depth=1).pull():
        pass
    fill_in_chapters(target)
    work = {path: path.read_bytes() for path in (target / "chapters").glob("*/*.ipynb")}
    run_chapters([(chapter_file(target, chapter), lock_python,
                   chapter_file(target, chapter).parent, kernel_env(home))
                  for chapter in CHAPTERS])
    # The next click on the link pulls again: the learner's work stays as it was.
    for _ in GitPuller(f"file://{course_remote}", str(target), branch="main", depth=1).pull():
        pass
    assert {path: path.read_bytes() for path in work} == work


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def hub_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["launch_buttons"][
        "jupyterhub_url"].rstrip("/")


def test_colab(tmp_path, course_remote):
    python = new_venv(tmp_path / "colab")
    uv_install(python, "-c", str(ROOT / "requirements.txt"), *COLAB_PACKAGES)
    stub = tmp_path / "colab-stub"
    (stub / "google" / "colab").mkdir(parents=True)  # a namespace package, like protobuf's
    (stub / "google" / "colab" / "__init__.py").write_text("")
    (stub / "google" / "colab" / "drive.py").write_text(
        "def mount(mountpoint, **kwargs):\n    print('Mounted at', mountpoint)\n")
    (stub / "sitecustomize.py").write_text("import google.colab  # noqa: F401\n")
    content, drive = tmp_path / "content", tmp_path / "drive" / "MyDrive"
    content.mkdir()
    drive.mkdir(parents=True)
    course = drive / repository_url().rstrip("/").split("/")[-1]
    env = kernel_env(tmp_path / "root", {
        "PYTHONPATH": str(stub), "DLBOOK_COURSE_DIR": str(course),
        # `git clone` of the course's URL gets this working tree instead.
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.file://{course_remote}.insteadOf",
        "GIT_CONFIG_VALUE_0": repository_url()})
    # The launch button: only chapter 1's notebook, in /content; its first cells copy the
    # course into Drive and install what the bare Python lacks.
    lone = content / "neuron.ipynb"
    filled = filled_in(read(course_notebooks()[0].release), read(course_notebooks()[0].source))
    nbformat.write(filled, lone)
    run_chapters([(lone, python, content, env)])
    assert (course / "chapters" / "05_backprop").is_dir(), "the course was not copied to Drive"
    # Then, as the first cell says, the learner works in the Drive copy (chapter 1 has
    # just run; the others load it and the rest from there).
    fill_in_chapters(course)
    run_chapters([(chapter_file(course, chapter), python, content, env)
                  for chapter in CHAPTERS if chapter != "01_neuron"])
