package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Reasons;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Reconciles one NucleusCheckpoint key placed on this node: journal the attempt, report Running, dump through the
 * {@link CheckpointEngine}, journal and report the outcome. The journal record written before the dump is what
 * makes a restarted agent resolve an interrupted dump from its directory instead of repeating or forgetting it.
 * Deletion removes the image directory, then confirms with the teardown-complete annotation.
 */
final class CheckpointController {
  private static final Logger LOG = Logger.getLogger(CheckpointController.class.getName());

  private final AgentConfig config;
  private final CheckpointEngine engine;
  private final CheckpointJournal journal;
  private final CheckpointApi api;
  private final SandboxApi sandboxes;
  private final CheckpointRegistry registry;
  private final Consumer<String> wakeSandbox;
  private final AgentEvents events;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final Map<String, CheckpointRecord> records = new ConcurrentHashMap<>();
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  private final Map<String, NucleusCheckpointStatus> sent = new ConcurrentHashMap<>();

  CheckpointController(AgentConfig config, CheckpointEngine engine, CheckpointJournal journal, CheckpointApi api,
      SandboxApi sandboxes, CheckpointRegistry registry, Consumer<String> wakeSandbox, AgentEvents events,
      AgentMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.config = config;
    this.engine = engine;
    this.journal = journal;
    this.api = api;
    this.sandboxes = sandboxes;
    this.registry = registry;
    this.wakeSandbox = wakeSandbox;
    this.events = events;
    this.clock = clock;
  }

  /** Loads the journal and tells the sandbox side which dumps hold which sandbox; returns the keys to reconcile. */
  List<String> recover() throws IOException {
    CheckpointJournal.Scan scan = journal.scan();
    for (CheckpointRecord r : scan.records()) {
      records.put(r.key().uid(), r);
      if (r.stage() == CheckpointRecord.Stage.RUNNING) {
        registry.dumping(r.sandboxUid(), r.key().objectKey());
      } else if (r.stage() == CheckpointRecord.Stage.COMPLETED && !r.leaveRunning()) {
        registry.stoppedByDump(r.sandboxUid(), r.key().objectKey());
      }
    }
    for (JournalException e : scan.refused()) {
      refused.put(e.uid(), e.getMessage());
      LOG.warning("refusing checkpoint state for uid " + e.uid() + ": " + e.getMessage());
    }
    return rememberedKeys();
  }

  List<String> rememberedKeys() {
    return records.values().stream().map(r -> r.key().objectKey()).distinct().toList();
  }

  long reconcile(String objectKey) throws IOException, EngineException {
    Optional<NucleusCheckpoint> cached = api.cached(objectKey);
    String uid = cached.map(c -> c.getMetadata().getUid()).orElse(null);
    for (CheckpointRecord stale : List.copyOf(records.values())) {
      if (stale.key().objectKey().equals(objectKey) && !stale.key().uid().equals(uid)) {
        forget(stale); // its object is gone (deleted while the agent was away, or released on node loss)
      }
    }
    if (cached.isEmpty()) {
      return SandboxController.NO_REQUEUE;
    }
    NucleusCheckpoint checkpoint = cached.get();
    SandboxKey key = new SandboxKey(checkpoint.getMetadata().getNamespace(), checkpoint.getMetadata().getName(), uid);
    if (checkpoint.getMetadata().getDeletionTimestamp() != null) {
      return deleting(key, checkpoint);
    }
    NucleusCheckpointStatus status = checkpoint.getStatus();
    if (refused.containsKey(uid)) {
      int attempt = status == null || status.getAttempts() == null ? 1 : Math.max(1, status.getAttempts());
      if (status != null && status.getPhase() == dev.nucleus.api.v1alpha1.CheckpointPhase.Running) {
        report(key, checkpoint, CheckpointStatusPatches.failed(attempt, clock.instant(), AgentReasons.STATE_REFUSED,
            "the agent's record of this checkpoint was refused (" + refused.get(uid) + ")"));
      }
      return SandboxController.NO_REQUEUE;
    }
    CheckpointRecord record = records.get(uid);
    CheckpointDecision.Decision decision = CheckpointDecision.decide(status, record, config.nodeName());
    switch (decision.action()) {
      case START -> start(key, checkpoint, decision.attempt(), record);
      case RECOVER -> recoverInterrupted(checkpoint, record);
      case REPORT_OUTCOME -> report(key, checkpoint, record.outcome());
      case REPORT_LOST -> report(key, checkpoint, CheckpointStatusPatches.failed(decision.attempt(), clock.instant(),
          Reasons.CHECKPOINT_FAILED, "status says attempt " + decision.attempt()
              + " runs, but this node has no record of it: the attempt is lost"));
      case NOTHING -> { }
    }
    return SandboxController.NO_REQUEUE;
  }

