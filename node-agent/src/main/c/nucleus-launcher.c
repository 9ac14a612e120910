// nucleus-launcher: applies one launch plan computed by the Nucleus agent, then becomes the sandbox's monitor.
// Why it exists, the plan format and the order of steps: README.md next to this file.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// Exit codes of the launcher process itself (the workload's own code is recorded in the status file).
#define EXIT_PLAN 120    // the plan could not be read or parsed
#define EXIT_SETUP 121   // a setup step failed; the report says which
#define EXIT_MONITOR 122 // the monitor could not record the exit status
#define EXIT_UNCLAIMED 123  // a pool member ended without a claim: nothing of a workload ran in it

// Debian 12's headers predate Landlock ABI 4+; the UAPI values are stable (include/uapi/linux/landlock.h).
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2
struct ll_ruleset_attr { uint64_t fs, net, scoped; };
struct ll_path_attr { uint64_t allowed; int32_t fd; } __attribute__((packed));
struct ll_port_attr { uint64_t allowed; uint64_t port; };

#define MAXV 512
struct vec { char *v[MAXV + 1]; size_t len[MAXV]; int n; };  // v[n] stays NULL: arg and env are execve's vectors

// The decoded plan. Strings point into the plan buffer; repeated keys keep their order.
struct plan {
  struct vec cgroup, op, fin, rlimit, llpath, llport, env, arg;
  char *uidmap, *gidmap, *hostname, *root, *cwd, *out, *err, *status, *landlock, *init;
  char *bpf; size_t bpflen;
  char *init_bpf; size_t init_bpflen;  // a member's pid 1's own filter, applied before any claim (README.md, "Warm pool")
  int lo_up;
  long clone_flags, caps, uid, gid, log_limit, deadline;
  char *restore; long restore_timeout;  // restore mode (see restore_main): criu's pidfile, bound on criu in seconds
  char *log;  // where stderr goes when the launcher was forked by the zygote (else the agent redirected it)
  char *cgroup_into;  // a cgroup v2 directory the init is created in (CLONE_INTO_CGROUP); its cgroup.procs is then skipped
  int member;  // a warm-pool member: set up to pivot_root, then wait for the claim (README.md, "Warm pool")
  int end;  // the record that ends a plan or claim on a stream that stays open (read_plan)
};
enum phase { PLAN, CLAIM };

static int report_fd = 1;  // monitor: the pipe to the agent; init child: the error pipe to the monitor
static pid_t doomed;  // the monitor's init once cloned: a monitor that fails kills it rather than leave it set up halfway

// Inside the sandbox the init keeps two descriptors across its re-exec: the error pipe (until the workload's exec)
// and the verdict pipe, on which it hands the workload's wait status to the monitor just before it exits.
#define INIT_REPORT_FD 3
#define INIT_VERDICT_FD 4
#define INIT_CLAIM_FD 5   // a pool member's: the claim, read by the process that becomes the workload
#define INIT_FILTER_FD 6  // a pool member's: pid 1's own seccomp filter, carried across its re-exec
// What the init forwards to the workload (SIGCHLD it handles itself), blocked from before its exec onwards.
static const int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
static sigset_t init_signals;

// Every failure leaves one tab-separated line: fail, step, syscall, errno, argument. Then the process dies.
static void __attribute__((noreturn)) die(const char *step, const char *call, const char *arg) {
  int e = errno;
  char line[1024], clean[600];
  snprintf(clean, sizeof clean, "%s", arg ? arg : "");
  for (char *c = clean; *c; c++) if (*c == '\t' || *c == '\n') *c = '?';
  int n = snprintf(line, sizeof line, "fail\t%s\t%s\t%d\t%s\n", step, call, e, clean);
  if (write(report_fd, line, n) < 0) {}
  fprintf(stderr, "nucleus-launcher: %s: %s(%s): %s\n", step, call, clean, strerror(e));
  if (doomed > 0) kill(doomed, SIGKILL);
  _exit(strcmp(step, "plan") ? EXIT_SETUP : EXIT_PLAN);
}

static void write_file(const char *step, const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) die(step, "open", path);
  if (write(fd, data, len) != (ssize_t)len) die(step, "write", path);
  close(fd);
}

static void __attribute__((noreturn)) bad(const char *what) {
  errno = EINVAL;
  die("plan", "parse", what);
}

// A malformed number fails closed (an "ns" of 0, say, would be no namespace at all).
static long num(const char *s) {
  char *end;
  long v = strtol(s, &end, 0);
  if (!*s || *end) bad(s);
  return v;
}

// Splits a NUL-separated value into at most max fields.
static int fields(char *v, size_t len, char **f, int max) {
  int n = 0;
  for (size_t i = 0; i <= len && n < max; n++) { f[n] = v + i; i += strlen(v + i) + 1; }
  return n;
}

// ---- plan decoding: records "<key> <len>\n<len bytes>\n" on stdin until EOF ----

// Reads records until EOF, or up to a complete "end" record: a pool member's plan and its claim arrive on a stream
// that stays open, so each ends with "end 0\n\n" and nothing may follow it before the launcher answers.
static char *read_plan(int fd, size_t *len) {
  size_t cap = 1 << 16, n = 0, at = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n == cap && !(buf = realloc(buf, cap *= 2))) break;
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("plan", "read", "stdin");
    if (r == 0) { *len = n; return buf; }
    n += r;
    for (char *nl; (nl = memchr(buf + at, '\n', n - at));) {  // walk the complete records so far
      char *sp = memchr(buf + at, ' ', nl - (buf + at));
      size_t rec = (nl - buf) + 1 + (sp ? strtoul(sp + 1, NULL, 10) : 0) + 1;  // a bad header fails in decode
      if (rec <= at) bad("record length");  // a length that wrapped around
      if (rec > n) break;
      int end = !strncmp(buf + at, "end ", 4);
      at = rec;
      if (end && at != n) bad("bytes after end");
      if (end) { *len = n; return buf; }
    }
  }
  die("plan", "malloc", "plan buffer");
}

static void push(struct vec *v, char *s, size_t len) {
  if (v->n == MAXV) { errno = E2BIG; die("plan", "parse", s); }
  v->v[v->n] = s; v->len[v->n++] = len;
}

