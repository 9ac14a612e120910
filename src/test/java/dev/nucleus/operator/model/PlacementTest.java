package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static dev.nucleus.operator.model.AgentNodes.node;
import static dev.nucleus.operator.model.AgentNodes.stale;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Security;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {

  private static final SandboxRequirements PLAIN = SandboxRequirements.none();

  @Test
  void picksTheNodeWithTheLeastCommittedMemory() {
    var nodes = List.of(node("a", 7, true, 3L << 30), node("b", 7, true, 1L << 30), node("c", 7, true, 2L << 30));
    assertThat(Placement.place(PLAIN, nodes, NOW)).isEqualTo(new PlacementDecision.Placed("b"));
  }

  @Test
  void spreadsEqualMemoryBySandboxCountThenName() {
    var busy = new AgentNode("a", 7, "v2", true, false, true, "", 5, 0, 0, Map.of(), NOW, Duration.ofSeconds(15));
    var idle = new AgentNode("b", 7, "v2", true, false, true, "", 1, 0, 0, Map.of(), NOW, Duration.ofSeconds(15));
    var idleToo = new AgentNode("c", 7, "v2", true, false, true, "", 1, 0, 0, Map.of(), NOW, Duration.ofSeconds(15));
    assertThat(Placement.place(PLAIN, List.of(busy, idleToo, idle), NOW)).isEqualTo(new PlacementDecision.Placed("b"));
  }

  @Test
  void tcpRulesNeedAbiFourAndTheMessageCountsNodesPerReason() {
    var req = PLAIN.withLandlockAbi(SandboxRequirements.landlockAbiFor(true, true));
    var nodes = List.of(node("old-1", 3, true, 0), node("old-2", 1, true, 0), stale("gone"));

    var decision = Placement.place(req, nodes, NOW);

    assertThat(decision).isEqualTo(new PlacementDecision.Unschedulable(
        "0/3 nodes are available: 2 lack Landlock ABI ≥ 4, 1 has no live agent."));
  }

  @Test
  void pathRulesNeedOnlyAbiOne() {
    assertThat(SandboxRequirements.landlockAbiFor(true, false)).isEqualTo(1);
    assertThat(SandboxRequirements.landlockAbiFor(false, false)).isZero();
    var req = PLAIN.withLandlockAbi(1);
    assertThat(Placement.place(req, List.of(node("old", 1, false, 0)), NOW))
        .isEqualTo(new PlacementDecision.Placed("old"));
  }

  @Test
  void skipsAStaleAgentEvenWhenItIsTheEmptiest() {
    var nodes = List.of(stale("empty"), node("busy", 7, true, 6L << 30));
    assertThat(Placement.place(PLAIN, nodes, NOW)).isEqualTo(new PlacementDecision.Placed("busy"));
  }

  @Test
  void restoreNeedsCriuAndGoesToTheCheckpointNodeEvenIfLoaded() {
    var req = PLAIN.withCriu().withRequiredNode("loaded");
    var nodes = List.of(node("idle", 7, true, 0), node("loaded", 7, true, 7L << 30), node("nocriu", 7, false, 0));

    assertThat(Placement.place(req, nodes, NOW)).isEqualTo(new PlacementDecision.Placed("loaded"));
  }

  @Test
  void restoreToANodeWithoutCriuIsUnschedulable() {
    var req = PLAIN.withCriu().withRequiredNode("nocriu");
    var nodes = List.of(node("idle", 7, true, 0), node("nocriu", 7, false, 0));

    assertThat(Placement.place(req, nodes, NOW)).isEqualTo(new PlacementDecision.Unschedulable(
        "0/2 nodes are available: 1 is not the checkpoint's node nocriu, 1 lacks a usable CRIU."));
  }

  @Test
  void aTimeNamespaceGoesToANodeThatCanCreateOne() {
    var spec = new NucleusSandboxSpec().setCommand(List.of("true")).setSecurity(new Security().setTimeNamespace(true));
    var req = SandboxRequirements.from(spec, null);
    var cannot = new AgentNode("old", 7, "v2", true, false, false, "5.4.0", 0, 0, 8L << 30, Map.of(), NOW,
        Duration.ofSeconds(15));

    assertThat(req.needsTimeNamespace()).isTrue();
    assertThat(Placement.place(req, List.of(cannot, node("new", 7, true, 4L << 30)), NOW))
        .isEqualTo(new PlacementDecision.Placed("new"));
    assertThat(Placement.place(req, List.of(cannot), NOW)).isEqualTo(new PlacementDecision.Unschedulable(
        "0/1 node is available: 1 cannot create time namespaces."));
    assertThat(Placement.place(SandboxRequirements.from(spec.setSecurity(new Security()), null), List.of(cannot), NOW))
        .isEqualTo(new PlacementDecision.Placed("old"));
  }

  @Test
  void gvisorNeedsRunsc() {
    var req = PLAIN.withRunsc();
    var nodes = List.of(node("a", 7, true, 0));
    assertThat(Placement.place(req, nodes, NOW)).isEqualTo(new PlacementDecision.Unschedulable(
        "0/1 node is available: 1 lacks a usable runsc."));
  }

  @Test
  void nodeSelectorAndNodeNameMustMatch() {
    var zoned = new AgentNode("z", 7, "v2", true, false, true, "", 0, 5L << 30, 0, Map.of("zone", "eu", "disk", "ssd"),
        NOW, Duration.ofSeconds(15));
    var nodes = List.of(node("a", 7, true, 0), zoned);

    assertThat(Placement.place(PLAIN.withNodeSelector(Map.of("zone", "eu")), nodes, NOW))
        .isEqualTo(new PlacementDecision.Placed("z"));
    assertThat(Placement.place(PLAIN.withNodeName("a"), nodes, NOW))
        .isEqualTo(new PlacementDecision.Placed("a"));
    assertThat(Placement.place(PLAIN.withNodeName("a").withNodeSelector(Map.of("zone", "eu")), nodes, NOW))
        .isEqualTo(new PlacementDecision.Unschedulable(
            "0/2 nodes are available: 1 is not nodeName a, 1 does not match nodeSelector."));
  }

  @Test
  void memoryMustFitUnderAllocatable() {
    var req = PLAIN.withMemoryBytes(2L << 30);
    var nodes = List.of(node("full", 7, true, 7L << 30), node("room", 7, true, 6L << 30));
    assertThat(Placement.place(req, nodes, NOW)).isEqualTo(new PlacementDecision.Placed("room"));
    assertThat(Placement.place(req.withMemoryBytes(3L << 30), nodes, NOW)).isEqualTo(
        new PlacementDecision.Unschedulable("0/2 nodes are available: 2 have too little uncommitted memory."));
  }

  @Test
  void noAgentsAtAllSaysSo() {
    assertThat(Placement.place(PLAIN, List.of(), NOW)).isEqualTo(new PlacementDecision.Unschedulable(
        "0/0 nodes are available: no node agent has registered a Lease."));
  }
}
