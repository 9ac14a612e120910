package dev.nucleus.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where the repository's files and the build's artifacts are, relative to this module (set by surefire). */
final class Repo {
  private Repo() {}

  static Path root() {
    return Path.of(required("nucleus.repo.root")).toAbsolutePath().normalize();
  }

  /** Where every child process writes its output, so a failed run shows the operator's and agent's logs. */
  static Path logs() {
    Path dir = Path.of(required("nucleus.e2e.logs")).toAbsolutePath();
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  static Path file(String relative) {
    return root().resolve(relative);
  }

  /** The operator's Quarkus fast-jar, packaged by the src module earlier in the same reactor build. */
  static Path operatorJar() {
    return requireBuilt(file("src/target/quarkus-app/quarkus-run.jar"), "src");
  }

  /**
   * The {@code nucleus} CLI a node runs. The script builds the agent when its jar is missing; here it must already
   * be packaged by the node-agent module, never built from inside a test.
   */
  static Path nucleusCli() {
    Path target = file("node-agent/target");
    requireBuilt(target.resolve("lib"), "node-agent");
    try (Stream<Path> jars = Files.list(target)) {
      if (jars.noneMatch(p -> p.getFileName().toString().matches("nucleus-node-agent-.*\\.jar"))) {
        throw new IllegalStateException("no nucleus-node-agent jar in " + target + ": run the reactor build "
            + "(scripts/mvn -B -pl e2e -am verify), which packages node-agent before these tests");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + target, e);
    }
    return file("node-agent/bin/nucleus");
  }

  private static Path requireBuilt(Path path, String module) {
    if (!Files.exists(path)) {
      throw new IllegalStateException(path + " is missing: run the reactor build (scripts/mvn -B -pl e2e -am verify), "
          + "which packages " + module + " before these tests");
    }
    return path;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set (the e2e pom's surefire sets it)");
    }
    return value;
  }
}
