"""Notebooks that attack the machine through the kernel are contained (issue 25):

- memory no rlimit counts (memfd, written rather than mapped) is counted by the
  notebook's memory cgroup, and the notebook is stopped with a reason that says so;
  where no cgroup can be made, memfd_create and System V shared memory are refused;
- new user (and other) namespaces, mounts, keys, bpf, perf_event_open, ptrace of another
  process, kernel modules and clocks are refused by the seccomp filter, also to a child
  process after execve (which a notebook's own process limits do not stop);
- threads and fork still work under the filter.

Each runs both ways a notebook is started: forked from a zygote and started on its own.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from autograder import confine
from autograder.sandbox import (
    LearnerCrash,
    LearnerProcess,
    Limits,
    SandboxSpec,
    ZygoteChild,
    bwrap_available,
)

NO_SANDBOX = bwrap_available()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")
UID = 64970
GIB = 2**30

ATTACKS = r'''
import ctypes
import errno
import os
import subprocess
import sys
import threading

LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
SIGCHLD = 17


def attempt(number, *args):
    """The outcome of a raw system call: 'ok' or its errno's name."""
    args = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    result = LIBC.syscall(ctypes.c_long(number), *args)
    return "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]


def attacks():
    """Each attack's outcome, from this process (the notebook's)."""
    found = {
        "unshare(USER)": attempt(272, CLONE_NEWUSER),
        "unshare(USER|NS|NET)": attempt(272, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET),
        "mount tmpfs": attempt(165, b"none", b"/scratch", b"tmpfs", 0, 0),
        "keyctl": attempt(250, 0, 0),
        "add_key": attempt(248, b"user", b"probe", b"x", 1, -4),
        "bpf": attempt(321, 0, 0, 0),
        "perf_event_open": attempt(298, 0, 0, -1, -1, 0),
        "init_module": attempt(175, 0, 0, b""),
        "clock_settime": attempt(227, 0, 0),
        "io_uring_setup": attempt(425, 1, 0),
        "userfaultfd": attempt(323, 0),
        "x32 getpid": attempt(0x40000000 | 39),
    }
    # ptrace of another process: a child that ran execve (so it is dumpable again).
    child = subprocess.Popen(["sleep", "30"])
    try:
        found["ptrace(ATTACH) child"] = attempt(101, 16, child.pid, 0, 0)
        found["process_vm_readv child"] = attempt(310, child.pid, 0, 0, 0, 0, 0)
    finally:
        child.kill()
        child.wait()
    # clone with a namespace flag, as fork() would call it
    pid = LIBC.syscall(ctypes.c_long(56), ctypes.c_long(CLONE_NEWUSER | SIGCHLD), None, None,
                       None, None)
    if pid == 0:
        os._exit(0)
    found["clone(NEWUSER)"] = "ok" if pid > 0 else errno.errorcode[ctypes.get_errno()]
    if pid > 0:
        os.waitpid(pid, 0)
    # what still works: threads (clone3 fails with ENOSYS, glibc falls back), fork
    ran = []
    thread = threading.Thread(target=ran.append, args=(1,))
    thread.start()
    thread.join()
    found["thread"] = "ok" if ran == [1] else "failed"
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    found["fork"] = "ok" if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 else "failed"
    with open("/proc/self/status") as status:
        found["Seccomp"] = next(line.split()[1] for line in status
                                if line.startswith("Seccomp:"))
    return repr(found)


AFTER_EXECVE = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
outcome = {}
for name, flags in (("unshare(USER)", 0x10000000), ("unshare(USER|NS|NET)", 0x50020000)):
    result = libc.unshare(flags)
    outcome[name] = "ok" if result == 0 else errno.errorcode[ctypes.get_errno()]
