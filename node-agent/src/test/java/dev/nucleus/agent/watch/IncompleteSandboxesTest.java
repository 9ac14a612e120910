package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class IncompleteSandboxesTest {
  static final String MOUNTINFO = """
      22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
      41 22 0:36 / /var/lib/nucleus/sandboxes/nsb-1/root rw,relatime - overlay overlay rw
      42 22 0:37 / /var/lib/nucleus/sandboxes/nsb-1/root\\040with\\040space rw - tmpfs tmpfs rw
      43 22 0:38 / /var/lib/nucleus/sandboxes/nsb-10 rw - tmpfs tmpfs rw
      44 22 0:39 / /var/lib/nucleus/sandboxes/nsb-1 rw - tmpfs tmpfs rw
      """;

  @Test
  void findsMountsAtAndUnderTheDirectoryOnly() {
    assertThat(IncompleteSandboxes.mountsUnder(MOUNTINFO, Path.of("/var/lib/nucleus/sandboxes/nsb-1")))
        .containsExactly("/var/lib/nucleus/sandboxes/nsb-1/root", "/var/lib/nucleus/sandboxes/nsb-1/root with space",
            "/var/lib/nucleus/sandboxes/nsb-1"); // never the sibling nsb-10
  }

  @Test
  void noMountsUnderAnUnmountedDirectory() {
    assertThat(IncompleteSandboxes.mountsUnder(MOUNTINFO, Path.of("/var/lib/nucleus/sandboxes/nsb-2"))).isEmpty();
  }

  @Test
  void aLauncherIsOnlyAProcessRunningTheLauncherThatHoldsTheDirectory() {
    // This test JVM holds no file under a fresh path and is no launcher: nothing to kill.
    assertThat(IncompleteSandboxes.launchersHolding(Path.of("/nonexistent/nsb-x"), Path.of("/nonexistent/bin")))
        .isEmpty();
  }
}
