package dev.nucleus.agent.landlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.landlock.LandlockRuleset.PathRule;
import dev.nucleus.agent.landlock.LandlockRuleset.PortRule;
import dev.nucleus.agent.nativeaccess.NativeAccess;
import dev.nucleus.agent.seccomp.NativeHelpers;
import dev.nucleus.agent.seccomp.NativeHelpers.Result;
import dev.nucleus.agent.testing.TempDirs;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Planned rulesets applied for real (host paths stand in for the sandbox's view) through a test-only helper:
 * writes outside the granted trees fail with EACCES, granted ones work, TCP connects obey the port rules.
 */
class LandlockPlannerNativeTest {
  private final int abi = NativeAccess.system().landlockAbi();

  @Test
  void writesOnlyWhereTheRulesetGrants() throws Exception {
    // Not under /tmp: the default rules make /tmp writable.
    Path work = Files.createTempDirectory(Path.of("/var/tmp"), "nucleus-ll-work");
    Path outside = Files.createTempDirectory(Path.of("/var/tmp"), "nucleus-ll-outside");
    try {
      LandlockRuleset r = new LandlockPlanner().plan(
          LandlockRequest.of(List.of(), List.of(work.toString()), List.of(), List.of(), List.of(), List.of()), abi);
      Result denied = run(r, "echo x > " + outside.resolve("f"));
      assertThat(denied.exitCode()).isNotZero();
      assertThat(denied.output()).contains("Permission denied");
      assertThat(outside.resolve("f")).doesNotExist();
      Result allowed = run(r, "echo y > " + work.resolve("g") + " && cat " + work.resolve("g")
          + " && echo z > /dev/null && cat /etc/hostname >/dev/null && f=$(mktemp) && rm $f && echo all-ok");
      assertThat(allowed.output()).as(allowed.output()).contains("y").contains("all-ok");
      assertThat(run(r, "mkdir " + outside.resolve("d")).exitCode()).isNotZero();
      assertThat(outside.resolve("d")).doesNotExist();
    } finally {
      for (Path dir : List.of(work, outside)) {
        TempDirs.deleteTree(dir);
      }
    }
  }

  @Test
  void tcpConnectFollowsThePortRules() throws Exception {
    try (ServerSocket allowedPort = new ServerSocket(0); ServerSocket deniedPort = new ServerSocket(0)) {
      LandlockRuleset r = new LandlockPlanner().plan(LandlockRequest.of(List.of(), List.of(), List.of(), List.of(),
          List.of(allowedPort.getLocalPort()), List.of()), abi);
      assertThat(r.portRules()).containsExactly(new PortRule(allowedPort.getLocalPort(), LandlockAccess.NET_CONNECT_TCP));
      String connect = "perl -MIO::Socket::INET -e 'IO::Socket::INET->new(PeerAddr => \"127.0.0.1:%d\") or die \"connect: $!\\n\"; print \"connected\\n\"'";
      assertThat(run(r, String.format(connect, allowedPort.getLocalPort())).output()).contains("connected");
      Result denied = run(r, String.format(connect, deniedPort.getLocalPort()));
      assertThat(denied.output()).contains("connect: Permission denied");
    }
  }

  private static Result run(LandlockRuleset r, String script) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NativeHelpers.binary("landlock-exec").toString(),
        Long.toString(r.handledFs()), Long.toString(r.handledNet()), Long.toString(r.scoped())));
    for (PathRule p : r.pathRules()) {
      cmd.addAll(List.of("p", Long.toString(p.access()), p.path()));
    }
    for (PortRule p : r.portRules()) {
      cmd.addAll(List.of("n", Long.toString(p.access()), Integer.toString(p.port())));
    }
    cmd.addAll(List.of("--", "/bin/sh", "-c", script));
    return NativeHelpers.run(cmd);
  }
}
