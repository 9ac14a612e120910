package dev.nucleus.agent.node;

import java.nio.file.Path;
import java.time.Duration;

/** Where the node probe looks: the proc root, the external binaries it tries, and how long it lets them run. */
public record ProbeConfig(Path proc, Path criu, Path runsc, Path unshare, Duration timeout) {

  public static ProbeConfig defaults() {
    return new ProbeConfig(Path.of("/proc"), Path.of("/usr/local/sbin/criu"), Path.of("/usr/local/bin/runsc"),
        Path.of("/usr/bin/unshare"), Duration.ofSeconds(30));
  }

  public ProbeConfig withCriu(Path criu) {
    return new ProbeConfig(proc, criu, runsc, unshare, timeout);
  }

  public ProbeConfig withRunsc(Path runsc) {
    return new ProbeConfig(proc, criu, runsc, unshare, timeout);
  }

  public ProbeConfig withTimeout(Duration timeout) {
    return new ProbeConfig(proc, criu, runsc, unshare, timeout);
  }
}
