package dev.nucleus.agent.seccomp;

import dev.nucleus.agent.nativeaccess.SeccompAction;

/** What the filter does with a matching syscall: an action and, for ERRNO, the errno returned. */
public record Verdict(SeccompAction action, int errno) {
  static final int EPERM_NO = 1;
  static final int ENOSYS_NO = 38;

  public static final Verdict ALLOW = new Verdict(SeccompAction.ALLOW, 0);
  /** Refusal a program can handle: the call fails with "Operation not permitted". */
  public static final Verdict EPERM = new Verdict(SeccompAction.ERRNO, EPERM_NO);
  /** "Not implemented": libc falls back to an older call (clone3 → clone). */
  public static final Verdict ENOSYS = new Verdict(SeccompAction.ERRNO, ENOSYS_NO);
  /** For calls no correct program makes in a sandbox: the whole process dies at once. */
  public static final Verdict KILL_PROCESS = new Verdict(SeccompAction.KILL_PROCESS, 0);

  /** The full SECCOMP_RET_* value (action | data). */
  public int value() {
    return action == SeccompAction.ERRNO ? action.value() | (errno & 0xffff) : action.value();
  }

  @Override
  public String toString() {
    return action == SeccompAction.ERRNO ? "ERRNO(" + errno + ")" : action.name();
  }
}
