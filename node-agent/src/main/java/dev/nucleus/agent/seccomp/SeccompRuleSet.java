package dev.nucleus.agent.seccomp;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A profile expanded into rules (pure data, unit-tested without libseccomp). {@code optional} names are base-list
 * entries that may be unknown to an older libseccomp; they are skipped (denied) rather than failing the compile.
 */
public record SeccompRuleSet(String profile, Verdict defaultVerdict, Verdict badArchVerdict, List<SeccompRule> rules,
    Set<String> optional) {

  public SeccompRuleSet {
    rules = List.copyOf(rules);
    optional = Set.copyOf(optional);
  }

  /** Syscalls with at least one ALLOW rule (conditional or not). */
  public Set<String> allowedSyscalls() {
    Set<String> names = new TreeSet<>();
    for (SeccompRule r : rules) {
      if (r.verdict().equals(Verdict.ALLOW)) {
        names.add(r.syscall());
      }
    }
    return names;
  }

  public List<SeccompRule> rulesFor(String syscall) {
    return rules.stream().filter(r -> r.syscall().equals(syscall)).toList();
  }
}