// Every key of a plan and where its value goes. "claim" says whether it is the workload's part of a plan, which a
// pool member's claim carries (1), or not (0), or both (2): a member's own plan (first key "member") may hold no
// claim key, a claim nothing else; a member is made before any workload is known.
enum kind { STR, VEC, NUM, BIN, FLAG };
#define KEY(name, kind, field, claim) {name, kind, offsetof(struct plan, field), claim}
static const struct key { const char *name; enum kind kind; size_t at; int claim; } keys[] = {
  KEY("cgroup", VEC, cgroup, 0), KEY("op", VEC, op, 0), KEY("fin", VEC, fin, 1), KEY("rlimit", VEC, rlimit, 1),
  KEY("landlock-path", VEC, llpath, 1), KEY("landlock-port", VEC, llport, 1), KEY("env", VEC, env, 1),
  KEY("arg", VEC, arg, 1), KEY("uidmap", STR, uidmap, 0), KEY("gidmap", STR, gidmap, 0), KEY("root", STR, root, 0),
  KEY("hostname", STR, hostname, 1), KEY("cwd", STR, cwd, 1), KEY("init", STR, init, 0), KEY("stdout", STR, out, 1),
  KEY("stderr", STR, err, 1), KEY("status", STR, status, 1), KEY("landlock", STR, landlock, 1),
  KEY("restore", STR, restore, 0), KEY("log", STR, log, 2),
  KEY("cgroup-into", STR, cgroup_into, 0), KEY("lo-up", FLAG, lo_up, 0), KEY("ns", NUM, clone_flags, 0),
  KEY("caps", NUM, caps, 1), KEY("uid", NUM, uid, 1), KEY("gid", NUM, gid, 1), KEY("log-limit", NUM, log_limit, 1),
  KEY("deadline", NUM, deadline, 1), KEY("restore-timeout", NUM, restore_timeout, 0),
  KEY("seccomp", BIN, bpf, 1), KEY("init-seccomp", BIN, init_bpf, 0), KEY("end", FLAG, end, 2)};

static void decode(struct plan *p, char *buf, size_t len, enum phase phase) {
  const struct key *k, *last = keys + sizeof keys / sizeof *keys;
  p->uid = p->gid = -1;
  for (size_t i = 0; i < len;) {
    char *key = buf + i, *sp = memchr(key, ' ', len - i), *nl;
    if (!sp || !(nl = memchr(sp, '\n', len - (sp - buf)))) bad("record header");
    *sp = 0;
    size_t vlen = strtoul(sp + 1, NULL, 10);
    char *v = nl + 1, *at;
    if ((size_t)(v - buf) + vlen >= len || v[vlen] != '\n') bad(key);
    v[vlen] = 0;
    i = (v - buf) + vlen + 1;
    if (!strcmp(key, "member") && key == buf && phase == PLAN) { p->member = 1; continue; }
    for (k = keys; k < last && strcmp(k->name, key); k++) {}
    if (k == last) bad(key);  // unknown keys fail closed
    if (p->member && k->claim != 2 && k->claim != (phase == CLAIM))
      bad(phase == CLAIM ? "not a claim key" : "a claim key in a member's plan");
    switch (at = (char *)p + k->at, k->kind) {
      case VEC: push((struct vec *)at, v, vlen); break;
      case STR: *(char **)at = v; break;
      case NUM: *(long *)at = num(v); break;
      case BIN: *(char **)at = v; *(size_t *)(at + sizeof(char *)) = vlen; break;  // the length follows the pointer
      case FLAG: *(int *)at = 1;
    }
  }
  // A member's plan has no workload, its claim no shape; a restore's workload is criu and the restored tree.
  int shape = phase == PLAN && !p->restore, workload = !p->member || phase == CLAIM;
  if ((shape && (!p->root || !p->init)) || (workload && (!p->arg.n || !p->out || !p->err || !p->status))
      || (workload && !p->restore && (p->uid < 0 || p->gid < 0)) || (p->restore && p->restore_timeout <= 0))
    bad("missing arg/root/init/stdout/stderr/status/uid/gid/restore-timeout");
  if ((p->member && (p->restore || p->clone_flags & CLONE_NEWUSER)) || (phase == PLAN && !p->member != !p->init_bpflen))
    bad("member (init-seccomp only and always in a member's plan)");
  if (p->bpflen % sizeof(struct sock_filter) || p->init_bpflen % sizeof(struct sock_filter) || p->init_bpflen > 4096)
    bad("seccomp length");
}

// ---- the sandbox init: runs in the new namespaces; the line order of init_main is the security order ----

// Mount-table operations, already resolved to host paths by the agent (policy lives in Java).
static void apply_op(char *v, size_t len) {
  char *f[6] = {0};
  int n = fields(v, len, f, 6);
  if (!strcmp(f[0], "mkdir") && n == 3) {
    if (mkdir(f[1], 0700) == 0) {  // the exact mode is set only on directories we create (umask-proof)
      if (chmod(f[1], num(f[2]))) die("mounts", "chmod", f[1]);
    } else if (errno != EEXIST) die("mounts", "mkdir", f[1]);
  } else if (!strcmp(f[0], "file") && n >= 3) {  // a mount point for a file bind, or small content
    int fd = open(f[1], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, num(f[2]));
    if (fd < 0) die("mounts", "open", f[1]);
    if (n == 4 && write(fd, f[3], strlen(f[3])) < 0) die("mounts", "write", f[1]);
    close(fd);
  } else if (!strcmp(f[0], "symlink") && n == 3) {
    if (symlink(f[1], f[2])) die("mounts", "symlink", f[2]);
  } else if (!strcmp(f[0], "mknod") && n == 4) {
    if (mknod(f[1], S_IFCHR | 0666, makedev(num(f[2]), num(f[3])))) die("mounts", "mknod", f[1]);
    if (chmod(f[1], 0666)) die("mounts", "chmod", f[1]);
  } else if (!strcmp(f[0], "mount") && n == 6) {
    const char *src = *f[1] ? f[1] : NULL, *type = *f[3] ? f[3] : NULL, *data = *f[5] ? f[5] : NULL;
    if (mount(src, f[2], type, strtoul(f[4], NULL, 0), data)) die("mounts", "mount", f[2]);
  } else {
    errno = EINVAL; die("mounts", "plan", f[0]);
  }
}

