"""What confines a sandboxed notebook beyond bubblewrap's namespaces and rlimits.

- `seccomp_program()`: a seccomp filter in the spirit of Docker's default profile, as
  classic BPF bytes (assembled here, no library needed): the calls a notebook never needs
  and that widen what the kernel exposes fail with EPERM: new namespaces (`unshare`,
  `setns`, `clone` with a namespace flag; `clone3` fails with ENOSYS so that threads fall
  back to `clone`), mounts, `ptrace` and reading another process's memory, keys, `bpf`,
  `perf_event_open`, `userfaultfd`, io_uring, kernel modules, kexec, clocks, swap,
  reboot, and every x32 or 32-bit call. Without a memory cgroup (below) `memfd_create`
  and System V shared memory are refused too. x86-64 only: elsewhere there is no filter.
- `NotebookCgroup`: a memory cgroup per notebook (cgroup v2 `memory.max` and
  `pids.max`, or cgroup v1 `memory.limit_in_bytes`, `memory.memsw.limit_in_bytes` and
  `pids.max`), which the kernel charges with everything the notebook holds: its pages,
  shared memory, memfds, tmpfs files and page tables. A notebook that goes past it is
  killed by the kernel, and the grader says so.
- `UidLease`: a user id for one notebook that no other running notebook on this machine
  holds (a lock file per user id, held while the notebook runs).
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import platform
import re
import struct
import tempfile
import time
from pathlib import Path

# --- seccomp --------------------------------------------------------------------------

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
# Namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
CLONE_NAMESPACES = 0x7E020000
# x86-64 numbers (asm/unistd_64.h), checked against the header in tests/test_confine.py.
DENIED_X86_64 = {
    "ptrace": 101, "syslog": 103, "uselib": 134, "ustat": 136,
    "sysfs": 139, "vhangup": 153, "pivot_root": 155, "_sysctl": 156, "adjtimex": 159,
    "chroot": 161, "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166,
    "swapon": 167, "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171,
    "iopl": 172, "ioperm": 173, "create_module": 174, "init_module": 175,
    "delete_module": 176, "get_kernel_syms": 177, "query_module": 178, "quotactl": 179,
    "nfsservctl": 180, "lookup_dcookie": 212, "clock_settime": 227, "kexec_load": 246,
    "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
    "perf_event_open": 298, "fanotify_init": 300, "open_by_handle_at": 304,
    "clock_adjtime": 305, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "finit_module": 313, "kexec_file_load": 320, "bpf": 321,
    "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_getfd": 438,
    "mount_setattr": 442, "quotactl_fd": 443, "open_tree_attr": 467,
}
# Memory that only a cgroup counts: refused where there is none.
UNCOUNTED_X86_64 = {"shmget": 29, "memfd_create": 319}
CLONE, CLONE3 = 56, 435
EPERM, ENOSYS = errno.EPERM, errno.ENOSYS

BPF_LD_W_ABS, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
NR_OFFSET, ARCH_OFFSET, ARG0_OFFSET = 0, 4, 16  # struct seccomp_data (little-endian)


def _op(code: int, k: int = 0, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def seccomp_program(refuse_uncounted: bool = False) -> bytes | None:
    """The filter (an array of `struct sock_filter`, as `bwrap --seccomp` and
    `PR_SET_SECCOMP` take it), or None on a machine that is not x86-64."""
    if platform.machine() != "x86_64":
        return None
    denied = {**DENIED_X86_64, **(UNCOUNTED_X86_64 if refuse_uncounted else {})}
    deny = _op(BPF_RET, SECCOMP_RET_ERRNO | EPERM)
    program = [
        _op(BPF_LD_W_ABS, ARCH_OFFSET),
        _op(BPF_JEQ, AUDIT_ARCH_X86_64, jt=1),  # 32-bit (int 0x80) calls: refused
        deny,
        _op(BPF_LD_W_ABS, NR_OFFSET),
        _op(BPF_JGE, X32_SYSCALL_BIT, jf=1),  # x32 calls: refused
        deny,
    ]
    for number in sorted(denied.values()):
        program += [_op(BPF_JEQ, number, jf=1), deny]
    program += [
        _op(BPF_JEQ, CLONE3, jf=1), _op(BPF_RET, SECCOMP_RET_ERRNO | ENOSYS),
        _op(BPF_JEQ, CLONE, jf=3),
        _op(BPF_LD_W_ABS, ARG0_OFFSET),  # clone's flags (their low 32 bits hold them all)
        _op(BPF_JSET, CLONE_NAMESPACES, jf=1),
        deny,
        _op(BPF_RET, SECCOMP_RET_ALLOW),
    ]
    return b"".join(program)


# --- memory and process cgroups -------------------------------------------------------

CGROUP_PREFIX = "dlbook-"
SANDBOX_PROCESSES = 2  # in a notebook's cgroup but not its user id's: init, or bubblewrap's two


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(root, mount point, type, super options) of each cgroup file system mounted."""
    found = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            left, _, right = line.partition(" - ")
            fields, after = left.split(), right.split()
            if len(fields) >= 5 and after and after[0] in ("cgroup", "cgroup2"):
                options = set(after[2].split(",")) if len(after) > 2 else set()
                found.append((fields[3], fields[4], after[0], options))
    return found


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per controller ("" for the unified hierarchy)."""
    own = {}
    with open("/proc/self/cgroup") as cgroups:
        for line in cgroups:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    return own


def _own_dir(mount_root: str, mount_point: str, path: str) -> Path | None:
    """Where this process's cgroup `path` (from /proc/self/cgroup) is seen in a mount."""
    relative = os.path.relpath(path, mount_root)
    if relative.startswith(".."):
        return None
    folder = Path(mount_point) / relative
    return folder if folder.is_dir() else None


