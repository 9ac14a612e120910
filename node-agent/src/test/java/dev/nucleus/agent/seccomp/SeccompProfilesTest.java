package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeccompProfilesTest {

  @Test
  void defaultRefusesWithEpermAndKillsForeignAbis() {
    SeccompRuleSet set = SeccompProfiles.expand(SeccompPolicy.defaults());
    assertThat(set.defaultVerdict()).isEqualTo(Verdict.EPERM);
    assertThat(set.badArchVerdict()).isEqualTo(Verdict.KILL_PROCESS);
    assertThat(set.allowedSyscalls()).contains("read", "execve", "socket", "clone", "ioctl", "prctl")
        .doesNotContain("mount", "ptrace", "bpf", "keyctl", "unshare", "setns", "clone3", "io_uring_setup");
    assertThat(set.rulesFor("clone3")).containsExactly(SeccompRule.of("clone3", Verdict.ENOSYS));
    assertThat(set.rulesFor("clone")).allSatisfy(r -> assertThat(r.conditional()).isTrue());
  }

  @Test
  void theReaperAllowsOnlyAPoolMembersInitLoopAndKillsEverythingElse() {
    SeccompRuleSet set = SeccompProfiles.reaper();
    assertThat(set.defaultVerdict()).isEqualTo(Verdict.KILL_PROCESS);
    assertThat(set.badArchVerdict()).isEqualTo(Verdict.KILL_PROCESS);
    assertThat(set.allowedSyscalls()).containsExactlyInAnyOrder("rt_sigtimedwait", "kill", "wait4", "write", "close",
        "exit_group", "exit", "rt_sigreturn", "restart_syscall");
    assertThat(set.rules()).allSatisfy(r -> assertThat(r.conditional()).isFalse());
  }

  @Test
  void strictIsNarrowerAndKillsWhatItDoesNotList() {
    SeccompRuleSet def = SeccompProfiles.expand(SeccompPolicy.defaults());
    SeccompRuleSet strict = SeccompProfiles.expand(SeccompPolicy.of("Strict", List.of(), Set.of()));
    assertThat(strict.defaultVerdict()).isEqualTo(Verdict.KILL_PROCESS);
    assertThat(def.allowedSyscalls()).containsAll(strict.allowedSyscalls());
    assertThat(strict.allowedSyscalls()).doesNotContain("execveat", "memfd_create", "seccomp");
    assertThat(strict.rulesFor("mount")).containsExactly(SeccompRule.of("mount", Verdict.EPERM));
  }

  @Test
  void extrasAreValidatedWithClearErrors() {
    assertThatThrownBy(() -> SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("keyctl"), Set.of("SYS_ADMIN"))))
        .hasMessageContaining("keyctl is never allowed");
    assertThatThrownBy(() -> SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("mount"), Set.of())))
        .hasMessageContaining("CAP_SYS_ADMIN");
    assertThatThrownBy(() -> SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("socket"), Set.of())))
        .hasMessageContaining("argument-filtered");
    assertThatThrownBy(() -> SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("clone3"), Set.of())))
        .hasMessageContaining("ENOSYS");
    assertThatThrownBy(() -> SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("Mount; rm"), Set.of())))
        .hasMessageContaining("not a syscall name");
    assertThatThrownBy(() -> SeccompPolicy.of("Paranoid", List.of(), Set.of())).hasMessageContaining("Default, Strict or Unconfined");
  }

  @Test
  void capabilitiesUnlockTheirCalls() {
    SeccompRuleSet set = SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("mount", "bpf", "io_uring_setup"),
        Set.of("cap_sys_admin")));
    assertThat(set.allowedSyscalls()).contains("mount", "bpf", "io_uring_setup");
    assertThat(set.rulesFor("mount")).containsExactly(SeccompRule.of("mount", Verdict.ALLOW));
    SeccompRuleSet ns = SeccompProfiles.expand(SeccompPolicy.of("Default", List.of("unshare"), Set.of("SYS_ADMIN")));
    assertThat(ns.rulesFor("clone")).containsExactly(SeccompRule.of("clone", Verdict.ALLOW));
  }

  @Test
  void netRawAddsPacketSocketsAndNetAdminAllNetlink() {
    SeccompRuleSet plain = SeccompProfiles.expand(SeccompPolicy.defaults());
    SeccompRuleSet raw = SeccompProfiles.expand(SeccompPolicy.of("Default", List.of(), Set.of("NET_RAW", "NET_ADMIN")));
    long allowPacket = raw.rulesFor("socket").stream().filter(r -> r.verdict().equals(Verdict.ALLOW))
        .filter(r -> r.conditions().get(0).value() == ArgumentFilters.AF_PACKET).count();
    assertThat(allowPacket).isEqualTo(1);
    assertThat(plain.rulesFor("socket").stream().filter(r -> r.verdict().equals(Verdict.ALLOW))
        .noneMatch(r -> r.conditions().get(0).value() == ArgumentFilters.AF_PACKET)).isTrue();
  }
}
