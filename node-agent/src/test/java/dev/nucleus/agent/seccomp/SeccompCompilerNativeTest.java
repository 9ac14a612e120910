package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.seccomp.NativeHelpers.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the compiled programs on the real kernel: each wall is crossed once without the filter (baseline) and
 * once with it, through a helper that loads the exact bytes the compiler produced and execs a probe.
 */
class SeccompCompilerNativeTest {
  private static final String KILLED = "SIGNAL31"; // SIGSYS from SECCOMP_RET_KILL_PROCESS
  private static byte[] defaultBpf;
  private static byte[] strictBpf;

  @BeforeAll
  static void compile() {
    SeccompCompiler compiler = new SeccompCompiler();
    defaultBpf = compiler.compile(SeccompPolicy.defaults()).bpf();
    strictBpf = compiler.compile(SeccompPolicy.of("Strict", List.of(), Set.of())).bpf();
  }

  @Test
  void defaultProgramIsARealAllowlist() {
    SeccompProgram p = new SeccompCompiler().compile(SeccompPolicy.defaults());
    assertThat(p.profile()).isEqualTo("Default");
    assertThat(p.instructionCount()).isGreaterThan(100);
    assertThat(p.allowedSyscallCount()).isBetween(250, 320);
    SeccompProgram strict = new SeccompCompiler().compile(SeccompPolicy.of("Strict", List.of(), Set.of()));
    assertThat(strict.allowedSyscallCount()).isLessThan(p.allowedSyscallCount() - 40);
  }

  @Test
  void unconfinedCompilesToNoProgram() {
    SeccompProgram p = new SeccompCompiler().compile(SeccompPolicy.of("Unconfined", List.of(), Set.of()));
    assertThat(p.empty()).isTrue();
    assertThat(p.profile()).isEqualTo("Unconfined");
  }

  @Test
  void dangerousCallsGetEpermUnderDefaultThatWorkWithoutIt() throws Exception {
    Map<String, String> withoutFilter = probe(new byte[0], "unshare-user", "setns", "bpf", "perf_event_open", "keyctl",
        "add_key", "open_by_handle_at", "clone-newuser", "socket-packet", "socket-vsock", "socket-netlink-audit",
        "ioctl-tiocsti", "ioctl-tiocsti-highbits", "socket-inet-highbits", "personality-no-aslr");
    assertThat(withoutFilter).doesNotContainValue("EPERM");
    Map<String, String> withFilter = probe(defaultBpf, withoutFilter.keySet().toArray(String[]::new));
    assertThat(withFilter).allSatisfy((call, result) -> assertThat(result).as(call).isEqualTo("EPERM"));
  }

  @Test
  void alwaysDeniedCallsGetEperm() throws Exception {
    Map<String, String> r = probe(defaultBpf, "mount", "umount2", "pivot_root", "ptrace", "init_module",
        "userfaultfd", "kexec_load", "prctl-set-mm", "prctl-cap-ambient-raise");
    assertThat(r).allSatisfy((call, result) -> assertThat(result).as(call).isEqualTo("EPERM"));
  }

  @Test
  void clone3ReturnsEnosysSoLibcFallsBack() throws Exception {
    assertThat(probe(new byte[0], "clone3")).containsEntry("clone3", "EINVAL");
    assertThat(probe(defaultBpf, "clone3", "clone-plain")).containsEntry("clone3", "ENOSYS").containsEntry("clone-plain", "OK");
  }

  @Test
  void ordinaryCallsStillWorkUnderDefault() throws Exception {
    Map<String, String> r = probe(defaultBpf, "getpid", "socket-unix", "socket-inet", "socket-inet6",
        "socket-netlink-route", "prctl-set-name", "personality-query", "memfd_create", "clone-plain");
    assertThat(r).allSatisfy((call, result) -> assertThat(result).as(call).isEqualTo("OK"));
    // TCGETS on /dev/null passes the filter and reaches the driver, which says "not a tty".
    assertThat(probe(defaultBpf, "ioctl-tcgets")).containsEntry("ioctl-tcgets", "ENOTTY");
  }

