package dev.nucleus.agent.seccomp;

import dev.nucleus.agent.nativeaccess.NativeAccess;
import dev.nucleus.agent.nativeaccess.NativeAccessException;
import dev.nucleus.agent.nativeaccess.SeccompAction;
import dev.nucleus.agent.nativeaccess.SeccompFilter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles a {@link SeccompPolicy} into a BPF program with libseccomp, for the native architecture (x86_64).
 * Calls through any other ABI (i386 {@code int 0x80}, x32) kill the process: no legitimate sandboxed program
 * uses them and they are a classic filter bypass.
 */
public final class SeccompCompiler {
  /** Programs are a pure function of the policy on a given node, and libseccomp takes tens of milliseconds to
   * build one; the launch path should not pay that per sandbox. */
  private static final int CACHE_SIZE = 64;

  private final NativeAccess nativeAccess;
  private final Map<SeccompPolicy, SeccompProgram> cache = Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SeccompPolicy, SeccompProgram> eldest) {
          return size() > CACHE_SIZE;
        }
      });

  public SeccompCompiler(NativeAccess nativeAccess) {
    this.nativeAccess = nativeAccess;
  }

  public SeccompCompiler() {
    this(NativeAccess.system());
  }

  /** The program for {@code policy}; empty (and to be reported as such) for Unconfined. */
  public SeccompProgram compile(SeccompPolicy policy) {
    SeccompProgram cached = cache.get(policy);
    if (cached != null) {
      return cached;
    }
    SeccompProgram program = build(policy);
    cache.put(policy, program);
    return program;
  }

  /** The program of {@link SeccompProfiles#reaper()}, a warm-pool member's pid 1's own filter; built once. */
  public SeccompProgram compileReaper() {
    SeccompProgram r = reaper;
    if (r == null) {
      reaper = r = build(SeccompProfiles.reaper());
    }
    return r;
  }

  private volatile SeccompProgram reaper;

  private SeccompProgram build(SeccompPolicy policy) {
    if (policy.unconfined()) {
      return new SeccompProgram(new byte[0], 0, policy.profile());
    }
    return build(SeccompProfiles.expand(policy));
  }

  private SeccompProgram build(SeccompRuleSet set) {
    requireAction(SeccompAction.KILL_PROCESS);
    requireAction(SeccompAction.ERRNO);
    try (SeccompFilter filter = nativeAccess.newSeccompFilter(set.defaultVerdict().value())) {
      filter.setBadArchAction(set.badArchVerdict().value());
      Set<String> allowed = new TreeSet<>();
      for (SeccompRule rule : set.rules()) {
        int nr = filter.resolve(rule.syscall());
        if (nr < 0) {
          unresolved(set, rule.syscall());
          continue;
        }
        if (rule.verdict().equals(set.defaultVerdict())) {
          continue; // the default already says this, and libseccomp rejects a rule that repeats it
        }
        filter.addRule(rule.verdict().value(), nr, rule.conditions());
        if (rule.verdict().equals(Verdict.ALLOW)) {
          allowed.add(rule.syscall());
        }
      }
      return new SeccompProgram(filter.exportBpf(), allowed.size(), set.profile());
    } catch (NativeAccessException e) {
      throw new SeccompPolicyException(SeccompPolicyException.UNSUPPORTED,
          "cannot build the seccomp program: " + e.getMessage(), e);
    }
  }

  private static void unresolved(SeccompRuleSet set, String name) {
    if (SyscallSets.REQUIRED.contains(name)) {
      throw new SeccompPolicyException(SeccompPolicyException.UNSUPPORTED,
          "libseccomp does not know " + name + " on this architecture; it is too old to build a trustworthy filter", null);
    }
    if (!set.optional().contains(name)) {
      throw new SeccompPolicyException("unknown syscall '" + name + "' on x86_64 (check the spelling in the extra"
          + " allowed syscalls)");
    }
    // A base-list name this libseccomp predates stays denied: failing closed costs that syscall, not the sandbox.
  }

  private void requireAction(SeccompAction action) {
    if (!nativeAccess.seccompActionAvailable(action)) {
      throw new SeccompPolicyException(SeccompPolicyException.UNSUPPORTED,
          "the kernel does not support seccomp action " + action.kernelName(), null);
    }
  }
}
