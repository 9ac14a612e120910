package dev.nucleus.agent.seccomp;

import dev.nucleus.agent.nativeaccess.SeccompArgCmp;
import java.util.List;

/** One rule of a profile: a syscall by name, the verdict, and argument conditions that must all hold. */
public record SeccompRule(String syscall, Verdict verdict, List<SeccompArgCmp> conditions) {
  public SeccompRule {
    conditions = List.copyOf(conditions);
  }

  public static SeccompRule of(String syscall, Verdict verdict, SeccompArgCmp... conditions) {
    return new SeccompRule(syscall, verdict, List.of(conditions));
  }

  public boolean conditional() {
    return !conditions.isEmpty();
  }
}
