// Test-only helper: load a raw seccomp BPF program (struct sock_filter[]) from a file, then exec a command.
// usage: seccomp-exec BPF_FILE CMD [ARGS...]    (an empty BPF_FILE execs without a filter, for baselines)
// The real launcher (node-agent/src/main/c) receives the program on a descriptor; this only proves the bytes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "seccomp-exec: %s: %s\n", what, strerror(errno));
  exit(127);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seccomp-exec BPF_FILE CMD [ARGS...]\n");
    return 127;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) die("open program");
  if (st.st_size > 0) {
    if (st.st_size % sizeof(struct sock_filter)) { errno = EINVAL; die("program size"); }
    struct sock_filter *insns = malloc(st.st_size);
    if (!insns || read(fd, insns, st.st_size) != st.st_size) die("read program");
    struct sock_fprog prog = {.len = st.st_size / sizeof(struct sock_filter), .filter = insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("no_new_privs");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) die("seccomp");
  }
  close(fd);
  execvp(argv[2], &argv[2]);
  die("exec");
}
