package dev.nucleus.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Creates sandbox cgroups nested under a configurable root below the caller's own cgroup in every hierarchy it
 * uses, so sandboxes stay inside whatever the agent itself is confined to. On v1 and hybrid nodes a sandbox gets
 * one directory per v1 controller it needs (plus, on hybrid, a controller-less v2 directory for kill, freeze and
 * events); on v2 nodes one directory with memory, cpu, pids (and io when asked) enabled.
 */
public final class CgroupManager {
  public static final String DEFAULT_ROOT = "nucleus";
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final List<String> V1_USED = List.of("memory", "cpu", "cpuacct", "pids", "blkio", "freezer");

  private final CgroupLayout layout;
  private final CgroupIo io;
  private final List<String> root;
  private final PidKiller killer;

  public CgroupManager(CgroupLayout layout, CgroupIo io, String root, PidKiller killer) {
    this.layout = layout;
    this.io = io;
    this.root = segments(root);
    this.killer = killer;
    layout.mode(); // fail now when nothing is mounted
  }

  /** The manager for this machine, reading /proc/self/mountinfo and /proc/self/cgroup. */
  public static CgroupManager system(String root) {
    try {
      CgroupLayout layout = CgroupLayout.parse(Files.readString(Path.of("/proc/self/mountinfo")),
          Files.readString(Path.of("/proc/self/cgroup")));
      return new CgroupManager(layout, new KernelCgroupIo(), root, PidKiller.system());
    } catch (IOException e) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "cannot read this process's cgroup layout: " + e, e);
    }
  }

  /** "v1", "v2" or "hybrid". */
  public String version() {
    return layout.mode();
  }

  public CgroupLayout layout() {
    return layout;
  }

  /** Creates the sandbox's cgroups and writes its limits; on any failure removes what it created and throws. */
  public SandboxCgroup create(String sandboxId, ResourceLimits limits) {
    SandboxCgroup cg = locate(sandboxId, limits, true);
    List<Path> created = new ArrayList<>();
    try {
      for (Path dir : cg.directories()) {
        mkdirs(dir.getParent());
        if (!io.mkdir(dir)) {
          throw new CgroupException(CgroupException.FAILED, "cgroup " + dir + " already exists: a sandbox named "
              + sandboxId + " was not cleaned up");
        }
        created.add(dir);
      }
      cg.applyLimits(limits);
      return cg;
    } catch (RuntimeException e) {
      for (Path dir : created) {
        try {
          io.rmdir(dir);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Writes {@code limits} into existing cgroups (a warm-pool member's, made unlimited, at its claim), refusing a limit
   * this node cannot enforce exactly as {@link #create} does.
   */
  public void limit(SandboxCgroup cg, ResourceLimits limits) {
    String mode = layout.mode();
    if (mode.equals("v2")) {
      for (String c : List.of("memory", "cpu", "pids", "io")) {
        if (!cg.v2Controllers().contains(c)) {
          requireUnlimited(c, limits);
        }
      }
    } else {
      for (String controller : V1_USED) {
        if (layout.v1(controller).isEmpty()) {
          requireUnlimited(controller, limits);
        }
      }
    }
    cg.applyLimits(limits);
  }

  /** The cgroups of an existing sandbox (after an agent restart), to read, kill or remove them. */
  public SandboxCgroup open(String sandboxId) {
    return locate(sandboxId, ResourceLimits.unlimited(), false);
  }

  private SandboxCgroup locate(String sandboxId, ResourceLimits limits, boolean creating) {
    List<String> id = segments(sandboxId);
    if (id.size() != 1) {
      throw new IllegalArgumentException("sandbox id must be a single path segment: '" + sandboxId + "'");
    }
    String mode = layout.mode();
    Map<String, Path> v1Dirs = new LinkedHashMap<>();
    if (!mode.equals("v2")) {
      for (String controller : V1_USED) {
        if (controller.equals("freezer") && mode.equals("hybrid")) {
          continue; // hybrid freezes through v2
        }
        Optional<CgroupLayout.Hierarchy> h = layout.v1(controller);
        if (h.isPresent()) {
          v1Dirs.put(controller, below(h.get().callerDir(), sandboxId));
        } else if (creating) {
          requireUnlimited(controller, limits);
        }
      }
    }
    Path v2Dir = null;
    Set<String> v2Controllers = Set.of();
    if (!mode.equals("v1")) {
      v2Dir = below(layout.v2().orElseThrow().callerDir(), sandboxId);
      if (mode.equals("v2")) {
        v2Controllers = creating ? enableV2Controllers(limits) : CoreV2.controllers(io, v2Dir);
      }
    }
    return new SandboxCgroup(mode, v1Dirs, v2Dir, v2Controllers, io, killer);
  }

  /** Enables the needed controllers from the caller's cgroup down to the root's directory. */
  private Set<String> enableV2Controllers(ResourceLimits limits) {
    Path dir = layout.v2().orElseThrow().callerDir();
    Set<String> available = CoreV2.controllers(io, dir);
    Set<String> wanted = new TreeSet<>();
    for (String c : List.of("memory", "cpu", "pids", "io")) {
      if (available.contains(c) && (!c.equals("io") || limits.ioWeight() != null)) {
        wanted.add(c);
      } else if (!available.contains(c)) {
        requireUnlimited(c, limits);
      }
    }
    CoreV2.enableForChildren(io, dir, wanted);
    for (String seg : root) {
      dir = dir.resolve(seg);
      io.mkdir(dir);
      CoreV2.enableForChildren(io, dir, wanted);
    }
    return wanted;
  }

  private static void requireUnlimited(String controller, ResourceLimits limits) {
    boolean asked = switch (controller) {
      case "memory" -> limits.memoryBytes() > 0;
      case "cpu" -> limits.cpuMillis() > 0;
      case "pids" -> limits.pids() > 0;
      case "blkio", "io" -> limits.ioWeight() != null;
      default -> false;
    };
    if (asked) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "a " + controller + " limit was asked for, but this"
          + " node has no usable " + controller + " controller");
    }
  }

  private Path below(Path callerDir, String sandboxId) {
    Path dir = callerDir;
    for (String seg : root) {
      dir = dir.resolve(seg);
    }
    return dir.resolve(sandboxId);
  }

  private void mkdirs(Path dir) {
    if (dir != null && !io.exists(dir)) {
      mkdirs(dir.getParent());
      io.mkdir(dir);
    }
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String seg : path.split("/")) {
      if (seg.isEmpty()) {
        continue;
      }
      if (!SEGMENT.matcher(seg).matches()) {
        throw new IllegalArgumentException("cgroup name segment '" + seg + "' in '" + path
            + "' must match " + SEGMENT.pattern());
      }
      out.add(seg);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("cgroup name must not be empty");
    }
    return out;
  }
}
