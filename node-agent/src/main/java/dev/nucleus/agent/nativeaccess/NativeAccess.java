package dev.nucleus.agent.nativeaccess;

import dev.nucleus.agent.nativeaccess.jna.JnaNativeAccess;

/**
 * The agent's narrow, Java-typed window onto the kernel and libseccomp. Only read-only or process-safe calls
 * live here: the agent JVM never changes its own namespaces, credentials, seccomp or Landlock (the C launcher
 * does). Features are detected by probing, never by comparing kernel versions.
 */
public interface NativeAccess {

  /** The Landlock ABI version the kernel supports, or 0 when Landlock is absent or disabled. */
  int landlockAbi();

  /** Whether the kernel accepts this seccomp return action ({@code SECCOMP_GET_ACTION_AVAIL}). */
  boolean seccompActionAvailable(SeccompAction action);

  /** A new libseccomp context with the given default action (a full SECCOMP_RET_* value). */
  SeccompFilter newSeccompFilter(int defaultAction);

  /** libseccomp's version as "major.minor.micro", or throws {@link NativeAccessException} when it cannot load. */
  String libseccompVersion();

  /** A pidfd for {@code pid} ({@code pidfd_open}), so a later signal cannot hit a recycled pid. */
  int pidfdOpen(int pid);

  /** Sends {@code signal} through a pidfd ({@code pidfd_send_signal}). */
  void pidfdSendSignal(int pidfd, int signal);

  /**
   * {@code syncfs(2)} of the filesystem holding the directory {@code dir} (opened O_DIRECTORY|O_NOFOLLOW): every dirty
   * page and inode of that filesystem written and its journal committed before it returns, "the same guarantees as
   * fsync() called on every file" of it (man 2 sync); a writeback error on it is reported (Linux 5.8 and later).
   * Throws {@link NativeAccessException} with the errno when the open or the sync fails.
   */
  void syncFilesystem(java.nio.file.Path dir);

  /** Closes a file descriptor this facade returned. */
  void close(int fd);

  /** The implementation for this machine (JNA). */
  static NativeAccess system() {
    return JnaNativeAccess.instance();
  }
}
