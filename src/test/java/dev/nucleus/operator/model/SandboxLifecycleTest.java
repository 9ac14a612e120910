package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.Lifecycle;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxLifecycleTest {

  @Test
  void ttlCountsFromFinishedAtOfAFinishedSandboxOnly() {
    var spec = new NucleusSandboxSpec().setLifecycle(new Lifecycle().setTtlSecondsAfterFinished(30L));
    var done = new NucleusSandboxStatus().setPhase(SandboxPhase.Succeeded).setFinishedAt("2026-11-29T20:00:00Z");
    assertThat(SandboxLifecycle.ttlExpiry(spec, done)).contains(NOW.plusSeconds(30));
    assertThat(SandboxLifecycle.ttlExpiry(spec, done.setPhase(SandboxPhase.Running))).isEmpty();
    assertThat(SandboxLifecycle.ttlExpiry(new NucleusSandboxSpec(), done.setPhase(SandboxPhase.Failed))).isEmpty();
  }

  @Test
  void teardownCountsOnlyForTheNodeTheSandboxIsOn() {
    var byA = new ObjectMetaBuilder().withAnnotations(Map.of(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE, "a")).build();
    var unnamed = new ObjectMetaBuilder()
        .withAnnotations(Map.of(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE, "true")).build();
    assertThat(SandboxLifecycle.teardownConfirmed(byA, "a")).isTrue();
    assertThat(SandboxLifecycle.teardownConfirmed(byA, "b")).isFalse();
    assertThat(SandboxLifecycle.teardownConfirmed(unnamed, "b")).as("a value naming no node").isFalse();
    assertThat(SandboxLifecycle.teardownConfirmed(new ObjectMetaBuilder().build(), "a")).isFalse();
    assertThat(SandboxLifecycle.teardownConfirmed(new ObjectMetaBuilder().build(), null)).isTrue();
  }

  @Test
  void backoffWaitsAsLongAsAlreadyWaitedWithinBounds() {
    var bounds = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));
    var since = List.of(new Condition("2026-11-29T19:59:30Z", "", 1L, "Unschedulable", "False",
        ConditionTypes.SCHEDULED));
    assertThat(SandboxLifecycle.backoffSince(since, ConditionTypes.SCHEDULED, NOW, bounds))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(SandboxLifecycle.backoffSince(since, ConditionTypes.SCHEDULED, NOW.minusSeconds(29), bounds))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(SandboxLifecycle.backoffSince(since, ConditionTypes.SCHEDULED, NOW.plusSeconds(3600), bounds))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(SandboxLifecycle.backoffSince(List.of(), ConditionTypes.SCHEDULED, NOW, bounds))
        .isEqualTo(Duration.ofSeconds(2));
  }
}
