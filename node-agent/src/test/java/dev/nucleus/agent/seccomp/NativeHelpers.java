package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles the test-only C helpers (src/test/resources/native) with gcc once per JVM and runs them. */
public final class NativeHelpers {
  private static Path dir;

  /** The path of a compiled helper, e.g. {@code binary("seccomp-exec")}. */
  public static synchronized Path binary(String name) throws IOException, InterruptedException {
    if (dir == null) {
      dir = Files.createTempDirectory("nucleus-native-test");
      dir.toFile().deleteOnExit();
    }
    Path bin = dir.resolve(name);
    if (!Files.exists(bin)) {
      Path src = dir.resolve(name + ".c");
      try (InputStream in = NativeHelpers.class.getResourceAsStream("/native/" + name + ".c")) {
        assertThat(in).as("test resource native/%s.c", name).isNotNull();
        Files.copy(in, src);
      }
      Result gcc = run(List.of("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString()));
      assertThat(gcc.exitCode()).as("gcc %s: %s", name, gcc.output()).isZero();
      bin.toFile().deleteOnExit();
      src.toFile().deleteOnExit();
    }
    return bin;
  }

  /** Runs a command with stdin from /dev/null; stdout and stderr merged. */
  public static Result run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("command did not finish: " + command);
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs {@code command} under the given BPF program (empty = no filter) through the seccomp-exec helper. */
  public static Result runFiltered(byte[] bpf, List<String> command) throws IOException, InterruptedException {
    Path prog = Files.createTempFile("nucleus-test", ".bpf");
    try {
      Files.write(prog, bpf);
      List<String> cmd = new ArrayList<>(List.of(binary("seccomp-exec").toString(), prog.toString()));
      cmd.addAll(command);
      return run(cmd);
    } finally {
      Files.delete(prog);
    }
  }

  /** Exit code and output of a finished process; an exit code above 128 means death by signal (code - 128). */
  public record Result(int exitCode, String output) {}

  private NativeHelpers() {}
}
