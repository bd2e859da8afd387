"""Notebooks forked from a zygote (`autograder.zygote`) are confined exactly as notebooks
started on their own: each has its own process namespace, scratch folder and network,
an unprivileged user id, no capabilities and its limits, and one leaves nothing behind
for the next."""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import LearnerProcess, Limits, SandboxSpec, ZygoteChild, bwrap_available

NO_SANDBOX = bwrap_available()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")
UID = 64990

PROBE = '''
import os
import resource
import socket
import time


def probe(leave_behind):
    found = {"ids": sorted(set(os.getresuid()) | set(os.getresgid())),
             "groups": os.getgroups(), "pid": os.getpid(),
             "pids": sorted(int(name) for name in os.listdir("/proc") if name.isdigit()),
             "scratch": sorted(os.listdir("/scratch")), "tmp": sorted(os.listdir("/tmp")),
             "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
             "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
             "session_leader": os.getsid(0) == os.getpid()}
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    found["capabilities"] = [int(fields[name], 16) for name in ("CapEff", "CapPrm", "CapAmb")]
    found["no_new_privs"] = int(fields["NoNewPrivs"])
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=1).close()
        found["network"] = True
    except OSError:
        found["network"] = False
    if leave_behind:
        for folder in ("/scratch", "/tmp"):
            with open(f"{folder}/left-behind", "w") as handle:
                handle.write("for the next learner")
        if os.fork() == 0:  # a process that outlives the notebook, if it can
            time.sleep(600)
            os._exit(0)
    return repr(found)
'''


def run_probe(leave_behind: bool) -> tuple[str, dict]:
    spec = SandboxSpec(uid=UID, isolate=True, limits=Limits(processes=32))
    process = LearnerProcess(spec, [PROBE], time.monotonic() + 120)
    try:
        assert process.cell_statuses == ["ok"]
        return type(process.process).__name__, ast.literal_eval(
            process.call("probe", (leave_behind,), {}))
    finally:
        process.stop()


def test_forked_notebooks_are_confined_and_leave_nothing_behind():
    kind, first = run_probe(leave_behind=True)
    assert kind == ZygoteChild.__name__, "the notebook should come from the zygote"
    kind, second = run_probe(leave_behind=False)
    assert kind == ZygoteChild.__name__
    for found in (first, second):
        assert found["ids"] == [UID] and found["groups"] == []
        assert found["capabilities"] == [0, 0, 0] and found["no_new_privs"] == 1
        assert found["pid"] == 2 and found["session_leader"], "own PID namespace and session"
        assert found["network"] is False
        assert found["nproc"] == 32 and found["memory"] == Limits.memory_bytes
    assert first["pids"] == [1, 2]
    assert second["pids"] == [1, 2], "the first notebook's process was left running"
    assert "left-behind" not in second["scratch"] + second["tmp"]


HOST_PROBE = '''
import os


def probe():
    with open(os.path.join(HOST, "marker.txt")) as marker:
        found = {"marker": marker.read(), "pid": os.getpid()}
    try:
        open(os.path.join(HOST, "written.txt"), "w").close()
        found["writable"] = True
    except OSError:
        found["writable"] = False
    return repr(found)
'''


def test_a_checkout_under_tmp_is_still_seen_by_forked_notebooks(tmp_path, monkeypatch):
    """A course checkout or virtual environment under /tmp (or /scratch) is bound into
    the sandbox at its own path; each notebook's fresh /tmp must not hide it."""
    host = tmp_path / "checkout"
    host.mkdir()
    host.chmod(0o755)
    (host / "marker.txt").write_text("still here")
    assert host.is_relative_to("/tmp"), "pytest's temporary folders are expected under /tmp"
    for parent in host.parents:  # the unprivileged notebook must be able to walk down to it
        if parent.is_relative_to("/tmp") and parent != Path("/tmp"):
            parent.chmod(parent.stat().st_mode | 0o005)
    roots = sandbox._python_roots()
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [*roots, host])
    monkeypatch.setattr(sandbox, "_zygotes", {})
    spec = SandboxSpec(uid=UID + 1, isolate=True)
    process = LearnerProcess(spec, [f"HOST = {str(host)!r}\n" + HOST_PROBE],
                             time.monotonic() + 120)
    try:
        assert type(process.process).__name__ == ZygoteChild.__name__
        assert process.cell_statuses == ["ok"]
        found = ast.literal_eval(process.call("probe", (), {}))
    finally:
        process.stop()
        for zygote in sandbox._zygotes.values():
            zygote.close()
    assert found["pid"] == 2, "the probe must run in the notebook's own PID namespace"
    assert found["marker"] == "still here"
    assert found["writable"] is False, "a folder bound from the host must stay read-only"
    assert not (host / "written.txt").exists()


