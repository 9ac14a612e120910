package dev.nucleus.agent.seccomp;

import dev.nucleus.agent.nativeaccess.SeccompArgCmp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rules for the syscalls that are allowed only with certain arguments. libseccomp ORs the rules of one syscall and
 * ANDs the conditions of one rule, allows one comparison per argument per rule, and lets an unconditional rule
 * swallow conditional ones; everything here is therefore written as disjoint unions of ALLOW and EPERM rules
 * (EPERM rules repeat the Default profile's fallback and are dropped there; Strict, which kills by default, keeps
 * them so these refusals stay recoverable).
 */
final class ArgumentFilters {
  static final long AF_UNIX = 1;
  static final long AF_INET = 2;
  static final long AF_INET6 = 10;
  static final long AF_NETLINK = 16;
  static final long AF_PACKET = 17;
  static final long NETLINK_ROUTE = 0;

  /** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. CLONE_NEWTIME (0x80) is only valid for clone3
   * and unshare; in clone()'s flags that bit belongs to the exit signal. */
  static final long CLONE_NEW_MASK = 0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L | 0x10000000L
      | 0x20000000L | 0x40000000L;

  static final long TIOCSTI = 0x5412;
  static final long TIOCLINUX = 0x541C;

  /** prctl options a sandboxed program may use; the rest (PR_SET_MM, PR_SET_SECUREBITS, ...) get the default. */
  static final long[] PRCTL_ALLOWED = {
      1, 2, // PR_SET_PDEATHSIG, PR_GET_PDEATHSIG
      3, 4, // PR_GET_DUMPABLE, PR_SET_DUMPABLE
      7, // PR_GET_KEEPCAPS
      15, 16, // PR_SET_NAME, PR_GET_NAME
      21, 22, // PR_GET_SECCOMP, PR_SET_SECCOMP (a further filter can only restrict)
      23, // PR_CAPBSET_READ
      27, // PR_GET_SECUREBITS
      29, 30, // PR_SET_TIMERSLACK, PR_GET_TIMERSLACK
      36, 37, // PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER
      38, 39, // PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS
      40, // PR_GET_TID_ADDRESS
      41, 42, // PR_SET_THP_DISABLE, PR_GET_THP_DISABLE
      52, // PR_GET_SPECULATION_CTRL
      0x53564d41L, // PR_SET_VMA (glibc names anonymous mappings)
  };
  static final long PR_CAP_AMBIENT = 47;
  static final long PR_CAP_AMBIENT_IS_SET = 1;