@functools.lru_cache(maxsize=1)
def cgroup_parents() -> tuple[str, dict[str, Path]]:
    """How notebooks' memory is limited here: ("cgroup v2", {"memory": folder, "pids":
    folder}) or ("cgroup v1", {"memory": folder, "pids": folder}): the folders of this
    process's own cgroups that notebooks' cgroups are made in (pids only if it can be
    used too), or ("none", {}) where no memory cgroup can be made (see `limit_reason`)."""
    if os.geteuid() != 0:
        return "none", {}
    try:
        own, mounts = _own_cgroups(), _mounts()
    except (OSError, ValueError):
        return "none", {}
    for root, point, kind, _ in mounts:  # the unified hierarchy first
        if kind != "cgroup2" or "" not in own:
            continue
        folder = _own_dir(root, point, own[""])
        if folder is None:
            continue
        try:
            available = set((folder / "cgroup.controllers").read_text().split())
            enabled = set((folder / "cgroup.subtree_control").read_text().split())
            wanted = {"memory", "pids"} & available - enabled
            if "memory" in available and wanted:
                (folder / "cgroup.subtree_control").write_text(
                    " ".join(f"+{name}" for name in sorted(wanted)))
                enabled = set((folder / "cgroup.subtree_control").read_text().split())
        except OSError:  # e.g. EBUSY: processes in it (no delegation); try v1
            continue
        if "memory" in enabled and _can_make_in(folder):
            return "cgroup v2", {name: folder for name in ("memory", "pids") if name in enabled}
    parents = {}
    for root, point, kind, options in mounts:
        for controller in ("memory", "pids"):
            if kind == "cgroup" and controller in options and controller in own:
                folder = _own_dir(root, point, own[controller])
                if folder is not None and _can_make_in(folder):
                    parents[controller] = folder
    if "memory" in parents:
        return "cgroup v1", parents
    return "none", {}


def remove_leftovers(folder: Path, older_than_s: float = 60.0) -> list[str]:
    """Remove the empty notebook cgroups in `folder` that a grading process now gone
    (killed before it could remove them) made more than `older_than_s` ago; their
    names say which process made them. The names of those removed."""
    removed = []
    pattern = re.compile(rf"{CGROUP_PREFIX}\d+-(\d+)-\d+")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or os.path.exists(f"/proc/{match.group(1)}"):
            continue
        try:
            if time.time() - entry.stat().st_mtime > older_than_s:
                os.rmdir(entry.path)  # fails, harmlessly, if processes are still in it
                removed.append(entry.name)
        except OSError:
            pass
    return removed


def _can_make_in(folder: Path) -> bool:
    """Whether a cgroup can be made (and removed) in `folder`."""
    probe = folder / f"{CGROUP_PREFIX}probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError:
        return False
    remove_leftovers(folder)
    return True


