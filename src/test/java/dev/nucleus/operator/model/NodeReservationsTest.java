package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeReservationsTest {
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final long GIB = 1L << 30;

  private static AgentNode agent(String name, long committed, long allocatable, Instant renewed) {
    return new AgentNode(name, 7, "v2", true, false, true, "6.18.0", 0, committed, allocatable, Map.of(), renewed,
        Duration.ofSeconds(15));
  }

  private static SandboxScheduling.Outcome placeNew(NodeReservations reservations, String sandbox, long memory,
      Map<String, AgentNode> agents) {
    var req = new SandboxRequirements(0, false, false, false, Map.of(), null, null, memory);
    return reservations.schedule(sandbox, null, memory, agents,
        loaded -> SandboxScheduling.decide(null, req, false, loaded, GRACE, NOW));
  }

  @Test
  void aBurstSpreadsByCommittedLoadIncludingWhatTheLeasesDoNotShowYet() {
    var reservations = new NodeReservations();
    var agents = Map.of("a", agent("a", 0, 64 * GIB, NOW), "b", agent("b", 2 * GIB, 64 * GIB, NOW),
        "c", agent("c", 4 * GIB, 64 * GIB, NOW));
    Map<String, Integer> placed = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      placed.merge(placeNew(reservations, "sb-" + i, GIB, agents).nodeName(), 1, Integer::sum);
    }
    // Equal end state: a takes 2 GiB to catch up with b, then a and b 2 more each to reach c, then 8 each.
    assertThat(placed).containsExactlyInAnyOrderEntriesOf(Map.of("a", 12, "b", 10, "c", 8));
    assertThat(reservations.size()).isEqualTo(30);
  }

  @Test
  void withoutMemoryRequestsTheCountOfPlacedSandboxesSpreadsThem() {
    var reservations = new NodeReservations();
    var agents = Map.of("a", agent("a", 0, 0, NOW), "b", agent("b", 0, 0, NOW), "c", agent("c", 0, 0, NOW));
    Map<String, Integer> placed = new HashMap<>();
    for (int i = 0; i < 9; i++) {
      placed.merge(placeNew(reservations, "sb-" + i, 0, agents).nodeName(), 1, Integer::sum);
    }
    assertThat(placed).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3, "b", 3, "c", 3));
  }

  @Test
  void reservationsCountAgainstAllocatableMemory() {
    var reservations = new NodeReservations();
    var agents = Map.of("small", agent("small", 0, 4 * GIB, NOW));
    for (int i = 0; i < 4; i++) {
      assertThat(placeNew(reservations, "sb-" + i, GIB, agents).nodeName()).isEqualTo("small");
    }
    var fifth = placeNew(reservations, "sb-4", GIB, agents);
    assertThat(fifth.nodeName()).isNull();
    assertThat(fifth.unschedulableMessage()).isEqualTo("0/1 node is available: 1 has too little uncommitted memory.");
    assertThat(reservations.size()).as("nothing reserved for the unschedulable one").isEqualTo(4);
  }

  @Test
  void aReservationEndsOnceTheLeaseIsRenewedAfterTheAgentReportedTheStart() {
    var reservations = new NodeReservations();
    var before = Map.of("a", agent("a", 0, 64 * GIB, NOW));
    placeNew(reservations, "sb", GIB, before);
    assertThat(reservations.withReservations(before, "other").get("a").memoryCommittedBytes()).isEqualTo(GIB);

    Instant started = NOW.plusSeconds(1);
    reservations.started("sb", started);
    var renewedBeforeStart = Map.of("a", agent("a", 0, 64 * GIB, started.minusMillis(1)));
    assertThat(reservations.withReservations(renewedBeforeStart, "other").get("a").memoryCommittedBytes())
        .as("the Lease predates the start: still reserved").isEqualTo(GIB);

    reservations.started("sb", "not a time");
    assertThat(reservations.withReservations(renewedBeforeStart, "other").get("a").memoryCommittedBytes())
        .as("an unreadable start changes nothing").isEqualTo(GIB);
    var renewedAfter = Map.of("a", agent("a", GIB, 64 * GIB, started.plusSeconds(2)));
    assertThat(reservations.withReservations(renewedAfter, "other").get("a").memoryCommittedBytes())
        .as("counted once, by the Lease").isEqualTo(GIB);
    assertThat(reservations.size()).as("a reflected reservation has done its job").isZero();
  }

  @Test
  void runningSumsFollowPlacementsStartsMovesAndReleases() {
    var reservations = new NodeReservations();
    var agents = Map.of("a", agent("a", 0, 64 * GIB, NOW), "b", agent("b", 0, 64 * GIB, NOW));
    for (int i = 0; i < 4; i++) {
      placeNew(reservations, "sb-" + i, GIB, agents);
    }
    var seen = reservations.withReservations(agents, "other");
    assertThat(seen.get("a").memoryCommittedBytes() + seen.get("b").memoryCommittedBytes()).isEqualTo(4 * GIB);
    assertThat(seen.get("a").sandboxesRunning()).isEqualTo(2);

    reservations.started("sb-0", NOW.plusSeconds(1)); // started, not yet in a Lease: still counted
    reservations.release("sb-1");
    String node2 = placeNew(reservations, "sb-2", GIB, agents).nodeName(); // scheduled again: still one reservation
    seen = reservations.withReservations(agents, "other");
    assertThat(seen.get("a").memoryCommittedBytes() + seen.get("b").memoryCommittedBytes()).isEqualTo(3 * GIB);
    assertThat(reservations.size()).isEqualTo(3);
    assertThat(reservations.withReservations(agents, "sb-2").get(node2).memoryCommittedBytes())
        .as("its own reservation is not counted against it")
        .isEqualTo(seen.get(node2).memoryCommittedBytes() - GIB);

    for (String sb : new String[] {"sb-0", "sb-2", "sb-3"}) {
      reservations.release(sb);
    }
    seen = reservations.withReservations(agents, "other");
    assertThat(seen.get("a").memoryCommittedBytes() + seen.get("b").memoryCommittedBytes()).isZero();
    assertThat(seen.get("a").sandboxesRunning() + seen.get("b").sandboxesRunning()).isZero();
  }

  @Test
  void aSandboxAlreadyOnItsNodeReservesNothingAndALostOneReleases() {
    var reservations = new NodeReservations();
    var agents = Map.of("a", agent("a", 0, 64 * GIB, NOW));
    var req = SandboxRequirements.none();
    reservations.schedule("kept", "a", GIB, agents,
        loaded -> SandboxScheduling.decide(new NucleusSandboxStatus().setNodeName("a"), req,
            false, loaded, GRACE, NOW));
    assertThat(reservations.size()).isZero();

    placeNew(reservations, "sb", GIB, agents);
    reservations.release("sb");
    assertThat(reservations.withReservations(agents, "other").get("a").memoryCommittedBytes()).isZero();
  }

  @Test
  void aSandboxNeverCountsAgainstItself() {
    var reservations = new NodeReservations();
    var agents = Map.of("small", agent("small", 0, GIB, NOW));
    placeNew(reservations, "sb", GIB, agents);
    // The same sandbox scheduled again (e.g. its status write failed) still fits where it was reserved.
    assertThat(placeNew(reservations, "sb", GIB, agents).nodeName()).isEqualTo("small");
  }
}
