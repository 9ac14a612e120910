package dev.nucleus.agent.nativeaccess;

import java.util.Locale;

/**
 * A seccomp filter return action, with its kernel {@code SECCOMP_RET_*} value (libseccomp uses the same values)
 * and the name the kernel prints in {@code /proc/sys/kernel/seccomp/actions_avail}.
 */
public enum SeccompAction {
  KILL_PROCESS(0x80000000),
  KILL_THREAD(0x00000000),
  TRAP(0x00030000),
  ERRNO(0x00050000),
  USER_NOTIF(0x7fc00000),
  TRACE(0x7ff00000),
  LOG(0x7ffc0000),
  ALLOW(0x7fff0000);

  private final int value;

  SeccompAction(int value) {
    this.value = value;
  }

  /** The kernel's SECCOMP_RET_* value; for ERRNO and TRACE the low 16 bits carry the data. */
  public int value() {
    return value;
  }

  /** Name as listed in {@code actions_avail}, e.g. {@code kill_process}. */
  public String kernelName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