// In a fresh network namespace loopback exists but is down.
static void loopback_up(void) {
  struct ifreq ifr = {0};
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("network", "socket", "AF_INET");
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("network", "ioctl", "SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("network", "ioctl", "SIOCSIFFLAGS lo");
  close(s);
}

static void pivot(const char *root) {
  if (chdir(root)) die("pivot_root", "chdir", root);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the new root.
  if (syscall(SYS_pivot_root, ".", ".")) die("pivot_root", "pivot_root", root);
  if (umount2(".", MNT_DETACH)) die("pivot_root", "umount2", "old root");
  if (chdir("/")) die("pivot_root", "chdir", "/");
}

// Puts from[i] on descriptor i (-1: leaves i as it is), then closes every descriptor from n on (close_flags 0), or
// marks them close-on-exec (CLOSE_RANGE_CLOEXEC). Sources below n move above 9 first: no dup2 overwrites one still to go.
static void place_fds(const char *step, int *from, int n, unsigned close_flags) {
  for (int i = 0; i < n; i++)
    if (from[i] >= 0 && from[i] < n && (from[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 10)) < 0) die(step, "fcntl", "F_DUPFD");
  for (int i = 0; i < n; i++)
    if (from[i] >= 0 && dup2(from[i], i) < 0) die(step, "dup2", "");
  if (syscall(SYS_close_range, n, ~0U, close_flags)) die(step, "close_range", "");
}

// stdin /dev/null, stdout/stderr the monitor's pipes, the error and verdict pipes at 3 and 4 (dup2 leaves them open
// across the init's exec), a member's claim and filter pipes at 5 and 6; no other descriptor survives.
static void init_fds(int out_w, int err_w, int verdict_w, int claim_r, int filter_r) {
  int from[] = {open("/dev/null", O_RDWR | O_CLOEXEC), out_w, err_w, report_fd, verdict_w, claim_r, filter_r};
  if (from[0] < 0) die("fds", "open", "/dev/null");
  place_fds("fds", from, claim_r >= 0 ? INIT_FILTER_FD + 1 : INIT_VERDICT_FD + 1, 0);
  report_fd = INIT_REPORT_FD;
}

static void rlimits(struct plan *p) {
  for (int i = 0; i < p->rlimit.n; i++) {
    char *f[3];
    if (fields(p->rlimit.v[i], p->rlimit.len[i], f, 3) != 3) { errno = EINVAL; die("rlimits", "plan", p->rlimit.v[i]); }
    struct rlimit rl = {strtoull(f[1], NULL, 0), strtoull(f[2], NULL, 0)};
    if (setrlimit(num(f[0]), &rl)) die("rlimits", "setrlimit", f[0]);
  }
}

// Bounding and ambient sets go first, while CAP_SETPCAP is still effective (capabilities(7)).
static void drop_bounding_and_ambient(uint64_t keep) {
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) die("caps", "prctl", "PR_CAPBSET_DROP");
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) die("caps", "prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
  // Keep permitted caps across setuid only when some capability was asked for; the capset below trims them.
  if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) die("caps", "prctl", "PR_SET_KEEPCAPS");
}

// No supplementary groups. In a user namespace setgroups is denied (see the monitor), which cleared its own before clone.
static void switch_identity(struct plan *p) {
  if (!(p->clone_flags & CLONE_NEWUSER) && setgroups(0, NULL)) die("identity", "setgroups", "");
  if (setresgid(p->gid, p->gid, p->gid)) die("identity", "setresgid", "gid");
  if (setresuid(p->uid, p->uid, p->uid)) die("identity", "setresuid", "uid");
}

// Effective, permitted and inheritable become exactly the allowlist; a non-root workload gets them as ambient
// so they survive exec, root gets them through the bounding set.
static void set_final_caps(struct plan *p) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {{0}};
  d[0].effective = d[0].permitted = d[0].inheritable = (uint32_t)p->caps;
  d[1].effective = d[1].permitted = d[1].inheritable = (uint32_t)(p->caps >> 32);
  if (syscall(SYS_capset, &h, d)) die("caps", "capset", "allowlist");
  for (int cap = 0; p->uid != 0 && cap < 64; cap++)
    if ((p->caps & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0)) die("caps", "prctl", "PR_CAP_AMBIENT_RAISE");
}

// Paths are inside the sandbox's view, so this runs after pivot_root.
static void landlock(struct plan *p) {
  char *end;  // "handledFs handledNet scoped"
  struct ll_ruleset_attr attr = {strtoull(p->landlock, &end, 0), 0, 0};
  attr.net = strtoull(end, &end, 0);
  attr.scoped = strtoull(end, NULL, 0);
  int rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (rs < 0) die("landlock", "landlock_create_ruleset", "ruleset");
  for (int i = 0; i < p->llpath.n; i++) {
    char *pf[2];
    fields(p->llpath.v[i], p->llpath.len[i], pf, 2);
    struct ll_path_attr pa = {strtoull(pf[0], NULL, 0), open(pf[1], O_PATH | O_CLOEXEC)};
    if (pa.fd < 0) die("landlock", "open", pf[1]);
    if (syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pa, 0)) die("landlock", "landlock_add_rule", pf[1]);
    close(pa.fd);
  }
  for (int i = 0; i < p->llport.n; i++) {
    char *pf[2];
    fields(p->llport.v[i], p->llport.len[i], pf, 2);
    struct ll_port_attr na = {strtoull(pf[0], NULL, 0), strtoull(pf[1], NULL, 0)};
    if (syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &na, 0)) die("landlock", "landlock_add_rule", pf[1]);
  }
  if (syscall(SYS_landlock_restrict_self, rs, 0)) die("landlock", "landlock_restrict_self", "ruleset");
  close(rs);
}

// The monitor's "go": every cgroup of the plan joined, the id maps written.
static void await_go(int go_r) {
  char go;
  if (read(go_r, &go, 1) != 1) { errno = ECHILD; die("sync", "read", "monitor went away"); }
}

