package dev.nucleus.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.nativeaccess.FakeNativeAccess;
import dev.nucleus.agent.nativeaccess.SeccompAction;
import dev.nucleus.api.v1alpha1.NucleusNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe over a fake /proc and stand-in tools (the real criu and runsc are the criu engineer's to install). */
class NodeProbeTest {
  @TempDir
  Path tmp;

  private ProbeConfig fakeProc(String maxUserNs) throws Exception {
    Path proc = tmp.resolve("proc");
    write(proc.resolve("sys/kernel/osrelease"), "6.18.0-test\n");
    write(proc.resolve("sys/kernel/seccomp/actions_avail"), "kill_process kill_thread errno allow\n");
    write(proc.resolve("sys/user/max_user_namespaces"), maxUserNs + "\n");
    write(proc.resolve("self/cgroup"), "0::/\n");
    write(proc.resolve("self/mountinfo"), "41 23 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
    return new ProbeConfig(proc, tmp.resolve("criu"), tmp.resolve("runsc"), tmp.resolve("unshare"), Duration.ofSeconds(20));
  }

  @Test
  void readsKernelFactsAndReportsMissingToolsWithReasons() throws Exception {
    NodeCapabilities c = new NodeProbe(new FakeNativeAccess(6, Set.of(), Map.of()), fakeProc("1000")).probe();
    assertThat(c.kernelRelease()).isEqualTo("6.18.0-test");
    assertThat(c.cgroupMode()).isEqualTo("v2");
    assertThat(c.landlockAbi()).isEqualTo(6);
    assertThat(c.seccompActions()).containsExactly("kill_process", "kill_thread", "errno", "allow");
    assertThat(c.criuUsable()).isFalse();
    assertThat(c.criuReason()).contains("not found at " + tmp.resolve("criu"));
    assertThat(c.runscUsable()).isFalse();
    assertThat(c.userNamespaces()).isTrue();
    assertThat(c.userNamespacesReason()).contains("not tried");
  }

  @Test
  void criuCheckRunsWithTheBreakpointWorkaroundAndItsVerdict() throws Exception {
    ProbeConfig cfg = fakeProc("0");
    script(cfg.criu(), "[ \"$1\" = check ] && [ \"$CRIU_FAULT\" = 130 ] && { echo 'Looks good.'; exit 0; }; echo \"bad env\"; exit 1");
    script(cfg.runsc(), "echo 'runsc version release-20240729.0'; exit 0");
    NodeCapabilities c = new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe();
    assertThat(c.criuUsable()).isTrue();
    assertThat(c.criuReason()).isEqualTo("criu check: Looks good.");
    assertThat(c.runscUsable()).isTrue();
    assertThat(c.runscReason()).contains("release-20240729.0");
    assertThat(c.userNamespaces()).isFalse();
    assertThat(c.userNamespacesReason()).contains("max_user_namespaces is 0");
  }

  @Test
  void aFailingOrHangingToolIsNotUsableAndSaysWhy() throws Exception {
    ProbeConfig cfg = fakeProc("10").withTimeout(Duration.ofMillis(500));
    script(cfg.criu(), "echo 'Error (criu/kerndat.c:1): vdso: Unexpected rt vDSO area bounds'; exit 1");
    script(cfg.runsc(), "sleep 30");
    NodeCapabilities c = new NodeProbe(new FakeNativeAccess(0, Set.of(), Map.of()), cfg).probe();
    assertThat(c.criuUsable()).isFalse();
    assertThat(c.criuReason()).contains("exited 1").contains("vDSO");
    assertThat(c.runscUsable()).isFalse();
    assertThat(c.runscReason()).contains("did not finish");
  }

  @Test
  void timeNamespacesNeedTheKernelsNamespaceAndAChildThatLandsInANewOne() throws Exception {
    ProbeConfig cfg = fakeProc("10");
    NodeCapabilities none = new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe();
    assertThat(none.timeNamespaces()).isFalse();
    assertThat(none.timeNamespacesReason()).contains("no time namespaces");

    Files.createDirectories(cfg.proc().resolve("self/ns"));
    Files.createSymbolicLink(cfg.proc().resolve("self/ns/time"), Path.of("time:[4026531834]"));
    assertThat(new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe().timeNamespacesReason())
        .contains("not tried");
    script(cfg.unshare(), "[ \"$1 $2 $3\" = '--time --fork readlink' ] && echo 'time:[4026531834]'");
    NodeCapabilities stayed = new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe();
    assertThat(stayed.timeNamespaces()).isFalse();
    assertThat(stayed.timeNamespacesReason()).contains("stayed in this process's time namespace");
    script(cfg.unshare(), "[ \"$1 $2 $3\" = '--time --fork readlink' ] && echo 'time:[4026532189]'");
    NodeCapabilities works = new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe();
    assertThat(works.timeNamespaces()).isTrue();
    assertThat(works.timeNamespacesReason()).isEqualTo("unshare --time: time:[4026532189]");
    script(cfg.unshare(), "echo 'unshare: unshare failed: No space left on device'; exit 1");
    assertThat(new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe().timeNamespacesReason())
        .contains("exited 1").contains("No space left");
    write(cfg.proc().resolve("sys/user/max_time_namespaces"), "0\n");
    assertThat(new NodeProbe(new FakeNativeAccess(7, Set.of(), Map.of()), cfg).probe().timeNamespacesReason())
        .isEqualTo("user.max_time_namespaces is 0");
  }

  @Test
  void serialisesToJsonAndLeaseAnnotations() throws Exception {
    NodeCapabilities c = new NodeProbe(new FakeNativeAccess(7, Set.of(SeccompAction.ALLOW), Map.of()), fakeProc("5")).probe();
    assertThat(NodeCapabilities.fromJson(c.toJson())).isEqualTo(c);
    assertThat(c.toJson()).contains("\"landlockAbi\" : 7");
    assertThat(c.leaseAnnotations()).containsEntry(NucleusNames.ANNOTATION_LANDLOCK_ABI, "7")
        .containsEntry(NucleusNames.ANNOTATION_CGROUP_MODE, "v2").containsEntry(NucleusNames.ANNOTATION_CRIU_USABLE, "false")
        .containsEntry(NucleusNames.ANNOTATION_KERNEL, "6.18.0-test")
        .containsEntry(NucleusNames.ANNOTATION_TIME_NAMESPACES, "false");  // the fake /proc has no ns/time
  }

  @Test
  void probesThisMachineForReal() {
    NodeCapabilities c = new NodeProbe().probe();
    assertThat(c.kernelRelease()).isEqualTo(System.getProperty("os.version"));
    assertThat(c.cgroupMode()).isIn("v1", "v2", "hybrid");
    assertThat(c.seccompActions()).contains("errno", "allow");
    assertThat(c.libseccompVersion()).startsWith("2.");
    assertThat(List.of(c.criuReason(), c.runscReason(), c.userNamespacesReason())).allSatisfy(r -> assertThat(r).isNotBlank());
    // this kernel has time namespaces (CONFIG_TIME_NS) and util-linux's unshare: the probe really made one
    assertThat(c.timeNamespaces()).as(c.timeNamespacesReason()).isTrue();
    assertThat(c.timeNamespacesReason()).startsWith("unshare --time: time:[");
  }

  private static void write(Path f, String s) throws Exception {
    Files.createDirectories(f.getParent());
    Files.writeString(f, s);
  }

  private static void script(Path f, String body) throws Exception {
    write(f, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
  }
}