  /** personality(2) values Docker's default profile also allows: query, PER_LINUX, PER_LINUX32, UNAME26 variants. */
  static final long[] PERSONALITY_ALLOWED = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffL};

  /** socket(): which address families may be created; every other family is refused with EPERM. */
  static List<SeccompRule> socket(Set<Long> families, boolean netlinkRouteOnly) {
    List<SeccompRule> rules = new ArrayList<>();
    for (long family : new TreeSet<>(families)) {
      if (family == AF_NETLINK && netlinkRouteOnly) {
        // glibc's getaddrinfo/getifaddrs read interfaces over NETLINK_ROUTE; other protocols (audit, uevent, ...)
        // talk to host-wide kernel subsystems.
        rules.add(SeccompRule.of("socket", Verdict.ALLOW, SeccompArgCmp.int32Eq(0, family),
            SeccompArgCmp.int32Eq(2, NETLINK_ROUTE)));
        for (SeccompArgCmp other : allowLow32Except(2, Set.of(NETLINK_ROUTE))) {
          rules.add(SeccompRule.of("socket", Verdict.EPERM, SeccompArgCmp.int32Eq(0, family), other));
        }
      } else {
        rules.add(SeccompRule.of("socket", Verdict.ALLOW, SeccompArgCmp.int32Eq(0, family)));
      }
    }
    for (SeccompArgCmp other : allowLow32Except(0, families)) {
      rules.add(SeccompRule.of("socket", Verdict.EPERM, other));
    }
    return rules;
  }

  /** clone() without any CLONE_NEW* flag: no new namespaces from inside the sandbox; with one, EPERM. */
  static List<SeccompRule> cloneWithoutNamespaces() {
    List<SeccompRule> rules = new ArrayList<>();
    rules.add(SeccompRule.of("clone", Verdict.ALLOW, SeccompArgCmp.maskedEq(0, CLONE_NEW_MASK, 0)));
    for (long bit = 1; bit <= CLONE_NEW_MASK; bit <<= 1) {
      if ((CLONE_NEW_MASK & bit) != 0) {
        rules.add(SeccompRule.of("clone", Verdict.EPERM, SeccompArgCmp.maskedEq(0, bit, bit)));
      }
    }
    return rules;
  }

  /** ioctl() with any request except TIOCSTI (fake terminal input) and TIOCLINUX (console control). */
  static List<SeccompRule> ioctlExceptTerminalInjection() {
    List<SeccompRule> rules = new ArrayList<>();
    for (SeccompArgCmp c : allowLow32Except(1, Set.of(TIOCSTI, TIOCLINUX))) {
      rules.add(SeccompRule.of("ioctl", Verdict.ALLOW, c));
    }
    rules.add(SeccompRule.of("ioctl", Verdict.EPERM, SeccompArgCmp.int32Eq(1, TIOCSTI)));
    rules.add(SeccompRule.of("ioctl", Verdict.EPERM, SeccompArgCmp.int32Eq(1, TIOCLINUX)));
    return rules;
  }

  static List<SeccompRule> prctl() {
    List<SeccompRule> rules = new ArrayList<>();
    for (long option : PRCTL_ALLOWED) {
      rules.add(SeccompRule.of("prctl", Verdict.ALLOW, SeccompArgCmp.int32Eq(0, option)));
    }
    rules.add(SeccompRule.of("prctl", Verdict.ALLOW, SeccompArgCmp.int32Eq(0, PR_CAP_AMBIENT),
        SeccompArgCmp.int32Eq(1, PR_CAP_AMBIENT_IS_SET)));
    return rules;
  }

  static List<SeccompRule> personality() {
    List<SeccompRule> rules = new ArrayList<>();
    for (long p : PERSONALITY_ALLOWED) {
      rules.add(SeccompRule.of("personality", Verdict.ALLOW, SeccompArgCmp.int32Eq(0, p)));
    }
    return rules;
  }

  /**
   * Conditions whose union is exactly "the low 32 bits of argument {@code index} are not in {@code excluded}"
   * (the kernel truncates {@code unsigned int} arguments, so the high half must not matter). Walks a binary trie of
   * the excluded values from bit 31 down: at each trie node, the branch no excluded value takes is a whole
   * allowed sub-cube, expressed as one masked equality on the prefix. At most 32 conditions per excluded value.
   */
  static List<SeccompArgCmp> allowLow32Except(int index, Set<Long> excluded) {
    List<SeccompArgCmp> out = new ArrayList<>();
    Set<Long> values = new TreeSet<>();
    for (long v : excluded) {
      values.add(v & 0xffff_ffffL);
    }
    walk(index, values, 31, 0L, out);
    return out;
  }

  private static void walk(int index, Set<Long> values, int bit, long prefix, List<SeccompArgCmp> out) {
    if (bit < 0 || values.isEmpty()) {
      return;
    }
    long mask = (0xffff_ffffL << bit) & 0xffff_ffffL;
    Set<Long> zero = new TreeSet<>();
    Set<Long> one = new TreeSet<>();
    for (long v : values) {
      ((v >>> bit & 1) == 0 ? zero : one).add(v);
    }
    for (int b = 0; b <= 1; b++) {
      Set<Long> branch = b == 0 ? zero : one;
      long next = prefix | ((long) b << bit);
      if (branch.isEmpty()) {
        out.add(SeccompArgCmp.maskedEq(index, mask, next));
      } else {
        walk(index, branch, bit - 1, next, out);
      }
    }
  }

  private ArgumentFilters() {}
}