def memory_mechanism() -> str:
    """'cgroup v2', 'cgroup v1' or 'none' (see `cgroup_parents`)."""
    return cgroup_parents()[0]


class CgroupUnavailable(OSError):
    """No cgroup could be made for a notebook (the fallback then applies)."""


class NotebookCgroup:
    """The cgroups of one notebook (memory, and processes where it can): made empty with
    the limits written; the notebook's processes join them by writing "0" (themselves)
    to each of `procs`; `remove()` once they are gone."""

    def __init__(self, name: str, memory_bytes: int, processes: int) -> None:
        self.kind, parents = cgroup_parents()
        if self.kind == "none":
            raise CgroupUnavailable("no memory cgroup can be made here")
        self.memory_bytes = memory_bytes
        self.folders: list[Path] = []
        try:
            made: dict[Path, Path] = {}  # parent -> folder (v2: one for both)
            for controller, parent in sorted(parents.items()):
                if parent not in made:
                    made[parent] = _fresh_dir(parent, CGROUP_PREFIX + name)
                    self.folders.append(made[parent])
                folder = made[parent]
                if controller == "pids":  # and the sandbox's own (its init, bubblewrap)
                    (folder / "pids.max").write_text(str(int(processes) + SANDBOX_PROCESSES))
                elif self.kind == "cgroup v2":
                    (folder / "memory.max").write_text(str(int(memory_bytes)))
                    if (folder / "memory.swap.max").exists():
                        (folder / "memory.swap.max").write_text("0")
                else:
                    (folder / "memory.limit_in_bytes").write_text(str(int(memory_bytes)))
                    if (folder / "memory.memsw.limit_in_bytes").exists():
                        (folder / "memory.memsw.limit_in_bytes").write_text(
                            str(int(memory_bytes)))
        except OSError as error:
            self.remove()
            raise CgroupUnavailable(f"cannot make a cgroup: {error}") from None
        self.procs = [str(folder / "cgroup.procs") for folder in self.folders]

    def memory_folder(self) -> Path:
        return self.folders[0] if self.kind == "cgroup v2" else next(
            folder for folder in self.folders if (folder / "memory.limit_in_bytes").exists())

    def oom_kills(self) -> int:
        """How many of the notebook's processes the kernel killed for going past the
        memory limit."""
        name = "memory.events" if self.kind == "cgroup v2" else "memory.oom_control"
        try:
            for line in (self.memory_folder() / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError, StopIteration):
            pass
        return 0

    def limit_reason(self) -> str:
        return (f"the notebook used more than {_gib(self.memory_bytes)} of memory "
                "(its memory limit, which counts shared memory, memfd and /tmp files too), "
                "and the kernel stopped it")

    def remove(self) -> None:
        """Remove the (now empty) cgroups; one whose processes are still exiting is
        waited for a moment, then left (it is removed when the user id is next used)."""
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.folders = []


def _fresh_dir(parent: Path, name: str) -> Path:
    folder = parent / name
    if folder.exists():
        try:
            folder.rmdir()  # left by an earlier notebook with this user id
        except OSError:
            folder = parent / f"{name}-{os.getpid()}-{time.monotonic_ns()}"
    folder.mkdir()
    return folder


def _gib(count: int) -> str:
    gib = count / 2**30
    return f"{gib:g} GiB" if gib >= 1 else f"{count / 2**20:g} MiB"


# --- user ids -------------------------------------------------------------------------

def _lock_dir() -> Path:
    base = Path("/run") if os.geteuid() == 0 and os.access("/run", os.W_OK) else Path(
        tempfile.gettempdir())
    folder = base / f"dlbook-uids-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.geteuid():
        raise PermissionError(f"{folder} is not this user's own folder")
    return folder


class UidLease:
    """A user id in [first, first + count) that no other notebook holds while this
    lease is open, on this machine: each id has a lock file (under /run), locked with
    flock by whoever uses it and released by `close()` or by the holder's death. The
    search starts at `preferred` so that a process keeps the same id from one notebook
    to the next (its zygote is kept per id)."""

    def __init__(self, first: int, count: int, preferred: int) -> None:
        folder = _lock_dir()
        for step in range(count):
            uid = first + (preferred - first + step) % count
            fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
                         | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise RuntimeError(f"all {count} sandbox user ids from {first} are in use")

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> UidLease:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
