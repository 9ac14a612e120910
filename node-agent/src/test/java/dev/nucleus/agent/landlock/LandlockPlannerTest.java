package dev.nucleus.agent.landlock;

import static dev.nucleus.agent.landlock.LandlockAccess.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.landlock.LandlockRuleset.PathRule;
import dev.nucleus.agent.landlock.LandlockRuleset.PortRule;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LandlockPlannerTest {
  private final LandlockPlanner planner = new LandlockPlanner();

  @ParameterizedTest
  @CsvSource({"1, 0x1fff", "2, 0x3fff", "3, 0x7fff", "4, 0x7fff", "5, 0xffff", "6, 0xffff", "7, 0xffff", "9, 0xffff"})
  void handlesEveryFilesystemRightTheAbiKnows(int abi, String mask) {
    LandlockRuleset r = planner.plan(LandlockRequest.defaults(), abi);
    assertThat(r.handledFs()).isEqualTo(Long.decode(mask));
    assertThat(r.abi()).isEqualTo(Math.min(abi, 7));
    assertThat(r.pathRules()).allSatisfy(rule -> assertThat(rule.access() & ~r.handledFs()).isZero());
  }

  @Test
  void kernelConstantsMatchTheUapiHeader() {
    assertThat(FS_EXECUTE).isEqualTo(1);
    assertThat(FS_MAKE_SYM).isEqualTo(0x1000);
    assertThat(FS_REFER).isEqualTo(0x2000);
    assertThat(FS_TRUNCATE).isEqualTo(0x4000);
    assertThat(FS_IOCTL_DEV).isEqualTo(0x8000);
    assertThat(NET_BIND_TCP | NET_CONNECT_TCP).isEqualTo(3);
    assertThat(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL).isEqualTo(3);
  }

  @Test
  void defaultsReadAndExecuteTheSystemAndWriteOnlyTmpShmAndStdioDevices() {
    Map<String, Long> rules = byPath(planner.plan(LandlockRequest.defaults(), 7));
    assertThat(rules.get("/")).isEqualTo(FS_READ_FILE | FS_READ_DIR | FS_EXECUTE);
    assertThat(rules.get("/tmp") & FS_WRITE_FILE).isNotZero();
    assertThat(rules.get("/tmp") & FS_MAKE_REG).isNotZero();
    assertThat(rules.get("/dev/shm") & FS_REMOVE_FILE).isNotZero();
    assertThat(rules.get("/dev/null")).isEqualTo(FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV);
    assertThat(rules.values()).allSatisfy(a -> assertThat(a).isNotZero());
    assertThat(rules.keySet()).containsExactly("/", "/tmp", "/dev/shm", "/dev/null", "/dev/zero", "/dev/full", "/dev/tty");
  }

  @Test
  void deviceRulesCarryOnlyFileRightsAndDropRightsTheAbiLacks() {
    Map<String, Long> abi1 = byPath(planner.plan(LandlockRequest.defaults(), 1));
    assertThat(abi1.get("/dev/null")).isEqualTo(FS_READ_FILE | FS_WRITE_FILE);
    assertThat(abi1.get("/tmp") & (FS_REFER | FS_TRUNCATE)).isZero();
    Map<String, Long> abi3 = byPath(planner.plan(LandlockRequest.defaults(), 3));
    assertThat(abi3.get("/dev/null")).isEqualTo(FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE);
  }

  @Test
  void specRulesAndVolumesAdd() {
    LandlockRequest req = LandlockRequest.of(List.of("/data/ro"), List.of("/work"), List.of("/opt/tools"), List.of(),
        List.of(), List.of("/vol/cache", "/work"));
    Map<String, Long> rules = byPath(planner.plan(req, 7));
    assertThat(rules.get("/data/ro")).isEqualTo(FS_READ_FILE | FS_READ_DIR);
    assertThat(rules.get("/opt/tools")).isEqualTo(FS_READ_FILE | FS_READ_DIR | FS_EXECUTE);
    assertThat(rules.get("/work")).isEqualTo(rules.get("/vol/cache")).isEqualTo(READ_WRITE & fsRights(7));
    assertThat(rules.get("/work") & FS_EXECUTE).isZero();
  }

  @Test
  void portRulesNeedAbi4AndHandleOnlyTheRestrictedDirections() {
    LandlockRequest req = LandlockRequest.of(List.of(), List.of(), List.of(), List.of(8080), List.of(443, 8080), List.of());
    LandlockRuleset r = planner.plan(req, 4);
    assertThat(r.handledNet()).isEqualTo(NET_BIND_TCP | NET_CONNECT_TCP);
    assertThat(r.portRules()).containsExactly(new PortRule(443, NET_CONNECT_TCP),
        new PortRule(8080, NET_BIND_TCP | NET_CONNECT_TCP));
    LandlockRuleset connectOnly = planner.plan(
        LandlockRequest.of(List.of(), List.of(), List.of(), List.of(), List.of(443), List.of()), 7);
    assertThat(connectOnly.handledNet()).isEqualTo(NET_CONNECT_TCP);
    assertThat(planner.plan(LandlockRequest.defaults(), 7).handledNet()).isZero();
    assertThatThrownBy(() -> planner.plan(req, 3)).isInstanceOf(LandlockUnsupportedException.class)
        .hasMessageContaining("needs Landlock ABI 4").hasMessageContaining("ABI 3")
        .satisfies(e -> assertThat(((LandlockUnsupportedException) e).reason()).isEqualTo("LandlockUnsupported"));
  }

  @Test
  void denyAllTcpConnectIsExpressibleWithoutPorts() {
    LandlockRequest req = new LandlockRequest(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), false,
        true, false);
    LandlockRuleset r = planner.plan(req, 7);
    assertThat(r.handledNet()).isEqualTo(NET_CONNECT_TCP);
    assertThat(r.portRules()).isEmpty();
  }

  @Test
  void scopingFollowsTheAbiAndFailsOnlyWhenRequired() {
    assertThat(planner.plan(LandlockRequest.defaults(), 6).scoped()).isEqualTo(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL);
    assertThat(planner.plan(LandlockRequest.defaults(), 5).scoped()).isZero();
    assertThat(planner.plan(LandlockRequest.defaults(), 7, true).scoped()).isEqualTo(SCOPE_SIGNAL);
    assertThat(planner.plan(LandlockRequest.defaults(), 7, false).scoped())
        .isEqualTo(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL);
    LandlockRequest required = new LandlockRequest(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        false, false, true);
    assertThatThrownBy(() -> planner.plan(required, 5)).isInstanceOf(LandlockUnsupportedException.class)
        .hasMessageContaining("ABI 6");
  }

  @Test
  void noLandlockAtAllIsUnsupported() {
    assertThatThrownBy(() -> planner.plan(LandlockRequest.defaults(), 0))
        .isInstanceOf(LandlockUnsupportedException.class).hasMessageContaining("no Landlock");
  }

  @Test
  void badPathsAndPortsAreRejected() {
    for (String bad : List.of("relative", "/a/../etc", "/a//b", "/./x", "")) {
      LandlockRequest req = LandlockRequest.of(List.of(bad), List.of(), List.of(), List.of(), List.of(), List.of());
      assertThatThrownBy(() -> planner.plan(req, 7)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    LandlockRequest port = LandlockRequest.of(List.of(), List.of(), List.of(), List.of(70000), List.of(), List.of());
    assertThatThrownBy(() -> planner.plan(port, 7)).hasMessageContaining("70000");
    assertThat(byPath(planner.plan(LandlockRequest.of(List.of("/data/"), List.of(), List.of(), List.of(), List.of(),
        List.of()), 7))).containsKey("/data");
  }

  private static Map<String, Long> byPath(LandlockRuleset r) {
    return r.pathRules().stream().collect(Collectors.toMap(PathRule::path, PathRule::access, (a, b) -> a,
        java.util.LinkedHashMap::new));
  }
}
