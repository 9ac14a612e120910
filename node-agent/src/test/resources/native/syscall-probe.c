// Test-only probe: makes each named syscall attempt and prints "NAME OK", "NAME <errno name>" or, when the
// attempt was killed, "NAME SIGNAL<n>". Arguments are chosen so that, without a filter,
// each call either succeeds harmlessly or fails with an errno other than EPERM.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static long attempt(const char *n) {
  if (!strcmp(n, "mount")) return mount("none", "/nonexistent-nucleus", "tmpfs", 0, NULL);
  if (!strcmp(n, "umount2")) return umount2("/nonexistent-nucleus", 0);
  if (!strcmp(n, "unshare-user")) return unshare(CLONE_NEWUSER);
  if (!strcmp(n, "unshare-net")) return unshare(CLONE_NEWNET);
  if (!strcmp(n, "setns")) { int fd = open("/proc/self/ns/uts", O_RDONLY); return setns(fd, 0); }
  if (!strcmp(n, "pivot_root")) return syscall(SYS_pivot_root, "/nonexistent-a", "/nonexistent-b");
  if (!strcmp(n, "ptrace")) return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
  if (!strcmp(n, "bpf")) return syscall(SYS_bpf, 0, NULL, 0);
  if (!strcmp(n, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
  if (!strcmp(n, "keyctl")) return syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3 /*SESSION*/, 0);
  if (!strcmp(n, "add_key")) return syscall(SYS_add_key, "user", "nucleus", "x", 1, -3);
  if (!strcmp(n, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
  if (!strcmp(n, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
  if (!strcmp(n, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
  if (!strcmp(n, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
  if (!strcmp(n, "clone-newuser")) {
    long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
    if (r == 0) _exit(0);
    if (r > 0) waitpid(r, NULL, 0);
    return r < 0 ? -1 : 0;
  }
  if (!strcmp(n, "clone-plain")) {
    long r = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
    if (r == 0) _exit(0);
    if (r > 0) waitpid(r, NULL, 0);
    return r < 0 ? -1 : 0;
  }
  if (!strcmp(n, "clone3")) return syscall(SYS_clone3, NULL, 0);
  if (!strcmp(n, "socket-unix")) return socket(AF_UNIX, SOCK_STREAM, 0);
  if (!strcmp(n, "socket-inet")) return socket(AF_INET, SOCK_STREAM, 0);
  if (!strcmp(n, "socket-inet6")) return socket(AF_INET6, SOCK_DGRAM, 0);
  if (!strcmp(n, "socket-packet")) return socket(AF_PACKET, SOCK_DGRAM, 0);
  if (!strcmp(n, "socket-netlink-route")) return socket(AF_NETLINK, SOCK_RAW, 0);
  if (!strcmp(n, "socket-netlink-audit")) return socket(AF_NETLINK, SOCK_RAW, 9);
  if (!strcmp(n, "socket-vsock")) return socket(40, SOCK_STREAM, 0);
  if (!strcmp(n, "socket-inet-highbits")) return syscall(SYS_socket, (1UL << 32) | AF_PACKET, SOCK_DGRAM, 0);
  if (!strcmp(n, "ioctl-tiocsti")) { char c = 'x'; return ioctl(0, TIOCSTI, &c); }
  if (!strcmp(n, "ioctl-tiocsti-highbits")) { char c = 'x'; return syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c); }
  if (!strcmp(n, "ioctl-tioclinux")) { char c = 0; return ioctl(0, TIOCLINUX, &c); }
  if (!strcmp(n, "ioctl-tcgets")) { struct termios t; return ioctl(0, TCGETS, &t); }
  if (!strcmp(n, "prctl-set-name")) return prctl(PR_SET_NAME, "probe", 0, 0, 0);
  if (!strcmp(n, "prctl-set-mm")) return prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0, 0, 0);
  if (!strcmp(n, "prctl-cap-ambient-raise")) return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 21, 0, 0);
  if (!strcmp(n, "personality-query")) return personality(0xffffffff) < 0 ? -1 : 0;
  if (!strcmp(n, "personality-no-aslr")) return personality(ADDR_NO_RANDOMIZE);
  if (!strcmp(n, "memfd_create")) return syscall(SYS_memfd_create, "probe", 0);
  if (!strcmp(n, "getpid")) return getpid() > 0 ? 0 : -1;
  if (!strcmp(n, "x32-getpid")) return syscall(0x40000000 | SYS_getpid);
  if (!strcmp(n, "i386-getpid")) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory"); return r < 0 ? (errno = -r, -1) : 0; }
  fprintf(stderr, "unknown probe %s\n", n);
  _exit(2);
}

int main(int argc, char **argv) {
  // Each attempt runs in its own child, so one that succeeds (unshare, setns) cannot change the next one's
  // context, and one that the filter kills is reported as SIGNAL<n> instead of ending the probe.
  for (int i = 1; i < argc; i++) {
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
      if (!strcmp(argv[i], "landlock-abi")) {  // prints the value, for comparison with the Java probe
        printf("landlock-abi %ld\n", (long) syscall(444 /* landlock_create_ruleset */, NULL, 0, 1U /* VERSION */));
        fflush(stdout);
        _exit(0);
      }
      errno = 0;
      long r = attempt(argv[i]);
      const char *name = strerrorname_np(errno);
      if (r < 0) printf("%s %s\n", argv[i], name ? name : "E?");
      else printf("%s OK\n", argv[i]);
      fflush(stdout);
      _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) { perror("waitpid"); return 1; }
    if (WIFSIGNALED(st)) { printf("%s SIGNAL%d\n", argv[i], WTERMSIG(st)); fflush(stdout); }
  }
  return 0;
}
