package dev.nucleus.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The manager on this machine's real cgroups (hybrid here; the same code paths serve v1 and v2 nodes): limits
 * are written and enforced, real processes join, usage is read back, the tree is killed and nothing is left.
 */
class CgroupManagerNativeTest {
  private final String root = "nucleus-test-" + UUID.randomUUID().toString().substring(0, 8);
  private final CgroupManager manager = CgroupManager.system(root);

  @AfterEach
  void removeRoot() {
    // The root directories are shared by sandboxes and left in place by design; tests remove their own.
    for (Path dir : rootDirs()) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        throw new AssertionError("test root " + dir + " not empty: a sandbox cgroup was left behind", e);
      }
    }
  }

  @Test
  void createJoinReadKillRemoveLeavesNothing() throws Exception {
    SandboxCgroup cg = manager.create("life", new ResourceLimits(64L << 20, 200, 20, null));
    try {
      lifecycle(cg);
    } finally {
      cg.kill(); // idempotent: after a failed assertion, still leave nothing behind
      cg.remove();
    }
  }

  private void lifecycle(SandboxCgroup cg) throws Exception {
    assertThat(cg.version()).isEqualTo(manager.version());
    Process p = joined(cg, "while :; do :; done");
    assertThat(cg.pids()).contains(p.pid());
    Usage u = cg.usage();
    assertThat(u.pidsCurrent()).isGreaterThanOrEqualTo(1);
    assertThat(u.memoryCurrentBytes()).isPositive();
    assertThat(u.cpuSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(cg.oomKilled()).isFalse();

    cg.freeze();
    long frozenTicks = cpuTicks(p.pid());
    Thread.sleep(300);
    assertThat(cpuTicks(p.pid())).as("a frozen busy loop burns no CPU").isEqualTo(frozenTicks);
    cg.thaw();
    long until = System.currentTimeMillis() + 10_000;
    while (cpuTicks(p.pid()) == frozenTicks && System.currentTimeMillis() < until) {
      Thread.sleep(20);
    }
    assertThat(cpuTicks(p.pid())).as("thawed, it runs again").isGreaterThan(frozenTicks);

    cg.kill();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(128 + 9);
    assertThat(cg.pids()).isEmpty();
    cg.remove();
    assertThat(cg.directories()).allSatisfy(d -> assertThat(d).doesNotExist());
  }

  @Test
  void limitsAreWrittenToTheKernelFiles() throws Exception {
    SandboxCgroup cg = manager.create("limits", new ResourceLimits(96L << 20, 250, 33, null));
    try {
      if (manager.version().equals("v2")) {
        Path d = cg.directories().get(0);
        assertThat(read(d.resolve("memory.max"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(d.resolve("pids.max"))).isEqualTo("33");
      } else {
        Path mem = manager.layout().v1("memory").orElseThrow().callerDir().resolve(root).resolve("limits");
        Path cpu = manager.layout().v1("cpu").orElseThrow().callerDir().resolve(root).resolve("limits");
        Path pids = manager.layout().v1("pids").orElseThrow().callerDir().resolve(root).resolve("limits");
        assertThat(read(mem.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("25000");
        assertThat(read(pids.resolve("pids.max"))).isEqualTo("33");
      }
    } finally {
      cg.remove();
    }
  }

  @Test
  void memoryLimitOomKillsAndIsReported() throws Exception {
    SandboxCgroup cg = manager.create("oom", new ResourceLimits(32L << 20, 0, 0, null));
    try {
      // tail keeps an unterminated line in memory: it grows until the cgroup's limit kills it.
      Process p = joined(cg, "head -c 400000000 /dev/zero | tail -n 1 >/dev/null; echo survived");
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(output(p)).contains("survived"); // the shell outlives its OOM-killed pipeline
      assertThat(cg.oomKilled()).isTrue();
      assertThat(cg.usage().memoryPeakBytes()).isLessThanOrEqualTo(32L << 20);
    } finally {
      cg.kill();
      cg.remove();
    }
  }

  @Test
  void pidsLimitStopsAForkBomb() throws Exception {
    SandboxCgroup cg = manager.create("pids", new ResourceLimits(0, 0, 8, null));
    try {
      Process p = joined(cg, "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 30 & done; echo forked; wait");
      String out = readSome(p);
      assertThat(out).containsIgnoringCase("fork");
      assertThat(cg.usage().pidsCurrent()).isLessThanOrEqualTo(8);
    } finally {
      cg.kill();
      cg.remove();
    }
  }

  @Test
  void cpuQuotaThrottles() throws Exception {
    SandboxCgroup cg = manager.create("cpu", new ResourceLimits(0, 100, 0, null));
    try {
      Process p = joined(cg, "while :; do :; done");
      Path stat = manager.version().equals("v2") ? cg.directories().get(0).resolve("cpu.stat")
          : manager.layout().v1("cpu").orElseThrow().callerDir().resolve(root).resolve("cpu").resolve("cpu.stat");
      long until = System.currentTimeMillis() + 15_000;
      while (throttled(stat) == 0 && System.currentTimeMillis() < until) {
        Thread.sleep(50);
      }
      assertThat(throttled(stat)).as("nr_throttled in %s", stat).isPositive();
      assertThat(p.isAlive()).isTrue();
    } finally {
      cg.kill();
      cg.remove();
    }
  }

  private static long throttled(Path cpuStat) throws IOException {
    for (String line : Files.readAllLines(cpuStat)) {
      if (line.startsWith("nr_throttled ")) {
        return Long.parseLong(line.split(" ")[1]);
      }
    }
    throw new AssertionError("no nr_throttled in " + cpuStat);
  }

  /** utime + stime of a process, in clock ticks, from /proc/PID/stat. */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Starts {@code sh -c script} after the shell moved itself into every procs file (as the launcher does). */
  private static Process joined(SandboxCgroup cg, String script) throws IOException, InterruptedException {
    String join = cg.procsFiles().stream().map(f -> "echo $$ > " + f).collect(Collectors.joining(" && "));
    Process p = new ProcessBuilder("sh", "-c", join + " && exec sh -c '" + script + "'").redirectErrorStream(true).start();
    long until = System.currentTimeMillis() + 10_000;
    while (!inEveryProcsFile(cg, p.pid()) && p.isAlive() && System.currentTimeMillis() < until) {
      Thread.sleep(5);
    }
    return p;
  }

  private static boolean inEveryProcsFile(SandboxCgroup cg, long pid) throws IOException {
    for (Path procs : cg.procsFiles()) {
      if (!Files.readAllLines(procs).contains(Long.toString(pid))) {
        return false;
      }
    }
    return true;
  }

  private static String output(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** Reads what the process printed within a short while, without waiting for it to exit. */
  private static String readSome(Process p) throws Exception {
    StringBuilder b = new StringBuilder();
    long until = System.currentTimeMillis() + 10_000;
    var in = p.getInputStream();
    while (System.currentTimeMillis() < until && !b.toString().contains("forked")) {
      if (in.available() > 0) {
        b.append((char) in.read());
      } else {
        Thread.sleep(10);
      }
    }
    return b.toString();
  }

  private List<Path> rootDirs() {
    CgroupLayout l = manager.layout();
    List<Path> dirs = new java.util.ArrayList<>();
    l.v1().values().stream().distinct().forEach(h -> dirs.add(h.callerDir().resolve(root)));
    l.v2().ifPresent(h -> dirs.add(h.callerDir().resolve(root)));
    return dirs;
  }

  private static String read(Path f) throws IOException {
    return Files.readString(f).strip();
  }
}
