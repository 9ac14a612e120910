package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pure translation of node facts into the agent's part of a sandbox status. Every status the agent writes
 * is built here, and only from the fields the agent owns (docs/architecture.md): never conditions, never
 * observedGeneration, never nodeName. The result is sent as a JSON merge patch, so absent fields stay untouched.
 */
public final class StatusPatches {
  /** The status fields the agent may write; the operator owns every other one. */
  static final Set<String> AGENT_OWNED = Set.of("phase", "sandboxId", "pid", "startedAt", "finishedAt", "exitCode",
      "reason", "message", "isolation", "usage", "logTail");
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusPatches() {}

  /** The agent accepted the assignment and is about to launch. */
  public static NucleusSandboxStatus starting() {
    return new NucleusSandboxStatus().setPhase(SandboxPhase.Starting);
  }

  /** The status that reports what the engine observed. */
  public static NucleusSandboxStatus fromFacts(SandboxFacts facts) {
    NucleusSandboxStatus status = new NucleusSandboxStatus()
        .setSandboxId(facts.sandboxId())
        .setPid(facts.pid())
        .setStartedAt(timestamp(facts.startedAt()))
        .setIsolation(facts.isolation())
        .setUsage(facts.usage());
    if (facts.state() == SandboxFacts.State.RUNNING) {
      return status.setPhase(SandboxPhase.Running).setReason(facts.reason()); // Restored, LandlockNotRestored
    }
    if (facts.state() == SandboxFacts.State.LOST) {
      return status.setPhase(SandboxPhase.Failed).setReason(AgentReasons.SANDBOX_LOST)
          .setMessage(oneLine(facts.message() != null ? facts.message()
              : "the sandbox's monitor is gone and recorded no exit status"));
    }
    boolean succeeded = facts.exitCode() == 0 && facts.reason() == null;
    return status
        .setPhase(succeeded ? SandboxPhase.Succeeded : SandboxPhase.Failed)
        .setFinishedAt(timestamp(facts.finishedAt()))
        .setExitCode(facts.exitCode())
        .setReason(facts.reason() != null ? facts.reason() : succeeded ? Reasons.SUCCEEDED : Reasons.FAILED)
        .setMessage(facts.message() != null ? facts.message() : exitMessage(facts.exitCode()))
        .setLogTail(facts.logTail());
  }

  /** The agent accepted a restore and is about to run CRIU. */
  public static NucleusSandboxStatus restoring() {
    return new NucleusSandboxStatus().setPhase(SandboxPhase.Restoring);
  }

  /** A running sandbox that a checkpoint is dumping right now. */
  public static NucleusSandboxStatus checkpointing(SandboxFacts running) {
    return fromFacts(running).setPhase(SandboxPhase.Checkpointing);
  }

  /**
   * A sandbox whose workload a checkpoint without leaveRunning dumped and stopped: Succeeded, reason Checkpointed.
   * No exit code: CRIU killed the tree after saving it, which says nothing about the workload.
   */
  public static NucleusSandboxStatus checkpointed(SandboxFacts facts, String checkpoint) {
    Instant finished = facts.finishedAt() != null ? facts.finishedAt() : Instant.now();
    return new NucleusSandboxStatus()
        .setSandboxId(facts.sandboxId())
        .setPid(facts.pid())
        .setStartedAt(timestamp(facts.startedAt()))
        .setIsolation(facts.isolation())
        .setUsage(facts.usage())
        .setPhase(SandboxPhase.Succeeded)
        .setFinishedAt(timestamp(finished))
        .setReason(Reasons.CHECKPOINTED)
        .setMessage(checkpoint == null ? "the workload was dumped by a checkpoint and stopped"
            : "the workload was dumped by NucleusCheckpoint " + checkpoint + " and stopped")
        .setLogTail(facts.logTail());
  }

  /** The sandbox could not run (or cannot be trusted) on this node: Failed with a precise reason. */
  public static NucleusSandboxStatus failed(String reason, String message) {
    return new NucleusSandboxStatus().setPhase(SandboxPhase.Failed).setReason(reason).setMessage(oneLine(message));
  }

