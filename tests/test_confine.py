"""`autograder.confine` on its own (no sandbox): the seccomp filter's program, installed in
a forked process, refuses what it should and nothing else; the syscall numbers it names
are the kernel's; user ids are leased so that no two running notebooks share one."""

from __future__ import annotations

import ctypes
import json
import os
import platform
import re
import threading
from pathlib import Path

import pytest

from autograder import confine

ROOT = Path(__file__).resolve().parent.parent
HEADER = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
x86_64 = pytest.mark.skipif(platform.machine() != "x86_64",
                            reason="the seccomp filter is made for x86-64 only")


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def under_filter(program: bytes, probe) -> dict:
    """`probe()`'s result (a dict), computed in a forked child under `program`."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            libc = ctypes.CDLL(None, use_errno=True)
            code = ctypes.create_string_buffer(program, len(program))
            prog = _Fprog(len(program) // 8, ctypes.cast(code, ctypes.c_void_p))
            assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
            assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0  # PR_SET_SECCOMP
            os.write(write, json.dumps(probe(libc)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as found:
        text = found.read()
    os.waitpid(pid, 0)
    return json.loads(text)


def _probe(libc) -> dict:
    def attempt(number, *args):
        args = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
        result = libc.syscall(ctypes.c_long(number), *args)
        return "ok" if result >= 0 else os.strerror(ctypes.get_errno())

    found = {"unshare(USER)": attempt(272, 0x10000000), "keyctl": attempt(250, 0, 0),
             "mount": attempt(165, b"none", b"/", b"tmpfs", 0, 0),
             "clone(NEWUSER)": attempt(56, 0x10000000 | 17, 0, 0, 0, 0),
             "clone3": attempt(435, 0, 0), "x32 getpid": attempt(0x40000000 | 39),
             "ptrace": attempt(101, 16, os.getppid(), 0, 0), "getpid": attempt(39)}
    memfd = libc.syscall(ctypes.c_long(319), b"probe", ctypes.c_long(0))
    found["memfd_create"] = "ok" if memfd >= 0 else os.strerror(ctypes.get_errno())
    ran = []
    thread = threading.Thread(target=ran.append, args=(1,))
    thread.start()
    thread.join()
    found["thread"] = ran == [1]
    pid = os.fork()
    if pid == 0:
        os._exit(5)
    found["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 5
    return found


@x86_64
def test_the_filter_refuses_the_denied_calls_and_keeps_threads_and_fork():
    found = under_filter(confine.seccomp_program(), _probe)
    denied = os.strerror(1)  # EPERM
    assert found["getpid"] == "ok" and found["memfd_create"] == "ok"
    assert found["thread"] and found["fork"], found
    assert found["clone3"] == os.strerror(38), "ENOSYS, so that glibc falls back to clone"
    for name in ("unshare(USER)", "keyctl", "mount", "clone(NEWUSER)", "x32 getpid", "ptrace"):
        assert found[name] == denied, (name, found[name])


@x86_64
def test_without_a_cgroup_the_filter_refuses_memfd_too():
    found = under_filter(confine.seccomp_program(refuse_uncounted=True), _probe)
    assert found["memfd_create"] == os.strerror(1) and found["getpid"] == "ok"


@x86_64
def test_syscall_numbers_are_the_kernels():
    if not HEADER.exists():
        pytest.skip(f"{HEADER} is not installed (linux-libc-dev)")
    numbers = dict(re.findall(r"#define __NR_(\w+) (\d+)", HEADER.read_text()))
    names = {**confine.DENIED_X86_64, **confine.UNCOUNTED_X86_64,
             "clone": confine.CLONE, "clone3": confine.CLONE3}
    known = {name: number for name, number in names.items() if name in numbers}
    assert {name: int(numbers[name]) for name in known} == known
    assert len(known) >= len(names) - 1, "only open_tree_attr may be newer than the header"


def test_a_lease_holds_its_uid_until_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(confine, "_lock_dir", lambda: tmp_path)
    first = confine.UidLease(90000, 4, 90002)
    second = confine.UidLease(90000, 4, 90002)
    assert (first.uid, second.uid) == (90002, 90003)
    first.close()
    with confine.UidLease(90000, 4, 90002) as third:
        assert third.uid == 90002
    held = [confine.UidLease(90000, 4, 90000) for _ in range(3)]
    assert sorted(lease.uid for lease in held) == [90000, 90001, 90002]
    with pytest.raises(RuntimeError, match="in use"):
        confine.UidLease(90000, 4, 90000)


def grading_uid_slot():
    """The module that gives grading processes their user ids, and its context manager."""
    try:
        import autograder.jobs as grading  # noqa: PLC0415
        return grading, grading.uid_slot
    except ImportError:
        import autograder.grade as grading  # noqa: PLC0415
        return grading, grading._uid_slot


def hold_uid(grading, uid_slot, pid: int) -> tuple[int, int, int]:
    """Fork a process that plays a pool process with process id `pid`: it takes a user id
    for a notebook and holds it until its pipe closes. (child pid, uid, pipe to close)"""
    uid_read, uid_write = os.pipe()
    hold_read, hold_write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        try:
            os.close(uid_read)
            os.close(hold_write)
            os.getpid = lambda: pid
            grading.FIRST_UID = 91000  # away from the ids of notebooks graded beside it
            with uid_slot() as uid:
                os.write(uid_write, f"{uid}\n".encode())
                os.read(hold_read, 1)
        finally:
            os._exit(0)
    os.close(uid_write)
    os.close(hold_read)
    with os.fdopen(uid_read) as found:
        uid = int(found.readline())
    return child, uid, hold_write


def test_two_grading_processes_whose_pids_agree_modulo_625_get_different_uids():
    """Before, the uid was 60000 + (pid % 625) * 8 + slot: pool processes 1000 and 1625,
    grading at the same time, both sandboxed their notebooks as uid 63000 (sharing its
    process limit)."""
    grading, uid_slot = grading_uid_slot()
    holders = [hold_uid(grading, uid_slot, pid) for pid in (1000, 1625)]
    for _, _, hold in holders:  # (the second child holds the first's pipe too)
        os.close(hold)
    for child, _, _ in holders:
        os.waitpid(child, 0)
    uids = [uid for _, uid, _ in holders]
    assert uids[0] == 91000 + (1000 % 625) * 8, "the first keeps the id its pid gives"
    assert uids[0] != uids[1], "two running notebooks got the same user id"


def test_empty_cgroups_left_by_a_killed_grading_process_are_removed():
    """A grading process killed mid-notebook cannot remove its notebook's cgroup; the
    next one removes those whose maker is gone (and never one whose maker runs)."""
    kind, parents = confine.cgroup_parents()
    if kind == "none":
        pytest.skip("no cgroup can be made here (not root, or no memory cgroup)")
    gone = os.fork()
    if gone == 0:  # pragma: no cover
        os._exit(0)
    os.waitpid(gone, 0)
    parent = parents["memory"]
    left, kept = parent / f"dlbook-1-{gone}-1", parent / f"dlbook-1-{os.getpid()}-1"
    left.mkdir()
    kept.mkdir()
    try:
        removed = confine.remove_leftovers(parent, older_than_s=0)
        assert left.name in removed and kept.name not in removed
        assert not left.exists() and kept.exists()
    finally:
        for folder in (left, kept):
            if folder.exists():
                folder.rmdir()


def test_cgroup_v2_files_on_a_stand_in_hierarchy(tmp_path, monkeypatch):
    """The cgroup v2 path, which this project's machines (cgroup v1; their cgroup v2 has no
    controllers) cannot run: on a stand-in folder, which files are read and written.
    Whether the kernel enforces them is not tested here."""
    own = tmp_path / "grader.service"
    own.mkdir()
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("memory pids\n")
    monkeypatch.setattr(confine, "_own_cgroups", lambda: {"": "/grader.service"})
    monkeypatch.setattr(confine, "_mounts", lambda: [("/", str(tmp_path), "cgroup2", set())])
    monkeypatch.setattr(confine.os, "geteuid", lambda: 0)
    cached = confine.cgroup_parents
    monkeypatch.setattr(confine, "cgroup_parents", cached.__wrapped__)  # the stand-in's
    try:
        assert confine.cgroup_parents() == ("cgroup v2", {"memory": own, "pids": own})
        cgroup = confine.NotebookCgroup("60000-1-1", 3 * 2**30, 64)
        folder = own / "dlbook-60000-1-1"
        assert cgroup.folders == [folder] and cgroup.procs == [str(folder / "cgroup.procs")]
        assert (folder / "memory.max").read_text() == str(3 * 2**30)
        assert (folder / "pids.max").read_text() == str(64 + confine.SANDBOX_PROCESSES)
        (folder / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n")
        assert cgroup.oom_kills() == 1
        assert "more than 3 GiB of memory" in cgroup.limit_reason()
        for name in ("memory.max", "pids.max", "memory.events"):
            (folder / name).unlink()  # a real cgroup's files go with its folder
        cgroup.remove()
        assert not folder.exists()
    finally:
        cached.cache_clear()  # recomputed for the machine by the next caller
