package dev.nucleus.agent.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A cgroupfs imitation in a temp dir: mount points with their own mountinfo and /proc/self/cgroup, mkdir that
 * populates control files the way the kernel does, cgroup.procs joins, cgroup.kill, freezing, the v2
 * no-internal-processes rule and EBUSY on rmdir of a populated cgroup. Kills are recorded, never sent.
 */
final class FakeCgroupFs implements CgroupIo {
  private final Path base;
  private final Map<Path, String> mounts = new LinkedHashMap<>(); // mount point -> "cgroup2" or v1 controllers
  private final StringBuilder mountinfo = new StringBuilder();
  private final StringBuilder selfCgroup = new StringBuilder();
  private boolean bfqWeight;
  final List<Long> killed = new ArrayList<>();

  private FakeCgroupFs(Path base) {
    this.base = base;
  }

  /** The tree of a mode named as the parameterized tests name them: "v2", "v1", else hybrid. */
  static FakeCgroupFs of(String mode, Path tmp) {
    return switch (mode) {
      case "v2" -> v2(tmp);
      case "v1" -> v1(tmp);
      default -> hybrid(tmp);
    };
  }

  /** Pure v2 at base/unified-root, caller in /agent.slice/agent (a leaf-free delegated subtree). */
  static FakeCgroupFs v2(Path tmp) {
    FakeCgroupFs fs = new FakeCgroupFs(tmp);
    fs.mountV2("cgroup", "/agent.slice", Set.of("cpuset", "cpu", "io", "memory", "pids"), true);
    fs.selfCgroup.append("0::/agent.slice\n");
    return fs;
  }

  /** Pure v1: memory, cpu+cpuacct co-mounted, pids, blkio, freezer; caller in /pod/agent for memory only. */
  static FakeCgroupFs v1(Path tmp) {
    FakeCgroupFs fs = new FakeCgroupFs(tmp);
    fs.mountV1("memory", "/pod/agent", 4);
    fs.mountV1("cpu,cpuacct", "/", 3);
    fs.mountV1("pids", "/", 2);
    fs.mountV1("blkio", "/", 1);
    fs.mountV1("freezer", "/", 5);
    return fs;
  }

  /** Like this machine: v1 controllers plus a controller-less cgroup2 at unified. */
  static FakeCgroupFs hybrid(Path tmp) {
    FakeCgroupFs fs = new FakeCgroupFs(tmp);
    fs.mountV1("cpu", "/", 1);
    fs.mountV1("cpuacct", "/", 2);
    fs.mountV1("memory", "/process_api/abc", 4);
    fs.mountV1("pids", "/", 8);
    fs.mountV1("blkio", "/", 7);
    fs.mountV1("freezer", "/", 6);
    fs.mountV1("name=systemd", "/", 9);
    fs.mountV2("unified", "/", Set.of("hugetlb"), false);
    fs.selfCgroup.append("0::/\n");
    return fs;
  }

  FakeCgroupFs withBfqWeight() {
    bfqWeight = true;
    return this;
  }

  CgroupLayout layout() {
    return CgroupLayout.parse(mountinfo.toString(), selfCgroup.toString());
  }

  CgroupManager manager(String root) {
    return new CgroupManager(layout(), this, root, pid -> {
      killed.add(pid);
      removePidEverywhere(pid);
    });
  }

  Path mount(String name) {
    return base.resolve("sys/fs/cgroup").resolve(name);
  }