  /** The merge patch body {@code {"status": {...}}} with only agent-owned fields. */
  public static String mergePatch(NucleusSandboxStatus status) {
    ObjectNode body = JSON.createObjectNode();
    body.set("status", agentFields(status));
    return body.toString();
  }

  /**
   * The merge patch that brings {@code current} to show {@code desired}: only the agent-owned fields that
   * differ, so a field is not re-sent once it is in place; empty when nothing differs.
   */
  public static Optional<String> mergePatchAgainst(NucleusSandboxStatus current, NucleusSandboxStatus desired) {
    JsonNode have = current == null ? JSON.createObjectNode() : JSON.valueToTree(current);
    return diffPatch(have, agentFields(desired));
  }

  /** The {@code {"status": ...}} merge patch of the fields of {@code want} that {@code have} does not show yet. */
  static Optional<String> diffPatch(JsonNode have, ObjectNode want) {
    List<String> same = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (numericallyEqual(have.get(field.getKey()), field.getValue())) {
        same.add(field.getKey());
      }
    }
    want.remove(same);
    if (want.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode body = JSON.createObjectNode();
    body.set("status", want);
    return Optional.of(body.toString());
  }

  /**
   * What the server holds for the agent's fields: the cached status with what this agent already sent laid
   * over it. Only the agent writes these fields, so its own last patch is fresher than a lagging cache; diffing
   * against it keeps a patch from re-sending what is already in place.
   */
  public static NucleusSandboxStatus overlay(NucleusSandboxStatus cached, NucleusSandboxStatus sent) {
    ObjectNode base = cached == null ? JSON.createObjectNode() : JSON.valueToTree(cached);
    if (sent != null) {
      base.setAll(agentFields(sent));
    }
    try {
      return JSON.treeToValue(base, NucleusSandboxStatus.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalStateException("a status that was just serialised reads back", e);
    }
  }

  /** True when {@code current} already shows every agent-owned field of {@code desired}: no patch needed. */
  public static boolean alreadyShows(NucleusSandboxStatus current, NucleusSandboxStatus desired) {
    return current != null && mergePatchAgainst(current, desired).isEmpty();
  }

  /** True when both statuses carry the same agent-owned fields (an update that changed only operator fields). */
  public static boolean sameAgentFields(NucleusSandboxStatus a, NucleusSandboxStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return agentFields(a).equals(agentFields(b));
  }

  /** True when two usage readings carry the same values (3 and 3.0 alike). */
  static boolean sameUsage(dev.nucleus.api.v1alpha1.Usage a, dev.nucleus.api.v1alpha1.Usage b) {
    if (a == null || b == null) {
      return a == b;
    }
    return numericallyEqual(JSON.valueToTree(a), JSON.valueToTree(b));
  }

  private static ObjectNode agentFields(NucleusSandboxStatus status) {
    ObjectNode node = JSON.valueToTree(status);
    node.retain(AGENT_OWNED);
    return node;
  }

  // A status read back from the API server may carry 3 where we wrote 3.0: compare values, not encodings.
  private static boolean numericallyEqual(JsonNode have, JsonNode want) {
    if (have == null) {
      return want == null || want.isNull();
    }
    if (have.isNumber() && want.isNumber()) {
      return have.decimalValue().compareTo(want.decimalValue()) == 0;
    }
    if (have.isObject() && want.isObject()) {
      if (have.size() != want.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!numericallyEqual(have.get(field.getKey()), field.getValue())) {
          return false;
        }
      }
      return true;
    }
    return have.equals(want);
  }

  static String timestamp(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static String exitMessage(int exitCode) {
    if (exitCode > 128 && exitCode < 128 + 65) {
      return "workload killed by signal " + (exitCode - 128);
    }
    return "workload exited with code " + exitCode;
  }

  /** Status messages are one line of text, never a stack trace. */
  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return null;
    }
    String first = message.strip().lines().findFirst().orElse("");
    return first.length() > 512 ? first.substring(0, 509) + "..." : first;
  }
}