print(repr(outcome))
"""


def after_execve():
    """The issue's attack: a child process (after execve, which resets dumpable) making
    a user namespace, in which it would be root and could mount a tmpfs of any size."""
    out = subprocess.run([sys.executable, "-c", AFTER_EXECVE], capture_output=True,
                         text=True, timeout=30)
    return out.stdout.strip() or out.stderr[-300:]
'''

HOG = r'''
import os


def hold(mib, kind):
    """Hold `mib` MiB that no rlimit counts: memfds (each under RLIMIT_FSIZE) or
    System V shared memory; the number of MiB held."""
    chunk = b"x" * (32 << 20)
    held = []
    if kind == "shm":
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        ident = libc.shmget(0, ctypes.c_size_t(32 << 20), 0o1600)
        if ident < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return 32
    for index in range(mib // 32):
        fd = os.memfd_create(f"hold{index}")
        os.write(fd, chunk)
        held.append(fd)
    return 32 * len(held)
'''


def start(cells: list[str], fork_server: bool, **limits) -> LearnerProcess:
    spec = SandboxSpec(uid=UID, isolate=True, fork_server=fork_server, limits=Limits(**limits))
    process = LearnerProcess(spec, cells, time.monotonic() + 120)
    kind = type(process.process).__name__
    assert (kind == ZygoteChild.__name__) == fork_server, kind
    assert process.cell_statuses == ["ok"] * len(cells)
    return process


@pytest.mark.parametrize("fork_server", [True, False], ids=["zygote", "direct"])
def test_kernel_interfaces_and_new_namespaces_are_refused(fork_server):
    if confine.seccomp_program() is None:
        pytest.fail("no seccomp filter for this machine's architecture (x86-64 only)")
    process = start([ATTACKS], fork_server)
    try:
        found = ast.literal_eval(process.call("attacks", (), {}))
        child = ast.literal_eval(process.call("after_execve", (), {}))
    finally:
        process.stop()
    assert found.pop("Seccomp") == "2", "the notebook should run under a seccomp filter"
    assert found.pop("thread") == "ok" and found.pop("fork") == "ok", found
    assert found == dict.fromkeys(found, "EPERM"), found
    assert child == {"unshare(USER)": "EPERM", "unshare(USER|NS|NET)": "EPERM"}, child


def kernel_counts_memory() -> bool:
    """Whether this kernel offers a memory cgroup at all (then, as root, one must be made)."""
    mounts = Path("/proc/self/mountinfo").read_text()
    v2 = Path("/sys/fs/cgroup/cgroup.controllers")
    return " - cgroup " in mounts and ",memory" in mounts or (
        v2.exists() and "memory" in v2.read_text().split())


def require_a_cgroup() -> None:
    """Skip where the kernel has no memory cgroup at all (the fallback is tested below);
    fail where it has but the grader (as root) could not make one."""
    if confine.memory_mechanism() == "none":
        if kernel_counts_memory():
            pytest.fail("this kernel has memory cgroups but the grader could not make one")
        pytest.skip("no memory cgroup on this kernel: test_memfd_refused_without_a_cgroup")


@pytest.mark.parametrize("fork_server", [True, False], ids=["zygote", "direct"])
def test_memfd_beyond_the_memory_limit_stops_the_notebook_with_a_reason(fork_server):
    """2 GiB of memfds under a 1 GiB limit (64 memfds of 32 MiB each: no rlimit counts
    them). Before, the notebook held them all (the host's shared memory grew)."""
    require_a_cgroup()
    process = start([HOG], fork_server, memory_bytes=GIB)
    try:
        with pytest.raises(LearnerCrash, match=r"more than 1 GiB of memory .*memfd"):
            process.call("hold", (2048, "memfd"), {})
    finally:
        process.stop()
    assert process.cgroup is None, "the notebook's cgroup should be removed"


def test_memory_within_the_limit_is_kept():
    """A notebook under its limit is not stopped: 256 MiB of memfds under 1 GiB."""
    process = start([HOG], True, memory_bytes=GIB)
    try:
        assert process.call("hold", (256, "memfd"), {}) == 256
    finally:
        process.stop()


@pytest.mark.parametrize("kind", ["memfd", "shm"])
def test_memfd_refused_without_a_cgroup(monkeypatch, kind):
    """The fallback where no cgroup can be made: memfd_create and shmget are refused."""
    monkeypatch.setattr(confine, "cgroup_parents", lambda: ("none", {}))
    process = start([HOG], False, memory_bytes=GIB)
    try:
        assert process.cgroup is None
        with pytest.raises(RuntimeError, match="Operation not permitted"):
            process.call("hold", (128, kind), {})
    finally:
        process.stop()


def test_the_notebooks_cgroup_holds_its_processes():
    """The notebook's processes are in its own memory cgroup, with its limit."""
    require_a_cgroup()
    probe = ("def cgroups():\n    with open('/proc/self/cgroup') as found:\n"
             "        return found.read()\n")
    process = start([probe], True, memory_bytes=GIB, processes=40)
    try:
        folders = process.cgroup.folders
        inside = process.call("cgroups", (), {})
        memory = process.cgroup.memory_folder()
        limit = "memory.max" if process.cgroup.kind == "cgroup v2" else "memory.limit_in_bytes"
        assert int((memory / limit).read_text()) == GIB
        pids = [folder for folder in folders if (folder / "pids.max").exists()]
        assert all(int((folder / "pids.max").read_text()) == 40 + confine.SANDBOX_PROCESSES
                   for folder in pids)
        members = (memory / "cgroup.procs").read_text().split()
        assert len(members) >= 2, "the notebook's init and its process"
    finally:
        process.stop()
    assert confine.CGROUP_PREFIX in inside
    assert not any(folder.exists() for folder in folders), "removed after the notebook"

