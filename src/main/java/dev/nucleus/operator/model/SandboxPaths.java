package dev.nucleus.operator.model;

import java.util.List;
import java.util.Optional;

/**
 * Lexical checks on paths in a spec. The node agent still resolves them without following symlinks;
 * this only refuses what no node could ever accept, early and with the field named.
 */
final class SandboxPaths {
  /** Host trees whose bind mount would hand the sandbox the host's kernel interfaces or devices. */
  static final List<String> SENSITIVE_HOST_TREES = List.of("/proc", "/sys", "/dev");

  private SandboxPaths() {}

  /** Why {@code path} is not a clean absolute path, or empty when it is one. */
  static Optional<String> notNormalizedAbsolute(String path) {
    if (path == null || path.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (!path.startsWith("/")) {
      return Optional.of("must be absolute, got \"" + path + "\"");
    }
    if (path.indexOf('\0') >= 0) {
      return Optional.of("must not contain NUL");
    }
    if (path.length() > 1 && path.endsWith("/")) {
      return Optional.of("must not end with '/', got \"" + path + "\"");
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (path.length() > 1 && segment.isEmpty()) {
        return Optional.of("must not contain '//', got \"" + path + "\"");
      }
      if (segment.equals(".") || segment.equals("..")) {
        return Optional.of("must not contain '" + segment + "' segments, got \"" + path + "\"");
      }
    }
    return Optional.empty();
  }

  /** True when {@code path} is {@code tree} or lies below it. */
  static boolean isAtOrBelow(String path, String tree) {
    return path.equals(tree) || path.startsWith(tree + "/");
  }
}