  /** Every directory below the mount points, for "nothing left" assertions. */
  List<Path> allCgroupDirs() {
    List<Path> dirs = new ArrayList<>();
    for (Path m : mounts.keySet()) {
      try (Stream<Path> s = Files.walk(m)) {
        s.filter(Files::isDirectory).filter(d -> !d.equals(m)).forEach(dirs::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dirs;
  }

  void set(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void mountV1(String controllers, String callerPath, int hierarchyId) {
    Path mp = mount(controllers.replace("name=", ""));
    mounts.put(mp, controllers);
    mountinfo.append(30 + hierarchyId).append(" 23 0:").append(30 + hierarchyId).append(" / ").append(mp)
        .append(" rw,relatime - cgroup cgroup rw,").append(controllers).append('\n');
    selfCgroup.append(hierarchyId).append(':').append(controllers).append(':').append(callerPath).append('\n');
    createRoot(mp, callerPath);
  }

  private void mountV2(String name, String callerPath, Set<String> controllers, boolean delegateAll) {
    Path mp = mount(name);
    mounts.put(mp, "cgroup2");
    mountinfo.append("41 23 0:40 / ").append(mp).append(" rw,relatime - cgroup2 cgroup2 rw\n");
    mkRoot(mp);
    String list = String.join(" ", new TreeSet<>(controllers)) + "\n";
    set(mp.resolve("cgroup.controllers"), list);
    set(mp.resolve("cgroup.subtree_control"), delegateAll ? list : "");
    createRoot(mp, callerPath);
  }

  private void mkRoot(Path mp) {
    try {
      Files.createDirectories(mp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    populate(mp, true);
  }

  private void createRoot(Path mp, String callerPath) {
    if (!Files.exists(mp.resolve("cgroup.procs"))) {
      mkRoot(mp);
    }
    Path dir = mp;
    for (String seg : callerPath.split("/")) {
      if (!seg.isEmpty()) {
        dir = dir.resolve(seg);
        mkdir(dir);
      }
    }
  }

  @Override
  public boolean mkdir(Path dir) {
    if (Files.isDirectory(dir)) {
      return false;
    }
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "mkdir " + dir + ": " + e, e);
    }
    populate(dir, false);
    return true;
  }

  private void populate(Path dir, boolean isRoot) {
    Path mp = mountOf(dir);
    String kind = mounts.get(mp);
    Map<String, String> files = new LinkedHashMap<>();
    files.put("cgroup.procs", "");
    if (kind.equals("cgroup2")) {
      files.put("cgroup.subtree_control", "");
      files.put("cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
      if (!isRoot) {
        files.put("cgroup.controllers", read(dir.getParent().resolve("cgroup.subtree_control")));
        files.put("cgroup.events", "populated 0\nfrozen 0\n");
        files.put("cgroup.kill", "");
        files.put("cgroup.freeze", "0\n");
        for (String c : read(dir.getParent().resolve("cgroup.subtree_control")).trim().split("\\s+")) {
          v2Files(c, files);
        }
      }
    } else {
      for (String c : kind.split(",")) {
        v1Files(c, files);
      }
    }
    files.forEach((name, content) -> set(dir.resolve(name), content));
  }

  private static void v2Files(String controller, Map<String, String> files) {
    switch (controller) {
      case "memory" -> {
        files.put("memory.max", "max\n");
        files.put("memory.swap.max", "max\n");
        files.put("memory.oom.group", "0\n");
        files.put("memory.current", "4096\n");
        files.put("memory.peak", "8192\n");
        files.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
      }
      case "cpu" -> {
        files.put("cpu.max", "max 100000\n");
        files.put("cpu.weight", "100\n");
      }
      case "pids" -> {
        files.put("pids.max", "max\n");
        files.put("pids.current", "0\n");
      }
      case "io" -> files.put("io.weight", "default 100\n");
      default -> { }
    }
  }

  private void v1Files(String controller, Map<String, String> files) {
    switch (controller) {
      case "memory" -> {
        files.put("memory.limit_in_bytes", "9223372036854771712\n");
        files.put("memory.memsw.limit_in_bytes", "9223372036854771712\n");
        files.put("memory.swappiness", "60\n");
        files.put("memory.usage_in_bytes", "2048\n");
        files.put("memory.max_usage_in_bytes", "3072\n");
        files.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
      }
      case "cpu" -> {
        files.put("cpu.cfs_period_us", "100000\n");
        files.put("cpu.cfs_quota_us", "-1\n");
        files.put("cpu.shares", "1024\n");
      }
      case "cpuacct" -> files.put("cpuacct.usage", "2500000000\n");
      case "pids" -> {
        files.put("pids.max", "max\n");
        files.put("pids.current", "0\n");
      }
      case "blkio" -> {
        files.put("blkio.throttle.read_bps_device", "");
        if (bfqWeight) {
          files.put("blkio.bfq.weight", "100\n");
        }
      }
      case "freezer" -> files.put("freezer.state", "THAWED\n");
      default -> { }
    }
  }

  @Override
  public void write(Path file, String value) {
    if (!Files.isRegularFile(file)) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "control file " + file + " does not exist");
    }
    Path dir = file.getParent();
    String name = file.getFileName().toString();
    switch (name) {
      case "cgroup.procs" -> {
        set(file, read(file) + value.strip() + "\n");
        setEvent(dir, "populated", 1);
      }
      case "cgroup.kill" -> {
        for (String pid : read(dir.resolve("cgroup.procs")).split("\n")) {
          if (!pid.isBlank()) {
            killed.add(Long.parseLong(pid.strip()));
            removePidEverywhere(Long.parseLong(pid.strip())); // a dead process leaves every hierarchy
          }
        }
        setEvent(dir, "populated", 0);
      }
      case "cgroup.freeze" -> {
        set(file, value.strip() + "\n");
        setEvent(dir, "frozen", Integer.parseInt(value.strip()));
      }
      case "cgroup.subtree_control" -> enable(dir, value.strip());
      default -> set(file, value + "\n");
    }
  }

  private void enable(Path dir, String value) {
    String controller = value.substring(1);
    Set<String> available = new TreeSet<>(Arrays.asList(read(dir.resolve("cgroup.controllers")).trim().split("\\s+")));
    if (!available.contains(controller)) {
      throw new CgroupException(CgroupException.FAILED, "write " + value + ": No such file or directory");
    }
    boolean root = mounts.containsKey(dir);
    if (!root && !read(dir.resolve("cgroup.procs")).isBlank()) {
      throw new CgroupException(CgroupException.FAILED, "write " + value + ": Device or resource busy");
    }
    Set<String> enabled = new TreeSet<>(Arrays.asList(read(dir.resolve("cgroup.subtree_control")).trim().split("\\s+")));
    enabled.remove("");
    enabled.add(controller);
    set(dir.resolve("cgroup.subtree_control"), String.join(" ", enabled) + "\n");
  }

  private void setEvent(Path dir, String key, int value) {
    Path events = dir.resolve("cgroup.events");
    if (Files.exists(events)) {
      String updated = read(events).replaceAll(key + " \\d", key + " " + value);
      set(events, updated);
    }
  }

  @Override
  public String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "read " + file + ": " + e, e);
    }
  }

  @Override
  public boolean exists(Path file) {
    return Files.exists(file);
  }

  @Override
  public boolean rmdir(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> entries = s.toList();
      if (entries.stream().anyMatch(Files::isDirectory) || !read(dir.resolve("cgroup.procs")).isBlank()) {
        throw new CgroupException(CgroupException.FAILED, "cannot remove cgroup " + dir + ": Device or resource busy");
      }
      for (Path e : entries) {
        Files.delete(e);
      }
      Files.delete(dir);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void removePidEverywhere(long pid) {
    for (Path m : mounts.keySet()) {
      try (Stream<Path> s = Files.walk(m)) {
        s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).forEach(p -> {
          String kept = read(p).lines().filter(l -> !l.strip().equals(Long.toString(pid)))
              .map(l -> l + "\n").reduce("", String::concat);
          set(p, kept);
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private Path mountOf(Path dir) {
    return mounts.keySet().stream().filter(dir::startsWith).max((a, b) -> a.getNameCount() - b.getNameCount())
        .orElseThrow(() -> new IllegalArgumentException(dir + " is not under a fake cgroup mount"));
  }
}
