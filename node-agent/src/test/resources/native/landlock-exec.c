// Test-only helper: apply a planned Landlock ruleset, then exec a command.
// usage: landlock-exec FS NET SCOPED [p ACCESS PATH | n ACCESS PORT]... -- CMD [ARGS...]
// Numbers accept 0x prefixes. The real launcher (node-agent/src/main/c) applies the same rules after pivot_root.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ruleset_attr { uint64_t fs, net, scoped; };
struct path_attr { uint64_t allowed; int32_t fd; } __attribute__((packed));
struct port_attr { uint64_t allowed, port; };

static void die(const char *what, const char *arg) {
  fprintf(stderr, "landlock-exec: %s %s: %s\n", what, arg, strerror(errno));
  exit(127);
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: landlock-exec FS NET SCOPED [p ACCESS PATH|n ACCESS PORT]... -- CMD\n"); return 127; }
  struct ruleset_attr attr = {strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0)};
  int rs = syscall(444 /* landlock_create_ruleset */, &attr, sizeof attr, 0);
  if (rs < 0) die("landlock_create_ruleset", "");
  int i = 4;
  for (; i + 2 < argc && strcmp(argv[i], "--"); i += 3) {
    uint64_t access = strtoull(argv[i + 1], NULL, 0);
    if (!strcmp(argv[i], "p")) {
      struct path_attr pa = {access, open(argv[i + 2], O_PATH | O_CLOEXEC)};
      if (pa.fd < 0) die("open", argv[i + 2]);
      if (syscall(445 /* landlock_add_rule */, rs, 1 /* PATH_BENEATH */, &pa, 0)) die("path rule", argv[i + 2]);
      close(pa.fd);
    } else {
      struct port_attr na = {access, strtoull(argv[i + 2], NULL, 0)};
      if (syscall(445, rs, 2 /* NET_PORT */, &na, 0)) die("port rule", argv[i + 2]);
    }
  }
  if (i >= argc || strcmp(argv[i], "--")) { fprintf(stderr, "landlock-exec: missing --\n"); return 127; }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("no_new_privs", "");
  if (syscall(446 /* landlock_restrict_self */, rs, 0)) die("landlock_restrict_self", "");
  execvp(argv[i + 1], &argv[i + 1]);
  die("exec", argv[i + 1]);
}
