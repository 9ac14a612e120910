package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.nativeaccess.FakeNativeAccess;
import dev.nucleus.agent.nativeaccess.SeccompAction;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The compiler's decisions, against a fake libseccomp that records rules. */
class SeccompCompilerTest {

  private static Map<String, Integer> knownSyscalls(String... missing) {
    Map<String, Integer> m = new HashMap<>();
    int nr = 0;
    for (String name : SyscallSets.DEFAULT_ALLOW) {
      m.put(name, nr++);
    }
    for (String name : SyscallSets.ALWAYS_DENIED.keySet()) {
      m.put(name, nr++);
    }
    for (String name : List.of("socket", "clone", "clone3", "ioctl", "prctl", "personality", "io_uring_setup")) {
      m.put(name, nr++);
    }
    for (String name : missing) {
      m.remove(name);
    }
    return m;
  }

  @Test
  void unknownBaseNamesAreSkippedButRequiredAndExtraOnesFail() {
    FakeNativeAccess na = new FakeNativeAccess(7, EnumSet.allOf(SeccompAction.class), knownSyscalls("futex_waitv"));
    SeccompProgram p = new SeccompCompiler(na).compile(SeccompPolicy.defaults());
    assertThat(p.allowedSyscallCount()).isEqualTo(SeccompProfiles.expand(SeccompPolicy.defaults()).allowedSyscalls().size() - 1);
    assertThat(na.log).first().isEqualTo("init 50001");
    assertThat(na.log).contains("badarch 80000000").last().isEqualTo("release");

    FakeNativeAccess old = new FakeNativeAccess(7, EnumSet.allOf(SeccompAction.class), knownSyscalls("clone3"));
    assertThatThrownBy(() -> new SeccompCompiler(old).compile(SeccompPolicy.defaults()))
        .isInstanceOf(SeccompPolicyException.class).hasMessageContaining("too old")
        .satisfies(e -> assertThat(((SeccompPolicyException) e).reason()).isEqualTo("SeccompUnsupported"));
    assertThat(old.log).last().isEqualTo("release");
  }

  @Test
  void rulesRepeatingTheDefaultAreNotSent() {
    FakeNativeAccess na = new FakeNativeAccess(7, EnumSet.allOf(SeccompAction.class), knownSyscalls());
    new SeccompCompiler(na).compile(SeccompPolicy.defaults());
    assertThat(na.log).noneMatch(l -> l.startsWith("rule ") && l.contains(" 50001 "));
    FakeNativeAccess strict = new FakeNativeAccess(7, EnumSet.allOf(SeccompAction.class), knownSyscalls());
    new SeccompCompiler(strict).compile(SeccompPolicy.of("Strict", List.of(), Set.of()));
    assertThat(strict.log).first().isEqualTo("init 80000000");
    assertThat(strict.log).anyMatch(l -> l.startsWith("rule ") && l.contains(" 50001 "));
  }

  @Test
  void aPolicyIsCompiledOnceThenServedFromTheCache() {
    FakeNativeAccess na = new FakeNativeAccess(7, EnumSet.allOf(SeccompAction.class), knownSyscalls());
    SeccompCompiler compiler = new SeccompCompiler(na);
    SeccompProgram first = compiler.compile(SeccompPolicy.defaults());
    int calls = na.log.size();
    SeccompProgram again = compiler.compile(SeccompPolicy.of("Default", List.of(), Set.of()));
    assertThat(na.log).hasSize(calls);
    assertThat(again.bpf()).isEqualTo(first.bpf());
    compiler.compile(SeccompPolicy.of("Default", List.of(), Set.of("NET_RAW")));
    assertThat(na.log).hasSizeGreaterThan(calls);
  }

  @Test
  void aKernelWithoutKillProcessIsRefused() {
    FakeNativeAccess na = new FakeNativeAccess(7, EnumSet.of(SeccompAction.ALLOW, SeccompAction.ERRNO), knownSyscalls());
    assertThatThrownBy(() -> new SeccompCompiler(na).compile(SeccompPolicy.defaults()))
        .hasMessageContaining("kill_process");
  }

  @Test
  void unconfinedNeverTouchesLibseccomp() {
    FakeNativeAccess na = new FakeNativeAccess(0, Set.of(), Map.of());
    assertThat(new SeccompCompiler(na).compile(SeccompPolicy.of("Unconfined", List.of(), Set.of())).empty()).isTrue();
    assertThat(na.log).isEmpty();
  }
}
