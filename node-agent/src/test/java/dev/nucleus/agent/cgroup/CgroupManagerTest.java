package dev.nucleus.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager against fake cgroupfs trees: pure v2 (most production nodes), pure v1 and hybrid (this machine). */
class CgroupManagerTest {
  private static final ResourceLimits LIMITS = new ResourceLimits(64L << 20, 500, 20, null);

  @TempDir
  Path tmp;

  @Test
  void detectsTheModeFromWhatIsMounted() {
    assertThat(FakeCgroupFs.v2(tmp.resolve("a")).layout().mode()).isEqualTo("v2");
    assertThat(FakeCgroupFs.v1(tmp.resolve("b")).layout().mode()).isEqualTo("v1");
    assertThat(FakeCgroupFs.hybrid(tmp.resolve("c")).layout().mode()).isEqualTo("hybrid");
  }

  @Test
  void pureV2NestsBelowTheCallerEnablesControllersAndWritesLimits() {
    FakeCgroupFs fs = FakeCgroupFs.v2(tmp);
    SandboxCgroup cg = fs.manager("nucleus").create("sb1", LIMITS);
    Path dir = fs.mount("cgroup").resolve("agent.slice/nucleus/sb1");
    assertThat(cg.version()).isEqualTo("v2");
    assertThat(cg.procsFiles()).containsExactly(dir.resolve("cgroup.procs"));
    assertThat(read(fs.mount("cgroup").resolve("agent.slice/cgroup.subtree_control"))).contains("memory", "cpu", "pids")
        .doesNotContain("io");
    assertThat(read(dir.resolve("memory.max"))).isEqualTo("67108864");
    assertThat(read(dir.resolve("memory.swap.max"))).isEqualTo("0");
    assertThat(read(dir.resolve("memory.oom.group"))).isEqualTo("1");
    assertThat(read(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
    assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("20");
    assertThat(read(dir.resolve("pids.max"))).isEqualTo("20");
  }

  @Test
  void limitsWrittenIntoAnUnlimitedCgroupLaterAreTheOnesCreateWrites() {
    // a warm-pool member's cgroups are made unlimited; the claim writes the spec's limits: the same files, same values
    for (String mode : java.util.List.of("v2", "v1", "hybrid")) {
      Path a = tmp.resolve(mode + "-create");
      Path b = tmp.resolve(mode + "-limit");
      FakeCgroupFs created = FakeCgroupFs.of(mode, a);
      FakeCgroupFs limited = FakeCgroupFs.of(mode, b);
      SandboxCgroup direct = created.manager("nucleus").create("sb1", LIMITS);
      CgroupManager m = limited.manager("nucleus");
      SandboxCgroup member = m.create("pool.1-2-3", ResourceLimits.unlimited());
      m.limit(member, LIMITS);
      for (int i = 0; i < direct.directories().size(); i++) {
        for (String f : java.util.List.of("memory.max", "memory.swap.max", "memory.oom.group", "cpu.max", "cpu.weight",
            "pids.max", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "cpu.cfs_quota_us", "cpu.shares")) {
          Path x = direct.directories().get(i).resolve(f);
          Path y = member.directories().get(i).resolve(f);
          assertThat(Files.exists(y)).as(mode + " " + f).isEqualTo(Files.exists(x));
          if (Files.exists(x)) {
            assertThat(read(y)).as(mode + " " + f).isEqualTo(read(x));
          }
        }
      }
    }
  }

  @Test
  void aRememberedMemberSkipsOnlyWritesOfTheValueAFileHoldsAndEndsLikeACreate() {
    for (String mode : java.util.List.of("v2", "v1", "hybrid")) {
      for (ResourceLimits limits : java.util.List.of(LIMITS, new ResourceLimits(256L << 20, 1000, 64, null),
          ResourceLimits.unlimited())) {
        Path a = tmp.resolve(mode + "-c-" + limits.cpuMillis() + "-" + limits.pids());
        Path b = tmp.resolve(mode + "-m-" + limits.cpuMillis() + "-" + limits.pids());
        SandboxCgroup direct = FakeCgroupFs.of(mode, a).manager("nucleus").create("sb1", limits);
        FakeCgroupFs fs = FakeCgroupFs.of(mode, b);
        java.util.List<String> writes = new java.util.ArrayList<>();
        java.util.List<String> lookups = new java.util.ArrayList<>();
        CgroupManager m = new CgroupManager(fs.layout(), new CgroupIo() {
          public boolean mkdir(Path dir) { return fs.mkdir(dir); }
          public void write(Path file, String value) { writes.add(file.getFileName() + "=" + value); fs.write(file, value); }
          public String read(Path file) { return fs.read(file); }
          public boolean exists(Path file) { lookups.add(file.getFileName().toString()); return fs.exists(file); }
          public boolean rmdir(Path dir) { return fs.rmdir(dir); }
        }, "nucleus", pid -> { });
        SandboxCgroup member = m.create("pool.1-2-3", ResourceLimits.unlimited());
        member.rememberLimitFiles();
        writes.clear();
        lookups.clear();
        m.limit(member, limits);
        for (int i = 0; i < direct.directories().size(); i++) {
          assertThat(contents(member.directories().get(i))).as(mode + " " + limits).isEqualTo(contents(direct.directories().get(i)));
        }
        assertThat(lookups).as("optional files known to exist are not looked up").isEmpty();
        if (mode.equals("v2")) {  // nothing a v2 limit writes holds its value in an unlimited cgroup
          assertThat(writes).as(mode).hasSize(limits.memoryBytes() > 0 ? 6 : 0);
        } else if (limits.cpuMillis() > 0) {  // the period is the default; one CPU's shares are too
          assertThat(writes).as(mode).doesNotContain("cpu.cfs_period_us=100000", "cpu.shares=1024")
              .contains("cpu.cfs_quota_us=" + limits.cpuQuotaUs(), "pids.max=" + limits.pids());
          assertThat(writes.contains("cpu.shares=" + limits.cpuShares())).isEqualTo(limits.cpuMillis() != 1000);
        } else {
          assertThat(writes).as(mode + " nothing to limit").isEmpty();
        }
        // the knowledge serves one limit: a second one writes what it asks for, even a value the files held before
        m.limit(member, new ResourceLimits(128L << 20, 1000, 8, null));
        Path cpu = member.directories().get(mode.equals("v2") ? 0 : 1);
        assertThat(mode.equals("v2") ? read(cpu.resolve("cpu.max")) : read(cpu.resolve("cpu.shares")))
            .isEqualTo(mode.equals("v2") ? "100000 100000" : "1024");
      }
    }
  }

  @Test
  void aRememberedMembersLimitIsWrittenThroughTheFilesItOpenedAheadAndNoneStaysOpen() {
    for (String mode : java.util.List.of("v2", "v1", "hybrid")) {
      for (boolean claimed : new boolean[] {true, false}) {
        Path a = tmp.resolve(mode + "-od-" + claimed);
        Path b = tmp.resolve(mode + "-om-" + claimed);
        SandboxCgroup direct = FakeCgroupFs.of(mode, a).manager("nucleus").create("sb1", LIMITS);
        FakeCgroupFs fs = FakeCgroupFs.of(mode, b);
        java.util.List<String> directWrites = new java.util.ArrayList<>();
        java.util.Map<Path, String> through = new java.util.HashMap<>();
        java.util.Set<Path> open = new java.util.HashSet<>();
        CgroupManager m = new CgroupManager(fs.layout(), new CgroupIo() {
          public boolean mkdir(Path dir) { return fs.mkdir(dir); }
          public void write(Path file, String value) { directWrites.add(file.getFileName() + "=" + value); fs.write(file, value); }
          public String read(Path file) { return fs.read(file); }
          public boolean exists(Path file) { return fs.exists(file); }
          public boolean rmdir(Path dir) { return fs.rmdir(dir); }
          public Opened open(Path file) {
            assertThat(open.add(file)).as("opened once").isTrue();
            return new Opened() {
              public void write(String value) {
                assertThat(open).as("written while open").contains(file);
                assertThat(through.put(file, value)).as("written once").isNull();
                fs.write(file, value);
              }

              public void close() {
                open.remove(file);
              }
            };
          }
        }, "nucleus", pid -> { });
        SandboxCgroup member = m.create("pool.1-2-3", ResourceLimits.unlimited());
        directWrites.clear();
        member.rememberLimitFiles();
        assertThat(open).as(mode + ": the files a limit writes, opened ahead").isNotEmpty();
        assertThat(directWrites).isEmpty();
        if (!claimed) {
          member.remove();
          assertThat(open).as(mode + ": an unclaimed member's files are closed when it goes").isEmpty();
          continue;
        }
        m.limit(member, LIMITS);
        assertThat(open).as(mode + ": nothing stays open after the limit").isEmpty();
        assertThat(through).as(mode + ": the limit's writes went through the opened files").isNotEmpty();
        assertThat(directWrites).as(mode + ": no file opened ahead is opened again").isEmpty();
        for (int i = 0; i < direct.directories().size(); i++) {
          assertThat(contents(member.directories().get(i))).as(mode).isEqualTo(contents(direct.directories().get(i)));
        }
      }
    }
  }

  /** Every control file of a cgroup directory and what it holds, for comparing two cgroups. */
  private static java.util.Map<String, String> contents(Path dir) {
    try (var files = Files.list(dir)) {
      java.util.Map<String, String> m = new java.util.TreeMap<>();
      files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("cgroup."))
          .forEach(f -> m.put(f.getFileName().toString(), read(f)));
      return m;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void pureV2IoWeightEnablesIo() {
    FakeCgroupFs fs = FakeCgroupFs.v2(tmp);
    fs.manager("nucleus").create("sb1", new ResourceLimits(0, 0, 0, 300));
    assertThat(read(fs.mount("cgroup").resolve("agent.slice/nucleus/sb1/io.weight"))).isEqualTo("default 300");
  }

  @Test
  void pureV2RefusesACallerCgroupThatHoldsProcessesWithAClearReason() {
    FakeCgroupFs fs = FakeCgroupFs.v2(tmp);
    fs.set(fs.mount("cgroup").resolve("agent.slice/cgroup.procs"), "4242\n");
    assertThatThrownBy(() -> fs.manager("nucleus").create("sb1", LIMITS)).isInstanceOf(CgroupException.class)
        .hasMessageContaining("cannot delegate controllers")
        .satisfies(e -> assertThat(((CgroupException) e).reason()).isEqualTo("CgroupUnsupported"));
  }

  @Test
  void pureV1CreatesOneDirectoryPerHierarchyUnderTheCallersPath() {
    FakeCgroupFs fs = FakeCgroupFs.v1(tmp);
    SandboxCgroup cg = fs.manager("nucleus").create("sb1", LIMITS);
    Path mem = fs.mount("memory").resolve("pod/agent/nucleus/sb1");
    Path cpu = fs.mount("cpu,cpuacct").resolve("nucleus/sb1");
    assertThat(cg.procsFiles()).containsExactly(mem.resolve("cgroup.procs"), cpu.resolve("cgroup.procs"),
        fs.mount("pids").resolve("nucleus/sb1/cgroup.procs"), fs.mount("blkio").resolve("nucleus/sb1/cgroup.procs"),
        fs.mount("freezer").resolve("nucleus/sb1/cgroup.procs"));
    assertThat(read(mem.resolve("memory.limit_in_bytes"))).isEqualTo("67108864");
    assertThat(read(mem.resolve("memory.memsw.limit_in_bytes"))).isEqualTo("67108864");
    assertThat(read(mem.resolve("memory.swappiness"))).isEqualTo("0");
    assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
    assertThat(read(cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
    assertThat(read(cpu.resolve("cpu.shares"))).isEqualTo("512");
    assertThat(read(fs.mount("pids").resolve("nucleus/sb1/pids.max"))).isEqualTo("20");
  }

  @Test
  void hybridUsesV1ForLimitsAndAControllerlessV2DirectoryForKillAndFreeze() {
    FakeCgroupFs fs = FakeCgroupFs.hybrid(tmp);
    SandboxCgroup cg = fs.manager("nucleus").create("sb1", LIMITS);
    Path v2 = fs.mount("unified").resolve("nucleus/sb1");
    assertThat(cg.version()).isEqualTo("hybrid");
    assertThat(cg.procsFiles()).hasSize(6).contains(v2.resolve("cgroup.procs"),
        fs.mount("memory").resolve("process_api/abc/nucleus/sb1/cgroup.procs"))
        .noneMatch(p -> p.startsWith(fs.mount("freezer")));
    cg.freeze();
    assertThat(read(v2.resolve("cgroup.events"))).contains("frozen 1");
    cg.thaw();
    assertThat(read(v2.resolve("cgroup.events"))).contains("frozen 0");
  }

  @Test
  void hybridKillWritesCgroupKillAndRemoveLeavesNothing() {
    FakeCgroupFs fs = FakeCgroupFs.hybrid(tmp);
    CgroupManager manager = fs.manager("nucleus");
    SandboxCgroup cg = manager.create("sb1", LIMITS);
    for (Path procs : cg.procsFiles()) {
      fs.write(procs, "101");
    }
    assertThat(cg.pids()).containsExactly(101L);
    assertThatThrownBy(cg::remove).hasMessageContaining("busy");
    // v1 directories still list the pid until the process is really gone; the fake's kill removes it there too.
    fs.killed.clear();
    cg.kill();
    assertThat(fs.killed).contains(101L);
    cg.remove();
    assertThat(fs.allCgroupDirs()).allSatisfy(d -> assertThat(d.toString()).doesNotContain("sb1"));
  }

  @Test
  void pureV1KillFreezesSignalsEveryPidAndThaws() {
    FakeCgroupFs fs = FakeCgroupFs.v1(tmp);
    SandboxCgroup cg = fs.manager("nucleus").create("sb1", LIMITS);
    for (Path procs : cg.procsFiles()) {
      fs.write(procs, "7");
      fs.write(procs, "8");
    }
    cg.kill();
    assertThat(fs.killed).containsExactlyInAnyOrder(7L, 8L);
    assertThat(cg.pids()).isEmpty();
    assertThat(read(fs.mount("freezer").resolve("nucleus/sb1/freezer.state"))).isEqualTo("THAWED");
    cg.remove();
    assertThat(fs.allCgroupDirs()).noneMatch(d -> d.endsWith("sb1"));
  }

  @Test
  void usageAndOomComeFromTheRightFilesPerMode() {
    FakeCgroupFs v1 = FakeCgroupFs.v1(tmp.resolve("v1"));
    SandboxCgroup a = v1.manager("nucleus").create("sb", LIMITS);
    assertThat(a.usage()).isEqualTo(new Usage(2048, 3072, 2.5, 0));
    assertThat(a.oomKilled()).isFalse();
    v1.set(v1.mount("memory").resolve("pod/agent/nucleus/sb/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    assertThat(a.oomKilled()).isTrue();

    FakeCgroupFs v2 = FakeCgroupFs.v2(tmp.resolve("v2"));
    SandboxCgroup b = v2.manager("nucleus").create("sb", LIMITS);
    assertThat(b.usage()).isEqualTo(new Usage(4096, 8192, 1.5, 0));
    v2.set(v2.mount("cgroup").resolve("agent.slice/nucleus/sb/memory.events"), "oom 1\noom_kill 1\n");
    assertThat(b.oomKilled()).isTrue();

    FakeCgroupFs hybrid = FakeCgroupFs.hybrid(tmp.resolve("h"));
    assertThat(hybrid.manager("nucleus").create("sb", LIMITS).usage()).isEqualTo(new Usage(2048, 3072, 1.5, 0));
  }

  @Test
  void ioWeightFailsClosedWithoutAWeightFileAndLeavesNothingBehind() {
    FakeCgroupFs fs = FakeCgroupFs.hybrid(tmp);
    assertThatThrownBy(() -> fs.manager("nucleus").create("sb1", new ResourceLimits(0, 0, 0, 100)))
        .isInstanceOf(CgroupException.class).hasMessageContaining("io weight");
    assertThat(fs.allCgroupDirs()).noneMatch(d -> d.endsWith("sb1"));
    FakeCgroupFs bfq = FakeCgroupFs.hybrid(tmp.resolve("bfq")).withBfqWeight();
    bfq.manager("nucleus").create("sb1", new ResourceLimits(0, 0, 0, 10000));
    assertThat(read(bfq.mount("blkio").resolve("nucleus/sb1/blkio.bfq.weight"))).isEqualTo("1000");
  }

  @Test
  void aSecondCreateOfTheSameSandboxFailsAndOpenFindsTheExistingOne() {
    FakeCgroupFs fs = FakeCgroupFs.hybrid(tmp);
    CgroupManager manager = fs.manager("nucleus");
    SandboxCgroup created = manager.create("sb1", LIMITS);
    assertThatThrownBy(() -> manager.create("sb1", LIMITS)).hasMessageContaining("already exists");
    assertThat(manager.open("sb1").procsFiles()).isEqualTo(created.procsFiles());
  }

  @Test
  void namesAreSinglePathSegments() {
    CgroupManager manager = FakeCgroupFs.v2(tmp).manager("nucleus/sandboxes");
    for (String bad : new String[] {"..", "a/b", ".hidden", "", "x y"}) {
      assertThatThrownBy(() -> manager.create(bad, LIMITS)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> FakeCgroupFs.v2(tmp.resolve("x")).manager("../escape"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void limitsAreValidated() {
    assertThatThrownBy(() -> new ResourceLimits(-1, 0, 0, null)).hasMessageContaining("negative");
    assertThatThrownBy(() -> new ResourceLimits(0, 5, 0, null)).hasMessageContaining("minimum quota");
    assertThatThrownBy(() -> new ResourceLimits(0, 0, 0, 0)).hasMessageContaining("ioWeight");
    assertThat(new ResourceLimits(0, 2000, 0, null).cpuQuotaUs()).isEqualTo(200_000);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
