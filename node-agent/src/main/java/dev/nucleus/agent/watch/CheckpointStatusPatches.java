package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.CheckpointMetadata;
import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pure construction of the agent's part of a NucleusCheckpoint status (docs/controller-flow.md): phase Running,
 * Completed or an attempt's Failed, attempts, times, the image facts, reason and message. Never conditions,
 * observedGeneration or nodeName. Sent as JSON merge patches of only the fields that differ.
 */
final class CheckpointStatusPatches {
  /** The checkpoint status fields the agent may write. */
  static final Set<String> AGENT_OWNED = Set.of("phase", "attempts", "startedAt", "completedAt", "durationMillis",
      "frozenMillis", "sizeBytes", "digest", "location", "metadata", "reason", "message");
  /** Status messages carry CRIU's relevant log lines; a bound keeps the object small. */
  static final int MAX_MESSAGE = 2048;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointStatusPatches() {}

  /** Attempt {@code attempt} starts: every fact of an earlier attempt is cleared. */
  static NucleusCheckpointStatus running(int attempt, Instant startedAt, String sandbox) {
    return new NucleusCheckpointStatus().setPhase(CheckpointPhase.Running).setAttempts(attempt)
        .setStartedAt(StatusPatches.timestamp(startedAt)).setReason(Reasons.CHECKPOINT_RUNNING)
        .setMessage("the node agent is dumping sandbox " + sandbox);
  }

  /** The fields {@link #running} clears with explicit nulls, so a retry never shows the last attempt's facts. */
  static final List<String> CLEARED_ON_START = List.of("completedAt", "durationMillis", "frozenMillis", "sizeBytes",
      "digest", "location", "metadata");

  static NucleusCheckpointStatus completed(int attempt, Instant completedAt, String location, String digest,
      long sizeBytes, Long durationMillis, Long frozenMillis, CheckpointMetadata metadata) {
    return new NucleusCheckpointStatus().setPhase(CheckpointPhase.Completed).setAttempts(attempt)
        .setCompletedAt(StatusPatches.timestamp(completedAt)).setLocation(location).setDigest(digest)
        .setSizeBytes(sizeBytes).setDurationMillis(durationMillis).setFrozenMillis(frozenMillis)
        .setMetadata(metadata).setReason(Reasons.CHECKPOINT_COMPLETED)
        .setMessage("image at " + location + ", " + sizeBytes + " bytes, " + digest);
  }

  /** One attempt failed; the operator decides whether to retry from the reason. */
  static NucleusCheckpointStatus failed(int attempt, Instant completedAt, String reason, String message) {
    return new NucleusCheckpointStatus().setPhase(CheckpointPhase.Failed).setAttempts(attempt)
        .setCompletedAt(StatusPatches.timestamp(completedAt)).setReason(reason).setMessage(bounded(message));
  }

  /** The agent-owned fields of {@code desired} as JSON, with {@code clear} fields set to null (merge-patch delete). */
  static ObjectNode agentFields(NucleusCheckpointStatus desired, List<String> clear) {
    ObjectNode node = JSON.valueToTree(desired);
    node.retain(AGENT_OWNED);
    for (String field : clear) {
      if (!node.has(field)) {
        node.putNull(field);
      }
    }
    return node;
  }

  /** The merge patch bringing {@code current} to show {@code desired}; empty when it already does. */
  static Optional<String> mergePatchAgainst(NucleusCheckpointStatus current, NucleusCheckpointStatus desired) {
    List<String> clear = desired.getPhase() == CheckpointPhase.Running ? CLEARED_ON_START : List.of();
    JsonNode have = current == null ? JSON.createObjectNode() : JSON.valueToTree(current);
    return StatusPatches.diffPatch(have, agentFields(desired, clear));
  }

  /** What the server holds: the cached status with the agent's own last patch laid over it (fresher than a cache). */
  static NucleusCheckpointStatus overlay(NucleusCheckpointStatus cached, NucleusCheckpointStatus sent) {
    ObjectNode base = cached == null ? JSON.createObjectNode() : JSON.valueToTree(cached);
    if (sent != null) {
      List<String> clear = sent.getPhase() == CheckpointPhase.Running ? CLEARED_ON_START : List.of();
      ObjectNode fields = agentFields(sent, clear);
      clear.forEach(f -> {
        if (fields.get(f).isNull()) {
          base.remove(f);
          fields.remove(f);
        }
      });
      base.setAll(fields);
    }
    try {
      return JSON.treeToValue(base, NucleusCheckpointStatus.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException("a status that was just serialised reads back", e);
    }
  }

  /** Multi-line is fine here (CRIU log lines); the size is bounded. */
  static String bounded(String message) {
    if (message == null || message.isBlank()) {
      return null;
    }
    String m = message.strip();
    return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE - 3) + "...";
  }
}
