package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static dev.nucleus.operator.model.AgentNodes.node;
import static dev.nucleus.operator.model.AgentNodes.stale;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxSchedulingTest {
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final SandboxRequirements PLAIN = SandboxRequirements.none();

  private static NucleusSandboxStatus on(String node, SandboxPhase phase) {
    return new NucleusSandboxStatus().setNodeName(node).setPhase(phase);
  }

  @Test
  void aPlacedSandboxOnALiveNodeStaysAndIsCheckedAgainWhenItsLeaseWouldLapse() {
    var agents = Map.of("a", node("a", 7, true, 0), "b", node("b", 7, true, 0));
    var outcome = SandboxScheduling.decide(on("a", SandboxPhase.Running), PLAIN, false, agents, GRACE, NOW);
    assertThat(outcome).isEqualTo(new SandboxScheduling.Outcome("a", null, null, false));
    // renewed 2 s ago, 15 s lease, 30 s grace: lost at +43 s, checked one second later
    assertThat(SandboxScheduling.untilLossCheck(outcome, on("a", SandboxPhase.Running), agents, GRACE, NOW))
        .contains(Duration.ofSeconds(44));
  }

  @Test
  void aStaleAgentWithinGraceIsNotLostYet() {
    var recent = new AgentNode("a", 7, "v2", true, false, true, "", 0, 0, 0, Map.of(), NOW.minusSeconds(20),
        Duration.ofSeconds(15));
    var outcome = SandboxScheduling.decide(on("a", SandboxPhase.Running), PLAIN, false, Map.of("a", recent), GRACE,
        NOW);
    assertThat(outcome.nodeLostMessage()).isNull();
  }

  @Test
  void losingTheNodeMarksLostWithNeverAndPlacesAgainWithOnFailure() {
    var agents = Map.of("a", stale("a"), "b", node("b", 7, true, 0));
    var before = on("a", SandboxPhase.Running);

    var never = SandboxScheduling.decide(before, PLAIN, false, Map.of("a", stale("a")), GRACE, NOW.plusSeconds(60));
    var onFailure = SandboxScheduling.decide(before, PLAIN, true, agents, GRACE, NOW);

    assertThat(never.nodeName()).isEqualTo("a");
    assertThat(never.nodeLostMessage()).startsWith("the agent on node a has not renewed its Lease since");
    assertThat(never.newlyLostOrReplaced(before)).isTrue();
    assertThat(onFailure).isEqualTo(new SandboxScheduling.Outcome("b", null, null, true));
  }

  @Test
  void lostIsStickyEvenWhenTheAgentReturns() {
    var outcome = SandboxScheduling.decide(on("a", SandboxPhase.Lost), PLAIN, false,
        Map.of("a", node("a", 7, true, 0)), GRACE, NOW);
    assertThat(outcome.nodeLostMessage()).isNotNull();
    assertThat(outcome.newlyLostOrReplaced(on("a", SandboxPhase.Lost))).isFalse();
  }

  @Test
  void aFinishedSandboxIsNeverLost() {
    var outcome = SandboxScheduling.decide(on("a", SandboxPhase.Succeeded), PLAIN, false, Map.of(), GRACE, NOW);
    assertThat(outcome).isEqualTo(new SandboxScheduling.Outcome("a", null, null, false));
  }

  @Test
  void anUnplacedSandboxIsPlacedOrToldWhyNot() {
    assertThat(SandboxScheduling.decide(null, PLAIN, false, Map.of("a", node("a", 3, true, 0)), GRACE, NOW)
        .nodeName()).isEqualTo("a");
    assertThat(SandboxScheduling.decide(null, PLAIN.withLandlockAbi(4), false, Map.of("a", node("a", 3, true, 0)),
        GRACE, NOW).unschedulableMessage()).isEqualTo("0/1 node is available: 1 lacks Landlock ABI ≥ 4.");
  }
}