  @Test
  void foreignAbiCallsKillTheProcess() throws Exception {
    assertThat(probe(new byte[0], "x32-getpid", "i386-getpid")).containsEntry("x32-getpid", "ENOSYS")
        .containsEntry("i386-getpid", "OK");
    assertThat(probe(defaultBpf, "x32-getpid", "i386-getpid")).containsEntry("x32-getpid", KILLED)
        .containsEntry("i386-getpid", KILLED);
  }

  @Test
  void shellsAndToolsRunUnderDefault() throws Exception {
    Result sh = NativeHelpers.runFiltered(defaultBpf, List.of("/bin/sh", "-c",
        "f=$(mktemp) && echo hello > $f && cat $f && rm $f && ls / >/dev/null && echo done"));
    assertThat(sh.exitCode()).as(sh.output()).isZero();
    assertThat(sh.output()).contains("hello").contains("done");
    assertThat(NativeHelpers.runFiltered(defaultBpf, List.of("/bin/true")).exitCode()).isZero();
    Result perl = NativeHelpers.runFiltered(defaultBpf, List.of("perl", "-e", "print 6*7, qq(\\n)"));
    assertThat(perl.output()).contains("42");
    Result java = NativeHelpers.runFiltered(defaultBpf, List.of(javaBinary(), "-Xshare:auto", "-version"));
    assertThat(java.exitCode()).as(java.output()).isZero();
  }

  @Test
  void unshareCommandFailsWithOperationNotPermitted() throws Exception {
    assertThat(NativeHelpers.runFiltered(new byte[0], List.of("unshare", "-U", "true")).exitCode()).isZero();
    Result r = NativeHelpers.runFiltered(defaultBpf, List.of("unshare", "-U", "true"));
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("Operation not permitted");
  }

  @Test
  void strictKillsUnlistedCallsButStillRefusesDeniedOnesWithEperm() throws Exception {
    Map<String, String> r = probe(strictBpf, "getpid", "socket-unix", "socket-inet", "socket-netlink-route",
        "clone-newuser", "ioctl-tiocsti", "mount", "ptrace", "memfd_create", "clone-plain", "clone3");
    assertThat(r).containsEntry("getpid", "OK").containsEntry("socket-unix", "OK").containsEntry("clone-plain", "OK")
        .containsEntry("socket-inet", "EPERM").containsEntry("socket-netlink-route", "EPERM")
        .containsEntry("clone-newuser", "EPERM").containsEntry("ioctl-tiocsti", "EPERM")
        .containsEntry("mount", "EPERM").containsEntry("ptrace", "EPERM").containsEntry("clone3", "ENOSYS")
        .containsEntry("memfd_create", KILLED);
    Result sh = NativeHelpers.runFiltered(strictBpf, List.of("/bin/sh", "-c", "echo strict-ok"));
    assertThat(sh.output()).contains("strict-ok");
  }

  @Test
  void extraAllowedUnlocksOptInAndCapabilityGatedCalls() throws Exception {
    SeccompCompiler compiler = new SeccompCompiler();
    byte[] bpf = compiler.compile(SeccompPolicy.of("Default", List.of("ptrace"), Set.of("SYS_PTRACE"))).bpf();
    assertThat(probe(bpf, "ptrace", "mount")).containsEntry("ptrace", "OK").containsEntry("mount", "EPERM");
    assertThatThrownBy(() -> compiler.compile(SeccompPolicy.of("Default", List.of("no_such_call"), Set.of())))
        .isInstanceOf(SeccompPolicyException.class).hasMessageContaining("unknown syscall 'no_such_call'");
  }

  private static Map<String, String> probe(byte[] bpf, String... calls) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NativeHelpers.binary("syscall-probe").toString()));
    cmd.addAll(List.of(calls));
    Result r = NativeHelpers.runFiltered(bpf, cmd);
    assertThat(r.exitCode()).as("probe %s: %s", List.of(calls), r.output()).isZero();
    Map<String, String> results = new LinkedHashMap<>();
    for (String line : r.output().strip().split("\n")) {
      String[] f = line.split(" ");
      results.put(f[0], f[1]);
    }
    assertThat(results.keySet()).containsExactly(calls);
    return results;
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