def test_threads_share_a_zygote_and_a_busy_one_is_never_stopped(tmp_path, monkeypatch):
    """A Dask worker's threads give each notebook its own user id: they share one zygote
    per chapter set, and making room for another chapter set's zygote never stops one
    whose notebook is still running (that killed it, mid-cell)."""
    monkeypatch.setattr(sandbox, "_zygotes", {})
    monkeypatch.setattr(sandbox, "MAX_ZYGOTES", 1)
    other = tmp_path / "other"
    other.mkdir()
    other.chmod(0o755)
    deadline = time.monotonic() + 120
    first = LearnerProcess(SandboxSpec(uid=UID + 2), ["def ping():\n    return 'pong'"],
                           deadline)
    processes = [first]
    try:
        processes.append(LearnerProcess(SandboxSpec(uid=UID + 3), ["x = 1"], deadline))
        assert len(sandbox._zygotes) == 1, "two user ids, one chapter set: one zygote"
        processes.append(LearnerProcess(SandboxSpec(uid=UID + 4, chapters={"other": other}),
                                        ["y = 2"], deadline))
        assert len(sandbox._zygotes) == 2, "the busy zygote was stopped for the new one"
        assert all(type(p.process) is ZygoteChild for p in processes)
        assert first.alive() and first.call("ping", (), {}) == "pong"
    finally:
        for process in processes:
            process.stop()
        for zygote in sandbox._zygotes.values():
            zygote.close()
    assert all(zygote.users == 0 for zygote in sandbox._zygotes.values())


CHAPTERS_PROBE = '''
import os


def probe():
    found = {"shown": {}, "stash": None}
    for name in sorted(os.listdir("/opt/chapters")):
        with open(os.path.join("/opt/chapters", name, "answer.txt")) as handle:
            found["shown"][name] = handle.read()
    try:
        found["stash"] = sorted(os.listdir("/opt/all-chapters"))
    except OSError as error:
        found["stash"] = type(error).__name__
    for folder in ("/opt/chapters", "/opt/chapters/first", "/opt/all-chapters"):
        try:
            open(os.path.join(folder, "written.txt"), "w").close()
            found.setdefault("written", []).append(folder)
        except OSError:
            pass
    return repr(found)
'''


def test_one_zygote_serves_every_chapter_and_each_notebook_sees_only_its_own(
        tmp_path, monkeypatch):
    """The grader's zygote holds every chapter folder; a notebook is shown only the
    chapters of its own chapter's `chapters`, read-only, and none of the others, not
    even where the zygote keeps them."""
    monkeypatch.setattr(sandbox, "_zygotes", {})
    held = {}
    for name in ("first", "second", "third"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "answer.txt").write_text(f"the answers of {name}")
        folder.chmod(0o755)
        held[name] = folder
    tmp_path.chmod(0o755)
    deadline = time.monotonic() + 120
    found = []
    try:
        for uid, shown in ((UID + 5, ["first"]), (UID + 6, ["second", "third"]), (UID + 7, [])):
            spec = SandboxSpec(uid=uid, chapters={name: held[name] for name in shown},
                               zygote_chapters=held)
            process = LearnerProcess(spec, [CHAPTERS_PROBE], deadline)
            try:
                assert type(process.process) is ZygoteChild
                found.append(ast.literal_eval(process.call("probe", (), {})))
            finally:
                process.stop()
        assert len(sandbox._zygotes) == 1, "one zygote for every chapter"
    finally:
        for zygote in sandbox._zygotes.values():
            zygote.close()
    assert found[0]["shown"] == {"first": "the answers of first"}
    assert found[1]["shown"] == {"second": "the answers of second",
                                 "third": "the answers of third"}
    assert found[2]["shown"] == {}
    for each in found:
        assert each["stash"] == [], "the zygote's other chapters must be hidden"
        assert "written" not in each, each["written"]


def test_a_notebook_whose_mounts_fail_is_started_another_way(tmp_path, monkeypatch):
    """When a notebook's init cannot make its mounts (here: a chapter its zygote does
    not hold), the zygote answers with an error and the grader starts the notebook in a
    sandbox of its own: the grader's failure is never charged to the learner as a crash."""
    monkeypatch.setattr(sandbox, "_zygotes", {})
    held, wanted = tmp_path / "held", tmp_path / "wanted"
    for folder in (held, wanted):
        folder.mkdir()
        (folder / "answer.txt").write_text(f"the answers of {folder.name}")
        folder.chmod(0o755)
    tmp_path.chmod(0o755)
    monkeypatch.setattr(SandboxSpec, "held_chapters", lambda self: {"held": held})
    spec = SandboxSpec(uid=UID + 8, chapters={"wanted": wanted})
    zygote = sandbox._zygote_for(spec)
    try:
        with pytest.raises(sandbox.ZygoteError, match="could not start"):
            zygote.spawn(spec)
        process = LearnerProcess(spec, [CHAPTERS_PROBE], time.monotonic() + 120)
        try:
            assert type(process.process) is not ZygoteChild, "started directly instead"
            assert process.cell_statuses == ["ok"]
            found = ast.literal_eval(process.call("probe", (), {}))
        finally:
            process.stop()
    finally:
        for started in sandbox._zygotes.values():
            started.close()
        zygote.close()
    assert found["shown"] == {"wanted": "the answers of wanted"}


def test_sandboxed_modules_share_one_xdist_group(request):
    """`make test` runs under pytest-xdist; the modules that grade in sandboxes must run
    one after another on one worker (tests/conftest.py), never beside each other."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        pytest.skip("not running under pytest-xdist")
    assert request.config.getvalue("loadgroup"), "make test should use --dist loadgroup"
    assert request.node.nodeid.endswith("@sandbox"), request.node.nodeid
