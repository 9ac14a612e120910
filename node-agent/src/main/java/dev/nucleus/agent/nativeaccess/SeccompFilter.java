package dev.nucleus.agent.nativeaccess;

import java.util.List;

/**
 * A libseccomp filter context being built for the native architecture. Closing it releases the context.
 * Implementations are not thread-safe; build one filter per thread.
 */
public interface SeccompFilter extends AutoCloseable {

  /** Syscall number of {@code name} on the native architecture, or a negative value if it has none there. */
  int resolve(String name);

  /** Adds a rule; {@code action} is a full SECCOMP_RET_* value (action plus data). Throws on libseccomp errors. */
  void addRule(int action, int syscall, List<SeccompArgCmp> conditions);

  /** The action for syscalls made through another ABI (i386 {@code int 0x80}, x32). */
  void setBadArchAction(int action);

  /** The filter as {@code struct sock_filter[]}, ready for {@code seccomp(SECCOMP_SET_MODE_FILTER)}. */
  byte[] exportBpf();

  @Override
  void close();
}