// Steps 7-12: a cold launch's init, a pool member's claimant, and a member's pid 1 (its own caps and filter) restrict
// themselves with the same calls in the same order.
static void restrict_self(struct plan *p) {
  rlimits(p);
  // 8-9. Privileges: bounding/ambient, then identity, then the final capability sets.
  drop_bounding_and_ambient(p->caps);
  switch_identity(p);
  set_final_caps(p);
  // 10. no_new_privs before Landlock and seccomp (both require it without CAP_SYS_ADMIN) and so setuid files cannot elevate.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("no_new_privs", "prctl", "PR_SET_NO_NEW_PRIVS");
  if (p->landlock) landlock(p);
  // 11-12. Landlock, then seccomp last, so none of the setup calls above has to be allowed by the filter.
  struct sock_fprog prog = {(unsigned short)(p->bpflen / sizeof(struct sock_filter)), (struct sock_filter *)p->bpf};
  if (p->bpflen && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) die("seccomp", "seccomp", "SECCOMP_SET_MODE_FILTER");
}

// Steps 5-12 of init_main, the workload's part of a plan: run by a cold launch's init, and by a pool member's
// claimant (out_w < 0: its stdio is in place since before the claim, and the verdict pipe is pid 1's).
static void lock_down(struct plan *p, int out_w, int err_w, int verdict_w) {
  // 5. The workload's own names and files in the sandbox's view: hostname, /etc/hostname, /etc/hosts ("fin" ops),
  // then the root remounted read-only; its working directory.
  if (p->hostname && sethostname(p->hostname, strlen(p->hostname))) die("hostname", "sethostname", p->hostname);
  for (int i = 0; i < p->fin.n; i++) apply_op(p->fin.v[i], p->fin.len[i]);
  if (p->cwd && chdir(p->cwd)) die("cwd", "chdir", p->cwd);
  // 6. Only stdio and the error pipe survive (a claimant's are in place, and close-on-exec since init_process).
  if (out_w >= 0) init_fds(out_w, err_w, verdict_w, -1, -1);
  restrict_self(p);
}

static void __attribute__((noreturn)) init_main(struct plan *p, int go_r, int out_w, int err_w, int verdict_w) {
  int userns = p->clone_flags & CLONE_NEWUSER;
  // 1. In a user namespace nothing can be set up before the monitor wrote the id maps: wait for "go" first.
  if (userns) await_go(go_r);
  if (userns && (setresgid(0, 0, 0) || setresuid(0, 0, 0))) die("userns", "setresuid", "0");
  // 2. Session leader inside the pid namespace: no controlling terminal, and CRIU can dump the session.
  if (setsid() < 0) die("session", "setsid", "");
  if (p->lo_up) loopback_up();
  // 3. Mounts (the agent put "make / rprivate" first, so nothing propagates back to the host), then pivot_root.
  for (int i = 0; i < p->op.n; i++) apply_op(p->op.v[i], p->op.len[i]);
  pivot(p->root);
  // 4. Without a user namespace the mounts above ran while the monitor joined the cgroups (each v1 migration takes
  // the global cgroup_threadgroup_rwsem: tens of us when calm, ms under load); nothing below runs before every join.
  if (!userns) await_go(go_r);
  // The cgroup namespace is created only now, so its root is the sandbox's own cgroup (CRIU needs that).
  if (p->clone_flags & CLONE_NEWCGROUP && unshare(CLONE_NEWCGROUP)) die("namespaces", "unshare", "cgroup");
  char *argv[MAXV + 2] = {"nucleus-init"};
  if (p->member) {
    // A member re-execs now, with stdio in place and no agent descriptor; nucleus-init forks its claimant and locks
    // itself down (init_process). Its filter crosses the exec on a pipe (at most 4 KiB: within a pipe's capacity).
    int f[2];
    if (pipe(f) || write(f[1], p->init_bpf, p->init_bpflen) != (ssize_t)p->init_bpflen || close(f[1])) die("pool", "pipe", "");
    init_fds(out_w, err_w, verdict_w, go_r, f[0]);
  } else {
    lock_down(p, out_w, err_w, verdict_w);
    for (int i = 0; i < p->arg.n; i++) argv[i + 1] = p->arg.v[i];
  }
  // 13. Become the sandbox's pid 1 proper: re-exec this binary from its read-only bind inside the sandbox, so every
  // mapping of the tree lives in the sandbox's mount namespace (CRIU must find them there). The forwarded signals
  // are blocked first; the mask survives exec, so none arrives before init_process waits for it.
  if (sigprocmask(SIG_BLOCK, &init_signals, NULL)) die("init", "sigprocmask", "");
  execve(p->init, argv, p->env.v);
  die("init", "execve", p->init);
}

// The workload, forked by nucleus-init: every signal at its default (ignored dispositions survive exec: an agent
// started under nohup would hand SIGHUP ignored to every workload, and a shell cannot trap a signal ignored on
// entry), the forwarded ones unblocked; environ is the workload's, so execvp searches its PATH.
static void __attribute__((noreturn)) exec_workload(char **argv, char **envp) {
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);  // EINVAL for KILL/STOP and libc's own: harmless
  if (sigprocmask(SIG_UNBLOCK, &init_signals, NULL)) die("exec", "sigprocmask", "");
  if (envp) environ = envp;
  execvp(argv[0], argv);
  die("exec", "execve", argv[0]);
}

// A pool member's claimant (pid 2, with the init's privileges): reads the claim the monitor accepted and forwards,
// applies a cold init's steps 5-12 and execs the workload. A monitor that goes away ends it (an empty claim).
static void __attribute__((noreturn)) claimant(void) {
  static struct plan c = {.member = 1};
  size_t len;
  char *claim = read_plan(INIT_CLAIM_FD, &len);
  decode(&c, claim, len, CLAIM);
  lock_down(&c, -1, -1, -1);
  exec_workload(c.arg.v, c.env.v);
}

