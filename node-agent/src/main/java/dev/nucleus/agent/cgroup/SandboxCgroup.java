package dev.nucleus.agent.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One sandbox's cgroups: where the launcher joins, how usage is read, how the whole tree is killed, frozen and
 * removed. Works the same whether created now or re-opened after an agent restart.
 */
public final class SandboxCgroup {
  private static final long WAIT_MS = 10_000;

  private final String version;
  private final Map<String, Path> v1Dirs;
  private final Path v2Dir;
  private final Set<String> v2Controllers;
  private final CgroupIo io;
  private final PidKiller killer;
  /** What {@link #rememberLimitFiles} read and opened; taken by the next limit (or the removal), once. */
  private final AtomicReference<Remembered> remembered = new AtomicReference<>();

  /** The values the control files a limit writes held, and those files opened for writing. */
  private record Remembered(Map<Path, String> values, Map<Path, CgroupIo.Opened> opened) {
    void close() {
      opened.values().forEach(CgroupIo.Opened::close);
    }
  }

  SandboxCgroup(String version, Map<String, Path> v1Dirs, Path v2Dir, Set<String> v2Controllers, CgroupIo io,
      PidKiller killer) {
    this.version = version;
    this.v1Dirs = Map.copyOf(v1Dirs);
    this.v2Dir = v2Dir;
    this.v2Controllers = Set.copyOf(v2Controllers);
    this.io = io;
    this.killer = killer;
  }

  /** The cgroup v2 directory (pure v2 or hybrid), where the launcher can create the init (CLONE_INTO_CGROUP). */
  public java.util.Optional<Path> v2Directory() {
    return java.util.Optional.ofNullable(v2Dir);
  }

  Set<String> v2Controllers() {
    return v2Controllers;
  }

  /** "v1", "v2" or "hybrid". */
  public String version() {
    return version;
  }

  /** Every directory of this sandbox, one per hierarchy (v1 controllers sharing a mount share a directory). */
  public List<Path> directories() {
    Set<Path> dirs = new LinkedHashSet<>();
    for (String c : List.of("memory", "cpu", "cpuacct", "pids", "blkio", "freezer")) {
      if (v1Dirs.containsKey(c)) {
        dirs.add(v1Dirs.get(c));
      }
    }
    if (v2Dir != null) {
      dirs.add(v2Dir);
    }
    return List.copyOf(dirs);
  }

  /** The cgroup.procs files the launcher writes its own pid into before it unshares. */
  public List<Path> procsFiles() {
    return directories().stream().map(d -> d.resolve("cgroup.procs")).toList();
  }

  /**
   * Reads what the control files a limit writes hold now, in unlimited cgroups made ahead of their limits (a warm-pool
   * member's, off any launch's path): the next {@link #applyLimits} then skips writing a value a file already holds
   * (cpu.cfs_period_us, the shares of one CPU) and the lookups of optional files known to exist. That is exact because
   * only the agent writes these files: nothing runs in a member before its claim but the launcher's own code, and the
   * claim's limits are written before the claim is sent. The files are also opened for writing here, so each write of
   * the limit is one syscall instead of an open (a walk of the file's path), a write and a close; whichever the limit
   * does not write are closed after it, and all of them when the cgroups are removed unclaimed. Best effort: a file
   * that cannot be read or opened leaves nothing known (the limit then writes every file, as without).
   */
  public void rememberLimitFiles() {
    Map<Path, String> files = new java.util.HashMap<>();
    Map<Path, CgroupIo.Opened> opened = new java.util.HashMap<>();
    try {
      applyLimits(new ResourceLimits(1L << 30, 1000, 1, null), LimitFiles.listing(io, files));  // memory, cpu, pids
      files.replaceAll((file, none) -> io.read(file).strip());
      for (Path file : files.keySet()) {
        opened.put(file, io.open(file));
      }
      forget(remembered.getAndSet(new Remembered(files, opened)));
    } catch (CgroupException e) {
      new Remembered(files, opened).close();
      forget(remembered.getAndSet(null));
    }
  }

  void applyLimits(ResourceLimits limits) {
    Remembered r = remembered.getAndSet(null);  // one limit per member: after it the files hold other values
    if (r == null) {
      applyLimits(limits, io);
      return;
    }
    try {
      applyLimits(limits, LimitFiles.knowing(io, r.values(), r.opened()));
    } finally {
      r.close();
    }
  }

  private static void forget(Remembered r) {
    if (r != null) {
      r.close();
    }
  }

  private void applyLimits(ResourceLimits limits, CgroupIo io) {
    if (version.equals("v2")) {
      MemoryV2.apply(io, v2Dir, limits);
      if (v2Controllers.contains("cpu")) {
        CpuV2.apply(io, v2Dir, limits);
      }
      Pids.apply(io, v2Dir, limits);
      IoV2.apply(io, v2Dir, limits);
      return;
    }
    ifPresent("memory", dir -> MemoryV1.apply(io, dir, limits));  // the io given, not this.io: one may be knowing()
    ifPresent("cpu", dir -> CpuV1.apply(io, dir, limits));
    ifPresent("pids", dir -> Pids.apply(io, dir, limits));
    if (limits.ioWeight() != null) {
      Path blkio = v1Dirs.get("blkio");
      if (blkio == null) {
        throw new CgroupException(CgroupException.UNSUPPORTED, "an io weight was asked for, but no blkio hierarchy is mounted");
      }
      BlkioV1.apply(io, blkio, limits);
    }
  }

