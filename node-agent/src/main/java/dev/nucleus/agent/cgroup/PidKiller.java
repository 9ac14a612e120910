package dev.nucleus.agent.cgroup;

/** Sends SIGKILL to one process; injectable so the fake-cgroupfs tests never signal real processes. */
@FunctionalInterface
public interface PidKiller {
  void kill(long pid);

  /** SIGKILL through {@link ProcessHandle}, which checks the start time so a recycled pid is not hit. */
  static PidKiller system() {
    return pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }
}