// A pool member's pid 1 once its claimant exists: it needs nothing but to forward signals, reap and report, so it
// keeps CAP_KILL alone (to signal a workload of another uid), as uid 0 with no_new_privs and its own filter, which
// allows only that loop's calls (docs/security-model.md, "Warm pool"). Then "ready": the member may be claimed.
static void reaper_lock_down(void) {
  static char bpf[4096];
  static struct plan self = {.caps = 1ULL << CAP_KILL, .uid = 0, .gid = 0, .bpf = bpf};
  ssize_t n;
  while ((n = read(INIT_FILTER_FD, bpf + self.bpflen, sizeof bpf - self.bpflen)) > 0) self.bpflen += n;
  if (n < 0 || close(INIT_FILTER_FD) || close(INIT_CLAIM_FD)) die("pool", "read", "init-seccomp");
  restrict_self(&self);
  if (write(report_fd, "ready\n", 6) != 6) die("pool", "write", "ready");
}

// ---- the sandbox's pid 1 after the re-exec: argv is "nucleus-init" then the workload's argv ----

// pid 1 of the sandbox: forwards stop and control signals to the workload, reaps every child, and exits when the
// workload does, with its code or 128 + its signal; a pid-namespace init cannot die of the workload's signal (the
// kernel drops fatal signals an init does not handle), so the exact wait status goes to the monitor on the verdict pipe.
static int init_process(int argc, char **argv) {
  report_fd = INIT_REPORT_FD;
  int member = argc == 1;  // a pool member's: no workload yet, its claimant will read the claim
  // Its descriptors (3-4, a member's 3-6) stay open in pid 1 but close at the workload's exec.
  if (syscall(SYS_close_range, INIT_REPORT_FD, ~0U, CLOSE_RANGE_CLOEXEC)) die("init", "close_range", "");
  pid_t workload = fork();
  if (workload < 0) die("init", "fork", argv[0]);
  if (workload == 0 && member) claimant();
  if (workload == 0) exec_workload(argv + 1, NULL);
  if (member) reaper_lock_down();
  close(INIT_REPORT_FD);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&init_signals, &si), st;
    if (sig > 0 && sig != SIGCHLD) kill(workload, sig);
    for (pid_t pid; sig == SIGCHLD && (pid = waitpid(-1, &st, WNOHANG)) > 0;) {
      if (pid != workload) continue;
      if (write(INIT_VERDICT_FD, &st, sizeof st) < 0) {}  // after a CRIU restore nobody may be listening
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  }
}

// ---- the monitor: stays in the host namespaces, outside the sandbox's cgroups, and outlives the agent ----

struct log { int in, out; long written, limit; };

// Copies what is readable from a workload pipe into its log file, up to the cap; the rest is drained and dropped
// so the workload never blocks on a full pipe. Returns 0 at EOF.
static int pump(struct log *l) {
  char buf[65536];
  ssize_t n = read(l->in, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return 0;
  long room = l->limit - l->written;
  if (room > 0 && write(l->out, buf, n < room ? n : room) < 0) {}
  if (room > 0 && n >= room) {
    static const char cut[] = "\n[nucleus: log size limit reached, further output dropped]\n";
    if (write(l->out, cut, sizeof cut - 1) < 0) {}
  }
  l->written += n;
  return 1;
}

// temp file O_CREAT|O_EXCL|O_NOFOLLOW 0600, fsync, rename: a reader sees the old state or the new, never half.
static int write_status(const char *path, const char *text) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  unlink(tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fsync(fd) == 0;
  close(fd);
  return ok && rename(tmp, path) == 0 ? 0 : -1;
}

static long now_ms(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

// Points fd at /dev/null: the monitor's stdin once no plan or claim is to come, its stdout once it reported.
static void to_devnull(const char *step, int fd) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, fd) < 0 || close(null)) die(step, "dup2", "/dev/null");
}

// After the report (a launch's or a restore's), until the init exited and both pipes closed.
static int monitor(struct plan *p, pid_t init, int sfd, struct log *logs, int verdict_r) {
  to_devnull("monitor", 1);
  long end = now_ms(CLOCK_MONOTONIC) + p->deadline * 1000L;
  int status = 0, exited = 0, open_pipes = 2;
  const char *reason = "";
  while (!exited || open_pipes) {
    struct pollfd fds[3] = {{sfd, POLLIN, 0}, {logs[0].in, POLLIN, 0}, {logs[1].in, POLLIN, 0}};
    int timeout = -1;
    if (p->deadline > 0 && !exited) {
      long left = end - now_ms(CLOCK_MONOTONIC);
      if (left <= 0) { kill(init, SIGKILL); reason = "DeadlineExceeded"; left = 1000; }
      timeout = (int)left;
    }
    if (exited) timeout = 2000;  // after the init died, whatever still holds a pipe is gone within moments
    int n = poll(fds, 3, timeout);
    if (n < 0 && errno != EINTR) break;
    if (n == 0 && exited) break;
    for (int i = 0; i < 2; i++)
      if (fds[i + 1].fd >= 0 && fds[i + 1].revents && !pump(&logs[i])) { close(logs[i].in); logs[i].in = -1; open_pipes--; }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) != sizeof si) continue;
      if (si.ssi_signo == SIGCHLD) {
        while (!exited && waitpid(init, &status, WNOHANG) == init) exited = 1;
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
      } else if (!exited) {
        kill(init, si.ssi_signo);  // the init forwards it to the workload; the agent escalates via the cgroup
      }
    }
  }
  // An init that exited on its own wrote the workload's status; a killed init (deadline, cgroup kill) is reported as is.
  int workload_status;
  if (WIFEXITED(status) && read(verdict_r, &workload_status, sizeof workload_status) == sizeof workload_status)
    status = workload_status;
  char text[256];
  snprintf(text, sizeof text, "exitCode=%d\nsignal=%d\nreason=%s\nfinishedAtMillis=%ld\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0, reason,
           now_ms(CLOCK_REALTIME));
  if (write_status(p->status, text)) { perror("nucleus-launcher: status"); return EXIT_MONITOR; }
  return 0;
}

static int open_append(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) die("monitor", "open", path);
  return fd;
}

// The workload's log files (a pool member's come with its claim).
static void open_log_files(struct plan *p, struct log logs[2]) {
  logs[0].out = open_append(p->out);
  logs[1].out = open_append(p->err);
  logs[0].limit = logs[1].limit = p->log_limit;
}

