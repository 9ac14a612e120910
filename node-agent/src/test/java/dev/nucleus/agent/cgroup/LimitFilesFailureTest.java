package dev.nucleus.agent.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A warm-pool member's remembered limit files on their failure paths: a file that cannot be opened ahead, a write through
 * an opened file that the kernel refuses. No descriptor stays open past the limit or the removal, and what is
 * remembered never stands in for a write after a failed limit.
 */
class LimitFilesFailureTest {
  private static final ResourceLimits LIMITS = new ResourceLimits(64L << 20, 500, 20, null);

  @TempDir
  Path tmp;

  /** The fake cgroupfs behind open files that are counted, with one file's open or write refused on demand. */
  static final class Faulty implements CgroupIo {
    final FakeCgroupFs fs;
    final Set<Path> open = new HashSet<>();
    final Set<String> attempted = new HashSet<>();
    String refuseOpen = "";
    String refuseWrite = "";

    Faulty(FakeCgroupFs fs) {
      this.fs = fs;
    }

    public boolean mkdir(Path dir) { return fs.mkdir(dir); }

    public void write(Path file, String value) {
      refuse(file);
      fs.write(file, value);
    }

    public String read(Path file) { return fs.read(file); }

    public boolean exists(Path file) { return fs.exists(file); }

    public boolean rmdir(Path dir) { return fs.rmdir(dir); }

    public Opened open(Path file) {
      attempted.add(file.getFileName().toString());
      if (file.getFileName().toString().equals(refuseOpen)) {
        throw new CgroupException(CgroupException.FAILED, "cannot open " + file + ": refused for the test");
      }
      open.add(file);
      return new Opened() {
        public void write(String value) {
          Faulty.this.write(file, value);
        }

        public void close() {
          open.remove(file);
        }
      };
    }

    private void refuse(Path file) {
      if (file.getFileName().toString().equals(refuseWrite)) {
        throw new CgroupException(CgroupException.FAILED, "cannot write " + file + ": Invalid argument (the test's)");
      }
    }
  }

  @Test
  void aFileThatCannotBeOpenedAheadLeavesNothingOpenAndNothingRememberedSoTheLimitWritesEveryFile() {
    for (String mode : List.of("v2", "v1", "hybrid")) {
      for (String refused : List.of("memory.max", "pids.max", "memory.limit_in_bytes", "cpu.shares", "cpu.weight")) {
        SandboxCgroup direct = FakeCgroupFs.of(mode, tmp.resolve(mode + "-d-" + refused)).manager("nucleus")
            .create("sb1", LIMITS);
        FakeCgroupFs fs = FakeCgroupFs.of(mode, tmp.resolve(mode + "-m-" + refused));
        Faulty io = new Faulty(fs);
        CgroupManager m = new CgroupManager(fs.layout(), io, "nucleus", pid -> { });
        SandboxCgroup member = m.create("pool.1-2-3", ResourceLimits.unlimited());
        io.refuseOpen = refused;
        member.rememberLimitFiles();
        if (io.attempted.contains(refused)) {
          assertThat(io.open).as(mode + " " + refused + ": every file opened before the refusal is closed").isEmpty();
        } else {
          assertThat(io.open).as(mode + " " + refused + ": not a file this mode's limit writes").isNotEmpty();
        }
        io.refuseOpen = "";
        m.limit(member, LIMITS);
        assertThat(io.open).as(mode + " " + refused + ": closed by the limit itself").isEmpty();
        for (int i = 0; i < direct.directories().size(); i++) {
          assertThat(contents(member.directories().get(i))).as(mode + " " + refused)
              .isEqualTo(contents(direct.directories().get(i)));
        }
      }
    }
  }

  @Test
  void aWriteTheKernelRefusesClosesEveryOpenedFileAndALaterLimitWritesEveryValueItAsks() {
    for (String mode : List.of("v2", "v1", "hybrid")) {
      String refused = mode.equals("v2") ? "cpu.max" : "cpu.cfs_quota_us";
      FakeCgroupFs fs = FakeCgroupFs.of(mode, tmp.resolve(mode + "-w"));
      Faulty io = new Faulty(fs);
      CgroupManager m = new CgroupManager(fs.layout(), io, "nucleus", pid -> { });
      SandboxCgroup member = m.create("pool.1-2-3", ResourceLimits.unlimited());
      member.rememberLimitFiles();
      assertThat(io.open).as(mode).isNotEmpty();
      io.refuseWrite = refused;
      assertThatThrownBy(() -> m.limit(member, LIMITS)).isInstanceOf(CgroupException.class);
      // the failed limit used up what was remembered: a retry asking for the values the unlimited files held (one CPU's
      // shares, the default period: v1; no v2 limit value is an unlimited default) writes them, though a file now holds
      // another value
      io.refuseWrite = "";
      ResourceLimits retry = new ResourceLimits(64L << 20, 1000, 20, null);
      SandboxCgroup direct = FakeCgroupFs.of(mode, tmp.resolve(mode + "-wd")).manager("nucleus").create("sb1", retry);
      for (Path dir : member.directories()) {
        for (String f : List.of("cpu.shares", "cpu.weight", "cpu.cfs_period_us")) {
          if (Files.exists(dir.resolve(f))) {
            fs.write(dir.resolve(f), "7");
          }
        }
      }
      m.limit(member, retry);
      for (int i = 0; i < direct.directories().size(); i++) {
        assertThat(contents(member.directories().get(i))).as(mode).isEqualTo(contents(direct.directories().get(i)));
      }
      member.remove();  // a failed claim discards its member: every file opened ahead, written or not, is closed
      assertThat(io.open).as(mode + ": closed at the removal").isEmpty();
    }
  }

  private static Map<String, String> contents(Path dir) {
    try (var files = Files.list(dir)) {
      Map<String, String> m = new TreeMap<>();
      files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("cgroup."))
          .forEach(f -> m.put(f.getFileName().toString(), read(f)));
      return m;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
