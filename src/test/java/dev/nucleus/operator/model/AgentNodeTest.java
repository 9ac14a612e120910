package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static dev.nucleus.operator.model.AgentNodes.lease;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentNodeTest {

  @Test
  void readsEveryAdvertisedCapabilityAndLoad() {
    var annotations = Map.of(
        NucleusNames.ANNOTATION_LANDLOCK_ABI, "7",
        NucleusNames.ANNOTATION_CGROUP_MODE, "hybrid",
        NucleusNames.ANNOTATION_CRIU_USABLE, "true",
        NucleusNames.ANNOTATION_RUNSC_USABLE, "false",
        NucleusNames.ANNOTATION_TIME_NAMESPACES, "true",
        NucleusNames.ANNOTATION_KERNEL, "6.18.0",
        NucleusNames.ANNOTATION_SANDBOXES_RUNNING, "3",
        NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES, "1073741824",
        NucleusNames.ANNOTATION_MEMORY_ALLOCATABLE_BYTES, "4294967296",
        NucleusNames.ANNOTATION_NODE_LABELS, "{\"zone\":\"a\",\"gpu\":\"none\"}");

    AgentNode node = AgentNode.fromLease(lease("worker-1", annotations, NOW.minusSeconds(3), 10)).orElseThrow();

    assertThat(node.nodeName()).isEqualTo("worker-1");
    assertThat(node.landlockAbi()).isEqualTo(7);
    assertThat(node.cgroupMode()).isEqualTo("hybrid");
    assertThat(node.criuUsable()).isTrue();
    assertThat(node.runscUsable()).isFalse();
    assertThat(node.timeNamespaces()).isTrue();
    assertThat(node.kernel()).isEqualTo("6.18.0");
    assertThat(node.sandboxesRunning()).isEqualTo(3);
    assertThat(node.memoryCommittedBytes()).isEqualTo(1L << 30);
    assertThat(node.memoryAllocatableBytes()).isEqualTo(4L << 30);
    assertThat(node.nodeLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("zone", "a", "gpu", "none"));
    assertThat(node.renewTime()).isEqualTo(NOW.minusSeconds(3));
    assertThat(node.leaseDuration()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void garbageAnnotationsReadAsIncapableNotAsCapable() {
    var annotations = Map.of(
        NucleusNames.ANNOTATION_LANDLOCK_ABI, "seven",
        NucleusNames.ANNOTATION_CRIU_USABLE, "yes please",
        NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES, "-5",
        NucleusNames.ANNOTATION_NODE_LABELS, "{not json");

    AgentNode node = AgentNode.fromLease(lease("n", annotations, NOW, 10)).orElseThrow();

    assertThat(node.landlockAbi()).isZero();
    assertThat(node.criuUsable()).isFalse();
    assertThat(node.timeNamespaces()).as("no annotation: an agent that does not say so cannot").isFalse();
    assertThat(node.memoryCommittedBytes()).isZero();
    assertThat(node.nodeLabels()).isEmpty();
  }

  @Test
  void ignoresLeasesThatAreNotAgentLeases() {
    var other = new LeaseBuilder().withNewMetadata().withName("nucleus-operator-leader").endMetadata().build();
    assertThat(AgentNode.fromLease(other)).isEmpty();
    assertThat(AgentNode.nodeNameOf("nucleus-agent-")).isEmpty();
    assertThat(AgentNode.nodeNameOf("nucleus-agent-a.b")).contains("a.b");
  }

  @Test
  void freshWithinLeaseDurationLostOnlyAfterGrace() {
    AgentNode node = AgentNode.fromLease(lease("n", Map.of(), NOW, 10)).orElseThrow();
    Duration grace = Duration.ofSeconds(30);

    assertThat(node.isFresh(NOW.plusSeconds(10))).isTrue();
    assertThat(node.isFresh(NOW.plusSeconds(11))).isFalse();
    assertThat(node.isLostPastGrace(NOW.plusSeconds(40), grace)).isFalse();
    assertThat(node.isLostPastGrace(NOW.plusSeconds(41), grace)).isTrue();
    assertThat(node.lostAt(grace)).isEqualTo(NOW.plusSeconds(40));
  }

  @Test
  void lossCountsOnlyFromWhenTheOperatorCouldWatchFreshnessAsksTheLeaseAlone() {
    AgentNode node = AgentNode.fromLease(lease("n", Map.of(), NOW, 10)).orElseThrow();
    Duration grace = Duration.ofSeconds(30);
    Instant reconnected = NOW.plusSeconds(300);  // the operator was cut off from its API server until then
    AgentNode seen = node.watchedSince(reconnected);

    assertThat(node.isLostPastGrace(reconnected, grace)).as("the Lease alone: long expired").isTrue();
    assertThat(seen.isLostPastGrace(reconnected.plusSeconds(40), grace)).isFalse();
    assertThat(seen.isLostPastGrace(reconnected.plusSeconds(41), grace)).isTrue();
    assertThat(seen.lostAt(grace)).isEqualTo(reconnected.plusSeconds(40));
    assertThat(seen.isFresh(reconnected)).as("not fresh for placement: nobody renewed").isFalse();
    assertThat(node.watchedSince(NOW.minusSeconds(5)).lostAt(grace)).as("a renewal after the watch began counts")
        .isEqualTo(NOW.plusSeconds(40));
    assertThat(AgentNode.fromLease(lease("n", Map.of(), null, null)).orElseThrow().watchedSince(reconnected)
        .isLostPastGrace(reconnected, grace)).as("a Lease never renewed stays lost").isTrue();
  }

  @Test
  void aLeaseNeverRenewedIsNeitherFreshNorAlive() {
    AgentNode node = AgentNode.fromLease(lease("n", Map.of(), null, null)).orElseThrow();
    assertThat(node.isFresh(NOW)).isFalse();
    assertThat(node.isLostPastGrace(NOW, Duration.ZERO)).isTrue();
    assertThat(node.leaseDuration()).isEqualTo(AgentNode.DEFAULT_LEASE_DURATION);
  }
}