// The launcher's own diagnostics: to the file the plan names (forked by the zygote), else where the agent put them.
static void log_to(const char *file) {
  int fd = file ? open_append(file) : 2;
  if (fd != 2 && (dup2(fd, 2) < 0 || close(fd))) die("monitor", "dup2", file);
}

// A launch's and a restore's monitor: the workload's stdout/stderr pipes and log files, the verdict pipe (pipes[2],
// read end non-blocking), a signalfd for SIGCHLD and the forwarded signals; *old is the mask children get back.
static int monitor_setup(struct plan *p, struct log logs[2], int pipes[3][2], sigset_t *old) {
  for (int i = 0; i < 3; i++)
    if (pipe2(pipes[i], O_CLOEXEC)) die("monitor", "pipe2", "");
  if (fcntl(pipes[2][0], F_SETFL, O_NONBLOCK)) die("monitor", "fcntl", "verdict");
  logs[0] = (struct log){pipes[0][0], -1, 0, 0};
  logs[1] = (struct log){pipes[1][0], -1, 0, 0};
  if (p->out) open_log_files(p, logs);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD); sigaddset(&mask, SIGTERM); sigaddset(&mask, SIGINT); sigaddset(&mask, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &mask, old)) die("monitor", "sigprocmask", "");
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) die("monitor", "signalfd", "");
  return sfd;
}

// An unclaimed member ends: its init is killed and reaped before the monitor exits, so once the monitor is gone its
// cgroups hold no task, not even a zombie (cgroup v2 refuses rmdir while an unreaped one is charged).
static void __attribute__((noreturn)) end_member(pid_t init) {
  kill(init, SIGKILL);
  waitpid(init, NULL, 0);
  _exit(EXIT_UNCLAIMED);
}

// A pool member's monitor (README.md, "Warm pool"): "ready" once pid 1 locked itself down, then the claim, accepted
// and handed to the claimant; the stream's end, a signal or the init's death end the member with nothing run.
static void serve_member(struct plan *p, int errp_r, int go_w, pid_t init, int sfd, struct log logs[2]) {
  char line[1100];
  ssize_t n = read(errp_r, line, sizeof line);  // "ready" or a failure line: each is one write, under PIPE_BUF
  if (n != 6 || memcmp(line, "ready\n", 6)) {
    if (n > 0 && write(1, line, n) < 0) {}
    errno = ECHILD; die("pool", "read", n > 0 ? "the init failed" : "the init went away");
  }
  dprintf(1, "ready\t%d\n", init);  // each report line is one write (dprintf flushes its buffer once)
  for (struct pollfd f[2] = {{0, POLLIN, 0}, {sfd, POLLIN, 0}}; !f[0].revents;) {
    if (poll(f, 2, -1) < 0 && errno != EINTR) die("pool", "poll", "");
    if (f[1].revents) end_member(init);  // SIGCHLD (the init died) or a stop signal
  }
  size_t len;
  char *claim = read_plan(0, &len), *copy = malloc(len + 1);
  if (!len || !copy) end_member(init);
  memcpy(copy, claim, len);
  decode(p, copy, len, CLAIM);  // a bad claim dies here, and the init with it
  log_to(p->log);
  open_log_files(p, logs);
  to_devnull("monitor", 0);
  // A blocking pipe write is short only if a signal interrupts it: the monitor's are blocked, a stop fails the claim.
  if (write(go_w, claim, len) != (ssize_t)len) die("pool", "write", "claim");
  free(claim);
}

// Writes pid into every cgroup.procs of the plan but skip (the cgroup the init was born in).
static void join_cgroups(struct plan *p, const char *pid, const char *skip) {
  for (int i = 0; i < p->cgroup.n; i++)
    if (!skip || strcmp(p->cgroup.v[i], skip)) write_file("cgroups", p->cgroup.v[i], pid, strlen(pid));
}

// ---- restore mode: the monitor of a sandbox that `criu restore` brings back (plan key "restore", README.md) ----
// arg and env are criu's; the monitor stays outside the plan's cgroups, runs criu as its child in them and, as a
// child subreaper, inherits the restored init when criu exits; from then on it is the same monitor as for a launch.

static void __attribute__((noreturn)) exec_criu(struct plan *p, int pipes[3][2], const sigset_t *old) {
  sigprocmask(SIG_SETMASK, old, NULL);
  signal(SIGPIPE, SIG_DFL);
  report_fd = fcntl(1, F_DUPFD_CLOEXEC, 10);  // failure lines still reach the agent, and close at exec
  if (report_fd < 0) die("restore", "fcntl", "report");
  join_cgroups(p, "0", NULL);
  // criu's output to the launcher log; at 3, 4, 5 the workload's pipes and the verdict pipe (criu's --inherit-fd).
  place_fds("restore", (int[]){-1, 2, -1, pipes[0][1], pipes[1][1], pipes[2][1]}, 6, CLOSE_RANGE_CLOEXEC);
  // criu runs this launcher as its post-restore action script (restore_gate) through the monitor's /proc exe link,
  // which stays valid even if the file is replaced. Without a gate in criu's env the restore is refused there.
  char self[64];
  snprintf(self, sizeof self, "/proc/%d/exe", (int)getppid());
  push(&p->arg, "--action-script", 15);
  push(&p->arg, self, strlen(self));
  execve(p->arg.v[0], p->arg.v, p->env.v);
  die("restore", "execve", p->arg.v[0]);
}

// criu's action script (CRTOOLS_SCRIPT_ACTION set; output into criu's log). At post-restore no restored task has run
// its own code yet, and criu kills them all unless this exits 0: only the agent's 'y' (its hash of the page images
// matched the signed manifest) does. 'n', a closed gate, no gate at all: 1, fail closed (README.md, "Restore mode").
static int restore_gate(const char *action) {
  if (strcmp(action, "post-restore")) return 0;
  const char *path = getenv("NUCLEUS_RESTORE_GATE");  // in criu's env: the agent's gate socket
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char verdict = 0;
  ssize_t n = -1;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s >= 0 && path && strlen(path) < sizeof a.sun_path) {
    strcpy(a.sun_path, path);
    if (!connect(s, (struct sockaddr *)&a, sizeof a))
      while ((n = read(s, &verdict, 1)) < 0 && errno == EINTR) {}
  }
  if (n == 1 && verdict == 'y') return 0;
  fprintf(stderr, "nucleus-launcher: restore gate %s: %s\n", path ? path : "(none)",
          n == 1 ? "the page images do not match the signed manifest" : "no answer from the agent");
  return 1;
}

