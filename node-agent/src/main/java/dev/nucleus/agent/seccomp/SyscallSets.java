package dev.nucleus.agent.seccomp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The syscall name lists behind the profiles (x86_64 names, as libseccomp spells them). docs/security-model.md
 * explains each group; keep the two in step.
 */
final class SyscallSets {

  /** Unconditionally allowed by Default: what shells, coreutils, interpreters and JVMs use day to day. */
  static final Set<String> DEFAULT_ALLOW = names(
      // files and descriptors
      "read", "write", "open", "openat", "openat2", "creat", "close", "close_range", "fstat", "stat", "lstat",
      "newfstatat", "statx", "lseek", "fcntl", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
      "pread64", "pwrite64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "dup", "dup2", "dup3",
      "pipe", "pipe2", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
      "symlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "lchown", "truncate", "ftruncate",
      "fallocate", "fadvise64", "fsync", "fdatasync", "sync_file_range", "syncfs", "sync", "flock", "fstatfs",
      "statfs", "sendfile", "copy_file_range", "splice", "tee", "vmsplice", "readahead", "getdents", "getdents64",
      "mkdir", "mkdirat", "rmdir", "chdir", "fchdir", "getcwd", "umask", "utime", "utimes", "utimensat",
      "futimesat", "mknod", "mknodat", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr",
      "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
      "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "memfd_create",
      // memory
      "mmap", "munmap", "mprotect", "brk", "mremap", "madvise", "msync", "mlock", "mlock2", "munlock", "mlockall",
      "munlockall", "mincore", "membarrier", "get_mempolicy", "set_mempolicy", "mbind", "pkey_alloc", "pkey_free",
      "pkey_mprotect",
      // System V and POSIX IPC (private to the sandbox's IPC namespace)
      "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semctl", "semtimedop", "msgget", "msgsnd", "msgrcv",
      "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
      // processes and credentials (without capabilities these can only lower privilege)
      "execve", "execveat", "fork", "vfork", "wait4", "waitid", "exit", "exit_group", "getpid", "gettid", "getuid",
      "getgid", "geteuid", "getegid", "getppid", "getgroups", "getresuid", "getresgid", "getpgid", "getpgrp",
      "getsid", "setsid", "setpgid", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
      "setfsuid", "setfsgid", "setgroups", "capget", "capset", "prlimit64", "getrlimit", "setrlimit", "getpriority",
      "setpriority", "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
      "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
      "sched_rr_get_interval", "sched_getattr", "sched_setattr", "getcpu", "ioprio_get", "ioprio_set", "arch_prctl",
      "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "getrusage", "times", "uname", "sysinfo",
      "seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
      // signals
      "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
      "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "restart_syscall", "pause", "alarm",
      "pidfd_open", "pidfd_send_signal",
      // time and timers
      "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "time", "nanosleep", "getitimer",
      "setitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
      "timerfd_create", "timerfd_settime", "timerfd_gettime",
      // waiting and events
      "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
      "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "futex", "futex_waitv",
      // sockets (socket() itself is argument-filtered)
      "socketpair", "connect", "accept", "accept4", "bind", "listen", "getsockname", "getpeername", "getsockopt",
      "setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
      // legacy AIO (not io_uring) and misc
      "io_setup", "io_destroy", "io_submit", "io_getevents", "io_cancel", "io_pgetevents", "getrandom");

  /** Removed from Default to make Strict: fileless exec, scheduling and IPC extras, filter stacking, xattr writes. */
  static final Set<String> STRICT_REMOVE = names(
      "execveat", "memfd_create", "mknod", "mknodat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
      "lremovexattr", "fremovexattr", "sched_setparam", "sched_setscheduler", "sched_setattr", "setpriority",
      "ioprio_set", "get_mempolicy", "set_mempolicy", "mbind", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open",
      "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "seccomp", "pidfd_open",
      "pidfd_send_signal", "io_setup", "io_destroy", "io_submit", "io_getevents", "io_cancel", "io_pgetevents",
      "vmsplice", "mlockall", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
      "setfsgid", "setgroups", "capset", "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch");

  /**
   * Denied in every profile with EPERM. The value is the capability that may unlock the call through
   * {@code extraAllowed} ({@code null} = never: the resource is not namespaced, so no capability makes it safe).
   */
  static final Map<String, String> ALWAYS_DENIED = denied();

  /** Argument-filtered in Default/Strict: they can never be allowed unconditionally through {@code extraAllowed}. */
  static final Set<String> ARGUMENT_FILTERED = names("socket", "clone", "ioctl", "prctl", "personality");

  /** Names that must always resolve on x86_64; a libseccomp that lacks one of these is too old to trust. */
  static final Set<String> REQUIRED = names("read", "write", "execve", "clone", "clone3", "socket", "ioctl", "prctl",
      "mount", "unshare", "setns", "ptrace", "bpf", "keyctl");

  private static Map<String, String> denied() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : List.of("mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "swapon", "swapoff",
        "quotactl", "quotactl_fd", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "mount_setattr", "acct")) {
      m.put(s, s.equals("chroot") ? "CAP_SYS_CHROOT" : s.equals("acct") ? "CAP_SYS_PACCT" : "CAP_SYS_ADMIN");
    }
    for (String s : List.of("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd")) {
      m.put(s, "CAP_SYS_PTRACE");
    }
    m.put("bpf", "CAP_BPF");
    m.put("perf_event_open", "CAP_PERFMON");
    for (String s : List.of("init_module", "finit_module", "delete_module")) {
      m.put(s, "CAP_SYS_MODULE");
    }
    for (String s : List.of("kexec_load", "kexec_file_load", "reboot")) {
      m.put(s, "CAP_SYS_BOOT");
    }
    for (String s : List.of("settimeofday", "clock_settime", "clock_adjtime", "adjtimex")) {
      m.put(s, "CAP_SYS_TIME");
    }
    m.put("iopl", "CAP_SYS_RAWIO");
    m.put("ioperm", "CAP_SYS_RAWIO");
    m.put("syslog", "CAP_SYSLOG");
    m.put("vhangup", "CAP_SYS_TTY_CONFIG");
    m.put("name_to_handle_at", "CAP_DAC_READ_SEARCH");
    m.put("open_by_handle_at", "CAP_DAC_READ_SEARCH");
    m.put("lookup_dcookie", "CAP_SYS_ADMIN");
    // Kernel keyrings are not namespaced; userfaultfd mainly widens kernel race windows for exploits.
    for (String s : List.of("keyctl", "add_key", "request_key", "userfaultfd")) {
      m.put(s, null);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  private static Set<String> names(String... names) {
    Set<String> s = new TreeSet<>(List.of(names));
    if (s.size() != names.length) {
      throw new IllegalStateException("duplicate syscall name in a list");
    }
    return java.util.Collections.unmodifiableSet(s);
  }

  private SyscallSets() {}
}