  private void start(SandboxKey key, NucleusCheckpoint checkpoint, int attempt, CheckpointRecord previous)
      throws IOException {
    Instant now = clock.instant();
    String sandboxName = checkpoint.getSpec().getSandboxRef().getName();
    Optional<NucleusSandbox> sandbox = sandboxes.cached(key.namespace() + "/" + sandboxName);
    if (sandbox.isEmpty() || sandbox.get().getMetadata().getDeletionTimestamp() != null) {
      refuse(key, checkpoint, attempt, new EngineException(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + sandboxName
          + " is not running on node " + config.nodeName() + " (absent from this node or being deleted)"));
      return;
    }
    Path dir;
    try {
      var storage = checkpoint.getSpec().getStorage();
      dir = CheckpointDirectories.location(config.checkpointDir(), key, storage == null ? null : storage.getPath());
      CheckpointDirectories.prepareParent(config.checkpointDir(), dir);
    } catch (EngineException e) {
      refuse(key, checkpoint, attempt, e);
      return;
    }
    boolean leaveRunning = Boolean.TRUE.equals(checkpoint.getSpec().getLeaveRunning());
    String sandboxUid = sandbox.get().getMetadata().getUid();
    CheckpointRecord record = new CheckpointRecord(key, sandboxName, sandboxUid, attempt,
        CheckpointRecord.Stage.RUNNING, dir.toString(), leaveRunning, StatusPatches.timestamp(now), null);
    journal.write(record); // before anything happens: a restarted agent resolves this attempt, never repeats it
    records.put(key.uid(), record);
    registry.dumping(sandboxUid, key.objectKey());
    wakeSandbox.accept(key.namespace() + "/" + sandboxName);
    report(key, checkpoint, CheckpointStatusPatches.running(attempt, now, sandboxName));
    try {
      boolean leftover = previous != null && previous.location().equals(record.location());
      var image = engine.checkpoint(sandboxUid, sandboxName, sandbox.get().getSpec(), dir, leaveRunning, leftover);
      completed(checkpoint, record, image);
    } catch (EngineException e) {
      failed(checkpoint, record, e.reason(), e.getMessage());
    }
  }

  /** A refusal before any dump: nothing was journaled, nothing touched; the reason says whether a retry can help. */
  private void refuse(SandboxKey key, NucleusCheckpoint checkpoint, int attempt, EngineException e) {
    report(key, checkpoint, CheckpointStatusPatches.failed(attempt, clock.instant(), e.reason(), e.getMessage()));
    metrics.countError(e.reason());
    events.warning(checkpoint, e.reason(), StatusPatches.oneLine(e.getMessage()));
  }

  private void completed(NucleusCheckpoint checkpoint, CheckpointRecord record, CheckpointEngine.Image image)
      throws IOException {
    NucleusCheckpointStatus outcome = CheckpointStatusPatches.completed(record.attempt(), clock.instant(),
        image.location(), image.digest(), image.sizeBytes(), image.durationMillis() > 0 ? image.durationMillis() : null,
        image.frozenMillis(), image.metadata());
    end(checkpoint, record.ended(CheckpointRecord.Stage.COMPLETED, outcome));
    if (image.durationMillis() > 0) {
      metrics.observeCheckpoint(image.durationMillis());
    }
    events.normal(checkpoint, Reasons.CHECKPOINTED, "sandbox " + record.sandboxName() + " dumped to "
        + image.location() + " (" + image.sizeBytes() + " bytes, " + image.digest() + ")"
        + (record.leaveRunning() ? "; it keeps running" : "; it stopped"));
  }