// Waits for criu, at most restore_timeout seconds (then kills it); returns its wait status, or -1 on timeout.
static int wait_criu(struct plan *p, pid_t criu, int sfd) {
  long end = now_ms(CLOCK_MONOTONIC) + p->restore_timeout * 1000L;
  for (int st;;) {
    if (waitpid(criu, &st, WNOHANG) == criu) return st;
    long left = end - now_ms(CLOCK_MONOTONIC);
    if (left <= 0) { kill(criu, SIGKILL); waitpid(criu, &st, 0); return -1; }
    struct pollfd f = {sfd, POLLIN, 0};
    struct signalfd_siginfo si;
    if (poll(&f, 1, (int)left) > 0 && read(sfd, &si, sizeof si) < 0) {}  // SIGCHLD wakes us; others wait for the init
  }
}

// The restored init as criu's pidfile names it: digits only, and now our child (reparented to this subreaper).
static pid_t restored_init(const char *pidfile) {
  char buf[32] = {0}, *end;
  int fd = open(pidfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  long pid = n > 0 ? strtol(buf, &end, 10) : 0;
  if (pid <= 0 || (*end && *end != '\n')) { errno = EINVAL; return -1; }
  siginfo_t si = {0};
  if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT)) return -1;  // ECHILD: not reparented to us
  return (pid_t)pid;
}

static int restore_main(struct plan *p) {
  // Orphans of our children become ours: the restored init once criu (its parent) has exited.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) die("restore", "prctl", "PR_SET_CHILD_SUBREAPER");
  struct log logs[2];
  int pipes[3][2];  // the verdict pipe replaces the dumped init's (--inherit-fd fd[5]), so the exact status comes back
  sigset_t old;
  int sfd = monitor_setup(p, logs, pipes, &old);
  pid_t criu = fork();
  if (criu < 0) die("restore", "fork", "criu");
  if (criu == 0) exec_criu(p, pipes, &old);
  for (int i = 0; i < 3; i++) close(pipes[i][1]);  // from now on only the restored tree holds the write ends
  int st = wait_criu(p, criu, sfd);
  if (st == -1) { errno = ETIMEDOUT; die("restore", "criu", "timed out"); }
  if (!WIFEXITED(st) || WEXITSTATUS(st)) {
    char what[64];
    snprintf(what, sizeof what, WIFEXITED(st) ? "exit %d" : "signal %d", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    errno = 0; die("restore", "criu", what);
  }
  pid_t init = restored_init(p->restore);
  if (init < 0) die("restore", "pidfile", p->restore);
  dprintf(1, "ok\t%d\n", init);
  return monitor(p, init, sfd, logs, pipes[2][0]);  // without a recorded verdict pipe: the init's own exit status
}

// Start time in clock ticks since boot (/proc/PID/stat field 22): with the pid, what the agent records to tell a process
// from a later one with a recycled pid. Read here, before the init's "go", where neither process can have exited.
static unsigned long long start_time(pid_t pid) {
  char path[64], buf[1024], *f;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n <= 0) die("monitor", "read", path);
  buf[n] = 0;
  f = strrchr(buf, ')');  // comm may hold spaces and ')': count fields from the last ')', which ends field 2
  for (int field = 2; f && field < 22; field++) f = strchr(f + 1, ' ');
  if (!f) { errno = EINVAL; die("monitor", "parse", path); }
  return strtoull(f + 1, NULL, 10);
}

// Creates the init in its new namespaces, with clone3(CLONE_INTO_CGROUP) inside the plan's cgroup v2 directory if any:
// no migration, so no cgroup_threadgroup_rwsem write (docs/benchmarks.md). A kernel before 5.7 (ENOSYS, E2BIG, EINVAL)
// gets the same wall the old way: the monitor writes cgroup.procs before the init runs a step. *into says which.
static pid_t clone_init(struct plan *p, long flags, int *into) {
  *into = 0;
  if (p->cgroup_into) {
    int fd = open(p->cgroup_into, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) die("cgroups", "open", p->cgroup_into);
    struct clone_args a = {.flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = fd};
    pid_t pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL) die("cgroups", "clone3", p->cgroup_into);
    close(fd);
    if (pid >= 0) { *into = 1; return pid; }
  }
  return syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

// While it waits for the exec the monitor takes a 0.1 ms slice, so it relays "ok" as soon as the exec wakes it instead of
// after the workload; 0 restores the default. Set after clone, a child would inherit it (README.md, monitor step 5).
static void slice(uint64_t ns) {
  struct { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t prio; uint64_t slice, deadline, period; }
      a = {sizeof a, 0, 8 /* SCHED_FLAG_KEEP_POLICY */, getpriority(PRIO_PROCESS, 0), 0, ns, 0, 0};
  if (syscall(SYS_sched_setattr, 0, &a, 0)) {}  // latency only: no wall depends on it
}