  public Usage usage() {
    Path mem = memoryDir();
    long current = mem == null ? -1 : version.equals("v2") ? MemoryV2.current(io, mem) : MemoryV1.current(io, mem);
    long peak = mem == null ? -1 : version.equals("v2") ? MemoryV2.peak(io, mem) : MemoryV1.peak(io, mem);
    double cpu = v2Dir != null ? CpuV2.seconds(io, v2Dir)
        : v1Dirs.containsKey("cpuacct") ? CpuV1.seconds(io, v1Dirs.get("cpuacct")) : -1;
    Path pidsDir = version.equals("v2") ? v2Dir : v1Dirs.get("pids");
    long pids = pidsDir == null ? -1 : Pids.current(io, pidsDir);
    return new Usage(current, peak, cpu, pids);
  }

  /** True once the kernel OOM-killed a process of this sandbox. */
  public boolean oomKilled() {
    Path mem = memoryDir();
    if (mem == null) {
      return false;
    }
    return version.equals("v2") ? MemoryV2.oomKilled(io, mem) : MemoryV1.oomKilled(io, mem);
  }

  /** Pids in any of this sandbox's cgroups. */
  public Set<Long> pids() {
    Set<Long> pids = new TreeSet<>();
    for (Path procs : procsFiles()) {
      if (!io.exists(procs)) {
        continue;
      }
      for (String line : io.read(procs).split("\n")) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.strip()));
        }
      }
    }
    return pids;
  }

  /**
   * Kills every process of the sandbox and waits until none is left: one write to v2 {@code cgroup.kill} where it
   * exists, otherwise freeze, SIGKILL every listed pid, thaw, until the cgroups are empty (freezing first stops a
   * fork bomb from outrunning the loop).
   */
  public void kill() {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    if (v2Dir != null && CoreV2.canKill(io, v2Dir)) {
      CoreV2.kill(io, v2Dir);
    } else {
      Path freezer = v1Dirs.get("freezer");
      while (!pids().isEmpty() && System.currentTimeMillis() < deadline) {
        if (freezer != null) {
          FreezerV1.set(io, freezer, true);
        }
        pids().forEach(killer::kill);
        if (freezer != null) {
          FreezerV1.set(io, freezer, false); // SIGKILLed tasks only die once thawed
        }
        pause();
      }
    }
    while (!pids().isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        throw new CgroupException(CgroupException.FAILED, "processes " + pids() + " still in " + directories()
            + " " + WAIT_MS + " ms after the kill");
      }
      pause();
      // A process that joined some v1 hierarchies but not the v2 one (a launcher that died between writes)
      // escapes cgroup.kill; signal whatever is still listed.
      pids().forEach(killer::kill);
    }
  }

  /** Freezes every process of the sandbox and waits until the kernel reports it frozen. */
  public void freeze() {
    setFrozen(true);
  }

  public void thaw() {
    setFrozen(false);
  }

  private void setFrozen(boolean frozen) {
    Path freezer = v1Dirs.get("freezer");
    if (v2Dir != null && io.exists(v2Dir.resolve("cgroup.freeze"))) {
      CoreV2.freeze(io, v2Dir, frozen);
      await(() -> CoreV2.frozen(io, v2Dir) == frozen, "cgroup.freeze=" + (frozen ? 1 : 0));
    } else if (freezer != null) {
      FreezerV1.set(io, freezer, frozen);
      await(() -> FreezerV1.isFrozen(io, freezer) == frozen, "freezer.state " + (frozen ? "FROZEN" : "THAWED"));
    } else {
      throw new CgroupException(CgroupException.UNSUPPORTED, "no freezer on this node (neither v2 cgroup.freeze nor"
          + " a v1 freezer hierarchy)");
    }
  }

  /** Removes every directory of the sandbox; fails while processes remain (kill first). */
  public void remove() {
    forget(remembered.getAndSet(null));  // an unclaimed member's open control files
    List<String> failures = new ArrayList<>();
    for (Path dir : directories()) {
      try {
        io.rmdir(dir);
      } catch (CgroupException e) {
        failures.add(e.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      throw new CgroupException(CgroupException.FAILED, "cannot remove sandbox cgroups: " + failures);
    }
  }

  private Path memoryDir() {
    if (version.equals("v2")) {
      return v2Controllers.contains("memory") ? v2Dir : null;
    }
    return v1Dirs.get("memory");
  }

  private void ifPresent(String controller, java.util.function.Consumer<Path> action) {
    Path dir = v1Dirs.get(controller);
    if (dir != null) {
      action.accept(dir);
    }
  }

  private static void await(java.util.function.BooleanSupplier done, String what) {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new CgroupException(CgroupException.FAILED, "the kernel did not reach " + what + " within " + WAIT_MS + " ms");
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CgroupException(CgroupException.FAILED, "interrupted while waiting for the cgroup");
    }
  }
}
