package dev.nucleus.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Nucleus component (operator or agent) running as a process on this machine, its output appended to a log file
 * under target/ so a failing test can show it. Only the process itself is signalled: the sandboxes an agent started
 * belong to their detached monitors and must outlive it.
 */
final class ChildProcess implements AutoCloseable {
  private static final long STOP_GRACE_SECONDS = 20;

  private final String name;
  private final Path log;
  private final Process process;

  private ChildProcess(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static ChildProcess start(String name, List<String> command, Map<String, String> env, Path log) {
    try {
      Files.writeString(log, "\n=== " + name + ": " + String.join(" ", command) + "\n",
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.environment().putAll(env);
      return new ChildProcess(name, log, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crash or an OOM kill would end it: no shutdown hook runs. */
  void kill() {
    process.destroyForcibly();
    await(STOP_GRACE_SECONDS);
  }

  /** SIGTERM, then SIGKILL after a grace period; returns the exit code. */
  int stop() {
    if (process.isAlive()) {
      process.destroy();
      if (!await(STOP_GRACE_SECONDS)) {
        process.destroyForcibly();
        await(STOP_GRACE_SECONDS);
      }
    }
    return process.isAlive() ? -1 : process.exitValue();
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }

  @Override
  public void close() {
    stop();
  }

  /** The last lines of this process's log, for failure messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return "--- last " + lines + " lines of " + log + " (" + name + ")\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  private boolean await(long seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