// ---- zygote mode (`nucleus-launcher --zygote SOCKET`): forks launchers on request, off the agent's hot path ----
// Only the process that started it may connect (SO_PEERCRED pid = our parent); each connection is one launcher, which
// reads its plan from it and reports on it as one the agent spawned. Children are never waited for (SIGCHLD ignored),
// and the zygote exits when its lifeline (stdin) ends: monitors outlive both (README.md, "Zygote mode").
static int zygote_main(const char *path, int *conn) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; die("zygote", "bind", path); }
  strcpy(a.sun_path, path);
  signal(SIGCHLD, SIG_IGN);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || (unlink(path) && errno != ENOENT)) die("zygote", "socket", path);
  mode_t umask_before = umask(0177);  // the socket is born 0600; launchers get the agent's umask back
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 64)) die("zygote", "bind", path);
  umask(umask_before);
  if (write(1, "ready\n", 6) != 6) die("zygote", "write", "ready");
  to_devnull("zygote", 1);
  for (;;) {
    struct pollfd f[2] = {{0, POLLIN, 0}, {ls, POLLIN, 0}};
    if (poll(f, 2, -1) < 0) { if (errno == EINTR) continue; die("zygote", "poll", ""); }
    if (f[0].revents) break;  // the agent closed its end or died
    int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    struct ucred cr;
    socklen_t l = sizeof cr;
    if (c < 0) continue;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l) || cr.pid != getppid() || cr.uid != getuid()) { close(c); continue; }
    pid_t child = fork();
    if (child == 0) {
      signal(SIGCHLD, SIG_DFL);
      close(ls);
      *conn = c;
      return -1;  // main goes on as a launcher on this connection
    }
    close(c);  // a failed fork closes the connection: the agent reads no report and fails the launch
  }
  unlink(path);
  return 0;
}

int main(int argc, char **argv) {
  static struct plan p;
  size_t len;
  sigemptyset(&init_signals);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&init_signals, forwarded[i]);
  if (!strcmp(argv[0], "nucleus-init")) return init_process(argc, argv);
  if (getenv("CRTOOLS_SCRIPT_ACTION")) return restore_gate(getenv("CRTOOLS_SCRIPT_ACTION"));
  signal(SIGPIPE, SIG_IGN);
  int conn = -1;  // forked by the zygote: the agent's connection carries the plan in and the report out
  if (argc == 3 && !strcmp(argv[1], "--zygote") && zygote_main(argv[2], &conn) == 0) return 0;
  if (conn >= 0) {
    // One copy is kept (close-on-exec, never written) until the monitor exits: the agent sees its exit as the end
    // of the stream. The init closes its copy with every other descriptor before the workload runs.
    int keep = fcntl(conn, F_DUPFD_CLOEXEC, 10);
    if (keep < 0 || dup2(conn, 0) < 0 || dup2(conn, 1) < 0 || close(conn)) die("zygote", "dup2", "connection");
  }
  // Own session: the agent's process group, terminal and death do not reach the monitor (no PDEATHSIG either).
  if (setsid() < 0) die("monitor", "setsid", "");
  char *buf = read_plan(0, &len);
  decode(&p, buf, len, PLAN);
  log_to(p.log);
  if (!p.member) to_devnull("monitor", 0);  // a member's stdin stays the agent's stream until its claim
  if (p.restore) return restore_main(&p);

  struct log logs[2];
  int pipes[3][2], go[2], errp[2];
  sigset_t old;
  int sfd = monitor_setup(&p, logs, pipes, &old);
  if (pipe2(go, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) die("monitor", "pipe2", "sync");
  // clone() rather than unshare()+fork(): the monitor keeps the host's namespaces (so pivot_root in the sandbox
  // cannot move its root) while the child is born in all of them but the cgroup one (init_main step 4).
  if ((p.clone_flags & CLONE_NEWUSER) && setgroups(0, NULL)) die("userns", "setgroups", "monitor");
  // CLONE_NEWTIME lies inside CSIGNAL, so clone(2) cannot take it: unshared here, it is only time_for_children (the
  // monitor stays in the host's); its offsets stay 0 and freeze when the init enters (time_namespaces(7)).
  if (p.clone_flags & CLONE_NEWTIME && unshare(CLONE_NEWTIME)) die("timens", "unshare", "CLONE_NEWTIME");
  int into;
  pid_t init = clone_init(&p, p.clone_flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME), &into);
  if (init < 0) die("namespaces", "clone", "");
  if (init == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_DFL);
    report_fd = errp[1];
    close(go[1]);  // "go" reads EOF once the monitor is gone; every other descriptor of its goes in step 6
    init_main(&p, go[0], pipes[0][1], pipes[1][1], pipes[2][1]);
  }
  doomed = init;
  close(go[0]); close(errp[1]); close(pipes[0][1]); close(pipes[1][1]); close(pipes[2][1]);

  // Both pids go to the agent at once: it records the sandbox while the cgroup joins and the init's setup run.
  dprintf(1, "started\t%d\t%d\t%s\t%llu\t%llu\n", getpid(), init, into ? "clone-into-cgroup" : "cgroup-procs",
          start_time(getpid()), start_time(init));
  // The init waits for "go" past its mounts (before its first step with a user namespace): every process of the
  // sandbox is charged and killable before any of its own code runs.
  char pidstr[32], path[4096];
  snprintf(pidstr, sizeof pidstr, "%d", init);
  snprintf(path, sizeof path, "%s/cgroup.procs", into ? p.cgroup_into : "");
  join_cgroups(&p, pidstr, into ? path : NULL);
  // Id maps are written from outside: only a process with CAP_SETUID in the parent namespace may map a range.
  // setgroups must be denied before gid_map is written (user_namespaces(7), CVE-2014-8989).
  const char *maps[][2] = {{"setgroups", "deny"}, {"gid_map", p.gidmap}, {"uid_map", p.uidmap}};
  for (int i = 0; p.clone_flags & CLONE_NEWUSER && i < 3; i++) {
    snprintf(path, sizeof path, "/proc/%d/%s", init, maps[i][0]);
    write_file("userns", path, maps[i][1], strlen(maps[i][1]));
  }
  // "go" fails only when the init is gone: one that failed in its mounts left its reason on the error pipe.
  int went = write(go[1], "g", 1) == 1;
  if (p.member && went) serve_member(&p, errp[0], go[1], init, sfd, logs);
  close(go[1]);
  slice(100000);

  // The error pipe closes at the child's exec (CLOEXEC); any bytes on it are the child's failure line.
  char line[1100];
  ssize_t n, got = 0;
  while ((n = read(errp[0], line + got, sizeof line - 1 - got)) > 0 || (n < 0 && errno == EINTR)) got += n > 0 ? n : 0;
  close(errp[0]);
  if (got > 0 && write(1, line, got) < 0) {}
  if (!got && !went) die("sync", "write", "go");
  if (!got) dprintf(1, "ok\t%d\n", init);
  slice(0);
  return monitor(&p, init, sfd, logs, pipes[2][0]);
}
