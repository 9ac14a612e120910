package dev.nucleus.agent.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external tool with a timeout, output captured in a temp file so a chatty tool cannot block on a pipe. */
record ToolRun(int exitCode, String output, boolean timedOut) {

  static ToolRun run(List<String> command, Map<String, String> env, Duration timeout) throws IOException {
    Path out = Files.createTempFile("nucleus-probe", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(env);
      Process p = pb.start();
      boolean done;
      try {
        done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return new ToolRun(-1, Files.readString(out, StandardCharsets.UTF_8), true);
      }
      return new ToolRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), false);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The last non-blank line: tools put their verdict or error there. */
  String lastLine() {
    String[] lines = output.strip().split("\n");
    return lines.length == 0 ? "" : lines[lines.length - 1].strip();
  }
}