  private void failed(NucleusCheckpoint checkpoint, CheckpointRecord record, String reason, String message)
      throws IOException {
    NucleusCheckpointStatus outcome = CheckpointStatusPatches.failed(record.attempt(), clock.instant(), reason,
        message);
    end(checkpoint, record.ended(CheckpointRecord.Stage.FAILED, outcome));
    metrics.countError(reason);
    events.warning(checkpoint, reason, StatusPatches.oneLine(message));
  }

  // Journal first, then the sandbox side, then status: a crash in between re-sends the recorded outcome.
  private void end(NucleusCheckpoint checkpoint, CheckpointRecord ended) throws IOException {
    journal.write(ended);
    records.put(ended.key().uid(), ended);
    if (ended.stage() == CheckpointRecord.Stage.COMPLETED && !ended.leaveRunning()) {
      registry.stoppedByDump(ended.sandboxUid(), ended.key().objectKey());
    } else {
      registry.release(ended.sandboxUid(), ended.key().objectKey());
    }
    wakeSandbox.accept(ended.key().namespace() + "/" + ended.sandboxName());
    report(ended.key(), checkpoint, ended.outcome());
  }

  /** The previous agent died during this dump: a complete, verified image counts; anything else failed. */
  private void recoverInterrupted(NucleusCheckpoint checkpoint, CheckpointRecord record) throws IOException {
    Optional<CheckpointEngine.Image> image = engine.verify(Path.of(record.location()));
    if (image.isPresent()) {
      LOG.info("checkpoint " + record.key() + ": the dump interrupted by an agent restart had finished; reporting it");
      completed(checkpoint, record, image.get());
      return;
    }
    failed(checkpoint, record, Reasons.CHECKPOINT_FAILED, "the node agent restarted during attempt "
        + record.attempt() + " and found no complete, signed image at " + record.location()
        + "; the attempt is not trusted");
  }

  private long deleting(SandboxKey key, NucleusCheckpoint checkpoint) throws IOException, EngineException {
    Map<String, String> annotations = checkpoint.getMetadata().getAnnotations();
    if (annotations != null && config.nodeName().equals(annotations.get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE))) {
      return SandboxController.NO_REQUEUE;
    }
    CheckpointRecord record = records.get(key.uid());
    Path dir = null;
    if (record != null) {
      dir = Path.of(record.location());
    } else {
      try {
        var storage = checkpoint.getSpec().getStorage();
        dir = CheckpointDirectories.location(config.checkpointDir(), key, storage == null ? null : storage.getPath());
      } catch (EngineException e) {
        // a storage path outside the root was never written to: nothing of ours to delete
      }
    }
    if (dir != null) {
      engine.delete(dir);
    }
    if (record != null) {
      forget(record);
    }
    api.markTeardownComplete(key);
    events.normal(checkpoint, Reasons.TEARDOWN_COMPLETE, dir == null ? "no image on node " + config.nodeName()
        : "image directory " + dir + " deleted on node " + config.nodeName());
    return SandboxController.NO_REQUEUE;
  }

  private void forget(CheckpointRecord record) throws IOException, EngineException {
    engine.delete(Path.of(record.location()));
    journal.delete(record.key().uid());
    records.remove(record.key().uid());
    sent.remove(record.key().uid());
    registry.release(record.sandboxUid(), record.key().objectKey());
  }

  /** Patches only the agent fields the cached status does not already show, never onto a re-created object. */
  private void report(SandboxKey key, NucleusCheckpoint known, NucleusCheckpointStatus desired) {
    NucleusCheckpoint current = api.cached(key.objectKey()).orElse(known);
    if (current != null && !key.uid().equals(current.getMetadata().getUid())) {
      return;
    }
    NucleusCheckpointStatus sentBefore = sent.get(key.uid());
    NucleusCheckpointStatus have = CheckpointStatusPatches.overlay(current == null ? null : current.getStatus(),
        sentBefore);
    Optional<String> patch = CheckpointStatusPatches.mergePatchAgainst(have, desired);
    if (patch.isPresent()) {
      api.patchStatus(key, patch.get());
      sent.put(key.uid(), CheckpointStatusPatches.overlay(sentBefore, desired));
    }
  }
}
