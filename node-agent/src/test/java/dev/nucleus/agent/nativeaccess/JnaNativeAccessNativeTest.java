package dev.nucleus.agent.nativeaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.node.MemInfo;
import dev.nucleus.agent.seccomp.NativeHelpers;
import dev.nucleus.agent.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The JNA facade against this kernel: its answers must agree with what the kernel publishes in /proc. */
class JnaNativeAccessNativeTest {
  private final NativeAccess na = NativeAccess.system();

  @Test
  void actionProbeAgreesWithActionsAvail() throws Exception {
    Set<String> avail = new TreeSet<>(List.of(
        Files.readString(Path.of("/proc/sys/kernel/seccomp/actions_avail")).strip().split("\\s+")));
    for (SeccompAction a : SeccompAction.values()) {
      assertThat(na.seccompActionAvailable(a)).as(a.kernelName()).isEqualTo(avail.contains(a.kernelName()));
    }
  }

  @Test
  void landlockAbiAgreesWithTheSameSyscallMadeFromC() throws Exception {
    NativeHelpers.Result r = NativeHelpers.run(List.of(NativeHelpers.binary("syscall-probe").toString(), "landlock-abi"));
    long fromC = Long.parseLong(r.output().strip().split(" ")[1]);
    assertThat(na.landlockAbi()).isEqualTo((int) Math.max(0, fromC));
  }

  @Test
  void libseccompLoadsAndResolvesNames() {
    assertThat(na.libseccompVersion()).matches("2\\.\\d+\\.\\d+");
    try (SeccompFilter f = na.newSeccompFilter(SeccompAction.ALLOW.value())) {
      assertThat(f.resolve("mkdir")).isEqualTo(83);
      assertThat(f.resolve("clone3")).isEqualTo(435);
      assertThat(f.resolve("no_such_syscall")).isNegative();
      assertThatThrownBy(() -> f.addRule(SeccompAction.ALLOW.value(), 83, List.of()))
          .isInstanceOf(NativeAccessException.class); // a rule repeating the default action is refused
    }
  }

  @Test
  void pidfdSignalsTheRightProcess() throws Exception {
    Process p = new ProcessBuilder("sleep", "60").start();
    int fd = na.pidfdOpen((int) p.pid());
    try {
      na.pidfdSendSignal(fd, 9);
      assertThat(p.waitFor()).isEqualTo(128 + 9);
    } finally {
      na.close(fd);
    }
  }

  @Test
  void syncFilesystemWritesTheDirtyPagesOfTheDirectorysFilesystemAndRefusesASymlink() throws Exception {
    // On the module's own disk filesystem (a tmpfs /tmp has no dirty pages to write).
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")).toAbsolutePath(), "syncfs");
    try {
      Files.write(dir.resolve("data"), new byte[64 << 20]);
      long before = dirtyBytes();
      na.syncFilesystem(dir);
      // Dirty counts every filesystem's unwritten pages; others may add some meanwhile, never remove ours.
      assertThat(before - dirtyBytes()).as("bytes of dirty page cache written").isGreaterThan(32L << 20);

      // A symlink to that same directory is refused, not followed (O_DIRECTORY|O_NOFOLLOW: ENOTDIR on Linux).
      Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
      assertThatThrownBy(() -> na.syncFilesystem(link)).isInstanceOfSatisfying(NativeAccessException.class,
          e -> assertThat(e.errno()).isEqualTo(20));
      assertThatThrownBy(() -> na.syncFilesystem(dir.resolve("data"))).isInstanceOfSatisfying(
          NativeAccessException.class, e -> assertThat(e.errno()).isEqualTo(20)); // ENOTDIR
    } finally {
      TempDirs.deleteTree(dir);
    }
  }

  private static long dirtyBytes() throws Exception {
    return MemInfo.read().bytes("Dirty").orElseThrow();
  }
}
