package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.api.v1alpha1.Usage;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusPatchesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final SandboxFacts running = SandboxFacts.running("sb-1", 4242, Instant.parse("2026-11-29T20:00:00.123456Z"),
      FakeEngine.isolation(), new Usage().setMemoryCurrentBytes(10L).setCpuSeconds(1.0).setPids(1L));

  @Test
  void runningPatchCarriesOnlyAgentOwnedFacts() throws Exception {
    JsonNode patch = JSON.readTree(StatusPatches.mergePatch(StatusPatches.fromFacts(running)));
    assertThat(patch.fieldNames()).toIterable().containsExactly("status");
    assertThat(patch.get("status").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("phase", "sandboxId", "pid", "startedAt", "isolation", "usage");
    assertThat(patch.at("/status/phase").asText()).isEqualTo("Running");
    assertThat(patch.at("/status/startedAt").asText()).isEqualTo("2026-11-29T20:00:00.123Z");
    assertThat(patch.at("/status/pid").asLong()).isEqualTo(4242);
  }

  @Test
  void patchAgainstTheCurrentStatusSendsOnlyWhatChanged() throws Exception {
    NucleusSandboxStatus current = JSON.readValue(JSON.writeValueAsString(StatusPatches.fromFacts(running)),
        NucleusSandboxStatus.class);
    SandboxFacts later = running.withUsage(new Usage().setMemoryCurrentBytes(20L).setCpuSeconds(2.0).setPids(1L));
    JsonNode patch = JSON.readTree(StatusPatches.mergePatchAgainst(current, StatusPatches.fromFacts(later)).orElseThrow());
    assertThat(patch.get("status").fieldNames()).toIterable().containsExactly("usage"); // isolation not re-sent
    assertThat(StatusPatches.mergePatchAgainst(current, StatusPatches.fromFacts(running))).isEmpty();
    assertThat(StatusPatches.mergePatchAgainst(null, StatusPatches.starting())).contains("{\"status\":{\"phase\":\"Starting\"}}");
  }

  @Test
  void neverWritesOperatorFieldsEvenIfAStatusObjectCarriesThem() throws Exception {
    NucleusSandboxStatus polluted = StatusPatches.starting().setNodeName("elsewhere").setObservedGeneration(9L)
        .setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus("True").build()));
    JsonNode patch = JSON.readTree(StatusPatches.mergePatch(polluted));
    assertThat(patch.get("status").fieldNames()).toIterable().containsExactly("phase");
  }

  @Test
  void exitsMapToPhaseReasonAndMessage() {
    NucleusSandboxStatus ok = StatusPatches.fromFacts(running.exited(Instant.now(), 0, null, null, null, "hi\n"));
    assertThat(ok.getPhase()).isEqualTo(SandboxPhase.Succeeded);
    assertThat(ok.getReason()).isEqualTo(Reasons.SUCCEEDED);
    assertThat(ok.getLogTail()).isEqualTo("hi\n");
    NucleusSandboxStatus killed = StatusPatches.fromFacts(running.exited(Instant.now(), 137, null, null, null, ""));
    assertThat(killed.getPhase()).isEqualTo(SandboxPhase.Failed);
    assertThat(killed.getReason()).isEqualTo(Reasons.FAILED);
    assertThat(killed.getMessage()).isEqualTo("workload killed by signal 9");
    NucleusSandboxStatus oom = StatusPatches.fromFacts(
        running.exited(Instant.now(), 137, Reasons.OOM_KILLED, "memory limit 64Mi reached", null, ""));
    assertThat(oom.getReason()).isEqualTo(Reasons.OOM_KILLED);
    assertThat(oom.getMessage()).isEqualTo("memory limit 64Mi reached");
  }

  @Test
  void failureMessagesAreOneLineNeverAStackTrace() {
    NucleusSandboxStatus failed = StatusPatches.failed(Reasons.LAUNCH_FAILED,
        "pivot_root failed: EINVAL\n\tat dev.nucleus.Foo.bar(Foo.java:1)\n\tat ...");
    assertThat(failed.getMessage()).isEqualTo("pivot_root failed: EINVAL");
  }

  @Test
  void alreadyShowsComparesOnlyAgentFieldsAndNumbersByValue() throws Exception {
    NucleusSandboxStatus desired = StatusPatches.fromFacts(running);
    NucleusSandboxStatus current = JSON.readValue(JSON.writeValueAsString(desired), NucleusSandboxStatus.class)
        .setNodeName("node-a").setConditions(List.of(new ConditionBuilder().withType("Ready").build()));
    assertThat(StatusPatches.alreadyShows(current, desired)).isTrue();
    assertThat(StatusPatches.alreadyShows(current, StatusPatches.fromFacts(
        running.withUsage(new Usage().setMemoryCurrentBytes(11L).setCpuSeconds(1.0).setPids(1L))))).isFalse();
    assertThat(StatusPatches.alreadyShows(null, desired)).isFalse();
  }
}
