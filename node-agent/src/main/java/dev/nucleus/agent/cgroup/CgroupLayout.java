package dev.nucleus.agent.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where this node's cgroup hierarchies are mounted and where the caller sits in each, parsed from
 * {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. The mode follows from what is mounted, never from
 * the kernel version: v1 controllers only → v1; controllers on v1 plus a cgroup2 mount → hybrid (limits through
 * v1, kill/freeze/events through v2); no v1 controllers → v2.
 */
public record CgroupLayout(Map<String, Hierarchy> v1, Optional<Hierarchy> v2) {
  /** The v1 controllers Nucleus uses. */
  static final Set<String> V1_CONTROLLERS = Set.of("memory", "cpu", "cpuacct", "pids", "blkio", "freezer");

  /**
   * One mounted hierarchy: its mount point, the controllers bound to it, and the caller's own cgroup directory in
   * it (mount point + caller path relative to the mount's root).
   */
  public record Hierarchy(Path mountPoint, Set<String> controllers, Path callerDir) {}

  public CgroupLayout {
    v1 = Map.copyOf(v1);
  }

  public String mode() {
    boolean v1Controllers = v1.values().stream().anyMatch(h -> h.controllers().stream().anyMatch(V1_CONTROLLERS::contains));
    if (!v1Controllers) {
      if (v2.isEmpty()) {
        throw new CgroupException(CgroupException.UNSUPPORTED, "no cgroup hierarchy is mounted on this node");
      }
      return "v2";
    }
    return v2.isPresent() ? "hybrid" : "v1";
  }

  /** The v1 hierarchy carrying {@code controller}, if mounted. */
  public Optional<Hierarchy> v1(String controller) {
    return Optional.ofNullable(v1.get(controller));
  }

  /** Parses the two proc files; {@code mountinfo} paths are taken as they are (tests point them into a temp dir). */
  public static CgroupLayout parse(String mountinfo, String selfCgroup) {
    Map<String, String> v1Paths = new LinkedHashMap<>();
    String v2Path = null;
    for (String line : selfCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      if (f[0].equals("0") && f[1].isEmpty()) {
        v2Path = f[2];
      } else {
        for (String c : f[1].split(",")) {
          v1Paths.put(c, f[2]);
        }
      }
    }
    Map<String, Hierarchy> v1 = new LinkedHashMap<>();
    Hierarchy v2 = null;
    for (String line : mountinfo.split("\n")) {
      Mount m = Mount.parse(line);
      if (m == null) {
        continue;
      }
      if (m.fsType.equals("cgroup2") && v2 == null && v2Path != null) {
        v2 = new Hierarchy(m.mountPoint, Set.of(), callerDir(m, v2Path));
      } else if (m.fsType.equals("cgroup")) {
        Set<String> controllers = new TreeSet<>();
        for (String opt : m.superOptions) {
          if (V1_CONTROLLERS.contains(opt) || opt.startsWith("name=")) {
            controllers.add(opt);
          }
        }
        String callerPath = controllers.stream().map(v1Paths::get).filter(p -> p != null).findFirst().orElse(null);
        if (controllers.isEmpty() || callerPath == null) {
          continue;
        }
        Hierarchy h = new Hierarchy(m.mountPoint, controllers, callerDir(m, callerPath));
        for (String c : controllers) {
          v1.putIfAbsent(c, h);
        }
      }
    }
    return new CgroupLayout(v1, Optional.ofNullable(v2));
  }

  /** The caller's directory: its cgroup path made relative to the mount's root, under the mount point. */
  private static Path callerDir(Mount m, String callerPath) {
    String root = m.root.equals("/") ? "" : m.root;
    if (!callerPath.equals(m.root) && !callerPath.startsWith(root + "/")) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "this process's cgroup " + callerPath
          + " is not visible under " + m.mountPoint + " (mounted from " + m.root + ")");
    }
    String rel = callerPath.substring(root.length());
    Path dir = m.mountPoint;
    for (String seg : rel.split("/")) {
      if (!seg.isEmpty()) {
        dir = dir.resolve(seg);
      }
    }
    return dir;
  }

  /** The fields of one mountinfo line that matter here. */
  private record Mount(String root, Path mountPoint, String fsType, List<String> superOptions) {
    static Mount parse(String line) {
      int sep = line.indexOf(" - ");
      if (sep < 0) {
        return null;
      }
      String[] pre = line.substring(0, sep).split(" ");
      String[] post = line.substring(sep + 3).split(" ");
      if (pre.length < 5 || post.length < 3) {
        return null;
      }
      return new Mount(unescape(pre[3]), Path.of(unescape(pre[4])), post[0],
          new ArrayList<>(Arrays.asList(post[2].split(","))));
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '\\' && i + 3 < s.length()) {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }
  }
}
