"""The last wall inside a submission's process: ``no_new_privs`` and a seccomp filter.

The filter (libseccomp through ``pyseccomp``) lets everything through except what a graded
notebook never needs and an escape would: new namespaces (``unshare``, ``setns``, ``clone``
with any ``CLONE_NEW*`` flag; ``clone3`` fails with ``ENOSYS`` because seccomp cannot read
the flags it takes from memory, and glibc then falls back to ``clone``), ``ptrace`` and
reading or writing other processes' memory, the kernel keyring, ``mount`` and friends,
``bpf``, ``perf_event_open``, ``io_uring`` (its requests bypass seccomp), ``userfaultfd``
and module or kernel loading. Denied calls fail with ``EPERM``; the process lives on.

The filter is built once (``build``) in the warm parent and loaded (``apply``) in each
submission after it dropped its privileges: a filter is inherited by every child and can
never be removed. The 32-bit x86 and x32 system-call tables get the same rules.
"""

from __future__ import annotations

import errno
from typing import Any

PR_SET_NO_NEW_PRIVS = 38
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000,
                   0x20000000, 0x40000000, 0x00000080)  # NS, CGROUP, UTS, IPC, USER, PID, NET, TIME
DENIED = ("unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev",
          "kcmp", "pidfd_getfd", "keyctl", "add_key", "request_key", "mount", "umount2",
          "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fspick",
          "mount_setattr", "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter",
          "io_uring_register", "userfaultfd", "init_module", "finit_module",
          "delete_module", "kexec_load", "kexec_file_load", "open_by_handle_at",
          "name_to_handle_at", "acct", "swapon", "swapoff", "reboot", "quotactl",
          "lookup_dcookie", "vhangup", "personality", "uselib", "syslog")
ENOSYS_CALLS = ("clone3",)


def available() -> bool:
    """Whether libseccomp and its Python binding are installed."""
    try:
        import pyseccomp  # type: ignore[import-untyped]  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def build() -> Any:
    """The filter, ready to ``apply`` (None when pyseccomp or libseccomp is missing)."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError):
        return None
    rules = sc.SyscallFilter(sc.ALLOW)
    for arch in (sc.Arch.X86, sc.Arch.X32):
        try:
            if not rules.exist_arch(arch):
                rules.add_arch(arch)
        except OSError:
            pass
    for name in DENIED:
        _deny(rules, sc.ERRNO(errno.EPERM), name)
    for name in ENOSYS_CALLS:
        _deny(rules, sc.ERRNO(errno.ENOSYS), name)
    for flag in CLONE_NEW_FLAGS:
        rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    return rules


def _deny(rules: Any, action: int, name: str) -> None:
    try:
        rules.add_rule(action, name)
    except (OSError, ValueError, RuntimeError):
        pass  # not a system call on this architecture (e.g. uselib on newer kernels)


def no_new_privs() -> None:
    """No set-uid binary or file capability can give this process (or its children)
    more rights than it has now."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)  # (not isolation's: that module imports this one)
    if libc.prctl(ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0),
                  ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def apply(rules: Any) -> None:
    """Set ``no_new_privs`` and load ``rules`` (a ``build`` result) for good."""
    no_new_privs()
    if rules is not None:
        rules.load()
