package dev.nucleus.agent.seccomp;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Expands a {@link SeccompPolicy} into a {@link SeccompRuleSet}: the profile's allowlist, its argument filters, the
 * always-denied calls and the validated extras. Pure; the compiler turns the result into BPF.
 */
public final class SeccompProfiles {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  /** The rule set for a confined policy. */
  public static SeccompRuleSet expand(SeccompPolicy policy) {
    if (policy.unconfined()) {
      throw new IllegalArgumentException("profile Unconfined has no rules");
    }
    Set<String> extras = validateExtras(policy);
    boolean strict = policy.strict();
    Set<String> allow = new TreeSet<>(SyscallSets.DEFAULT_ALLOW);
    if (strict) {
      allow.removeAll(SyscallSets.STRICT_REMOVE);
    }
    allow.addAll(extras);

    List<SeccompRule> rules = new ArrayList<>();
    for (String name : allow) {
      if (!SyscallSets.ALWAYS_DENIED.containsKey(name) || extras.contains(name)) {
        rules.add(SeccompRule.of(name, Verdict.ALLOW));
      }
    }
    rules.addAll(ArgumentFilters.socket(socketFamilies(policy), !policy.hasCapability("CAP_NET_ADMIN")));
    boolean namespacesUnlocked = extras.contains("unshare") || extras.contains("setns");
    if (namespacesUnlocked) {
      rules.add(SeccompRule.of("clone", Verdict.ALLOW));
    } else {
      rules.addAll(ArgumentFilters.cloneWithoutNamespaces());
    }
    // seccomp cannot read clone3's flags (they sit in a struct in memory); ENOSYS makes glibc fall back to clone.
    rules.add(SeccompRule.of("clone3", Verdict.ENOSYS));
    rules.addAll(ArgumentFilters.ioctlExceptTerminalInjection());
    rules.addAll(ArgumentFilters.prctl());
    rules.addAll(ArgumentFilters.personality());
    for (String name : SyscallSets.ALWAYS_DENIED.keySet()) {
      if (!extras.contains(name)) {
        rules.add(SeccompRule.of(name, Verdict.EPERM));
      }
    }
    Set<String> optional = new TreeSet<>(SyscallSets.DEFAULT_ALLOW);
    optional.addAll(SyscallSets.ALWAYS_DENIED.keySet());
    optional.removeAll(SyscallSets.REQUIRED);
    // Strict kills on anything unlisted: a program doing something unexpected is stopped, not left to improvise.
    Verdict fallback = strict ? Verdict.KILL_PROCESS : Verdict.EPERM;
    return new SeccompRuleSet(policy.profile(), fallback, Verdict.KILL_PROCESS, rules, optional);
  }

  /** The profile name of {@link #reaper()}'s rule set (not a profile a spec may ask for). */
  public static final String REAPER = "Reaper";

  /**
   * The filter a warm-pool member's pid 1 puts on itself once it forked the process that will become the workload
   * (docs/security-model.md, "Warm pool"): what its loop needs to forward signals, reap children, hand the workload's
   * status to the monitor and exit. Anything else kills it, which ends the sandbox (the pid namespace dies with it).
   */
  public static SeccompRuleSet reaper() {
    List<SeccompRule> rules = new ArrayList<>();
    for (String name : List.of("rt_sigtimedwait", "kill", "wait4", "write", "close", "exit_group", "exit",
        "rt_sigreturn", "restart_syscall")) {
      rules.add(SeccompRule.of(name, Verdict.ALLOW));
    }
    return new SeccompRuleSet(REAPER, Verdict.KILL_PROCESS, Verdict.KILL_PROCESS, rules, Set.of());
  }

  /** The names {@code extraAllowed} may add, or a clear error for the first one it may not. */
  static Set<String> validateExtras(SeccompPolicy policy) {
    Set<String> out = new LinkedHashSet<>();
    for (String raw : policy.extraAllowed()) {
      String name = raw == null ? "" : raw.trim();
      if (!NAME.matcher(name).matches()) {
        throw new SeccompPolicyException("'" + raw + "' is not a syscall name (lower-case letters, digits and _)");
      }
      if (name.equals("clone3")) {
        throw new SeccompPolicyException("clone3 cannot be allowed: its flags are invisible to seccomp, so it"
            + " returns ENOSYS and libc falls back to the filtered clone");
      }
      if (SyscallSets.ARGUMENT_FILTERED.contains(name)) {
        throw new SeccompPolicyException(name + " is argument-filtered by profile " + policy.profile()
            + " and cannot be allowed without its filter");
      }
      if (SyscallSets.ALWAYS_DENIED.containsKey(name)) {
        requireCapability(policy, name, SyscallSets.ALWAYS_DENIED.get(name));
      }
      out.add(name);
    }
    return out;
  }

  private static void requireCapability(SeccompPolicy policy, String name, String capability) {
    if (capability == null) {
      throw new SeccompPolicyException(name + " is never allowed: the kernel resource behind it is shared with"
          + " the host and not namespaced");
    }
    boolean adminCovers = Set.of("CAP_BPF", "CAP_PERFMON").contains(capability) && policy.hasCapability("CAP_SYS_ADMIN");
    if (!policy.hasCapability(capability) && !adminCovers) {
      throw new SeccompPolicyException(name + " is denied unless the sandbox keeps " + capability
          + ": add it to capabilities.add, or drop " + name + " from the extra allowed syscalls");
    }
  }

  private static Set<Long> socketFamilies(SeccompPolicy policy) {
    Set<Long> families = new TreeSet<>();
    families.add(ArgumentFilters.AF_UNIX);
    if (!policy.strict()) {
      families.addAll(List.of(ArgumentFilters.AF_INET, ArgumentFilters.AF_INET6, ArgumentFilters.AF_NETLINK));
      if (policy.hasCapability("CAP_NET_RAW")) {
        families.add(ArgumentFilters.AF_PACKET);
      }
    }
    return families;
  }

  /** The always-denied names and the capability (or null) that may unlock each; for docs and `nucleus check`. */
  public static Map<String, String> alwaysDenied() {
    return SyscallSets.ALWAYS_DENIED;
  }

  private SeccompProfiles() {}
}
