package dev.nucleus.agent.nativeaccess;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link NativeAccess} for unit tests: a configurable Landlock ABI and action set, and seccomp filters that
 * record their rules instead of calling libseccomp (the "bpf" is the rule log, one 8-byte record per rule).
 */
public final class FakeNativeAccess implements NativeAccess {
  private final int landlockAbi;
  private final Set<SeccompAction> actions;
  private final Map<String, Integer> syscalls;
  public final List<String> log = new ArrayList<>();

  public FakeNativeAccess(int landlockAbi, Set<SeccompAction> actions, Map<String, Integer> syscalls) {
    this.landlockAbi = landlockAbi;
    this.actions = actions.isEmpty() ? EnumSet.noneOf(SeccompAction.class) : EnumSet.copyOf(actions);
    this.syscalls = Map.copyOf(syscalls);
  }

  @Override
  public int landlockAbi() {
    return landlockAbi;
  }

  @Override
  public boolean seccompActionAvailable(SeccompAction action) {
    return actions.contains(action);
  }

  @Override
  public SeccompFilter newSeccompFilter(int defaultAction) {
    log.add("init " + Integer.toHexString(defaultAction));
    return new SeccompFilter() {
      private int rules;

      @Override
      public int resolve(String name) {
        return syscalls.getOrDefault(name, -1);
      }

      @Override
      public void addRule(int action, int syscall, List<SeccompArgCmp> conditions) {
        rules++;
        log.add("rule " + syscall + " " + Integer.toHexString(action) + " " + conditions.size());
      }

      @Override
      public void setBadArchAction(int action) {
        log.add("badarch " + Integer.toHexString(action));
      }

      @Override
      public byte[] exportBpf() {
        return new byte[rules * 8];
      }

      @Override
      public void close() {
        log.add("release");
      }
    };
  }

  @Override
  public String libseccompVersion() {
    return "0.0.0-fake";
  }

  @Override
  public int pidfdOpen(int pid) {
    throw new UnsupportedOperationException("the fake has no processes");
  }

  @Override
  public void pidfdSendSignal(int pidfd, int signal) {
    throw new UnsupportedOperationException("the fake has no processes");
  }

  @Override
  public void syncFilesystem(java.nio.file.Path dir) {
    log.add("syncfs " + dir);
  }

  @Override
  public void close(int fd) {
    log.add("close " + fd);
  }
}
