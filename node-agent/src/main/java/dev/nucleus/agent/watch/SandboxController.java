package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reconciles one sandbox object key: compares what the cluster asks (the cached object), what the agent
 * remembers (its journal) and what the engine observes, then acts once and reports the facts. Level-triggered
 * and idempotent: calling it again with nothing changed does nothing, and the journal entry written before
 * the engine is asked to start a UID means a restarted agent never starts it a second time.
 */
final class SandboxController {
  private static final Logger LOG = Logger.getLogger(SandboxController.class.getName());
  /** Returned when nothing needs to happen until the next event. */
  static final long NO_REQUEUE = -1;
  /** Node-wide pace of usage refreshes, see {@link #refreshDelay()}. */
  static final int USAGE_READS_PER_SECOND = 20;
  /**
   * A launch still running after this long shows phase Starting ({@link StartingNotice}); a prompt one (milliseconds
   * alone, a few hundred under a burst) writes only its outcome.
   */
  static final Duration STARTING_AFTER = Duration.ofSeconds(1);

  private final AgentConfig config;
  private final SandboxEngine engine;
  private final AssignmentJournal journal;
  private final SandboxApi api;
  private final AgentMetrics metrics;
  private final Clock clock;
  private final CheckpointRegistry checkpoints;
  private final AgentEvents events;
  private final CheckpointApi restoreSources;
  private final Map<String, Assignment> assignments = new ConcurrentHashMap<>();
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  private final Map<String, SandboxFacts.State> lastSeen = new ConcurrentHashMap<>();
  private final Set<String> unjournaled = ConcurrentHashMap.newKeySet();
  /** The agent fields this process last patched, per UID: fresher than the informer cache right after a patch. */
  private final Map<String, NucleusSandboxStatus> sent = new ConcurrentHashMap<>();
  /** When each running sandbox's usage was last written (System.nanoTime), for {@link UsageWrites#MAX_AGE}. */
  private final Map<String, Long> usageWrittenAt = new ConcurrentHashMap<>();
  /** The resourceVersion each UID's last status patch produced, to tell when the cache has caught up with it. */
  private final Map<String, String> sentVersion = new ConcurrentHashMap<>();
  /** The UIDs of {@link #assignments} per object key: a reconcile finds stale UIDs without scanning every one. */
  private final Map<String, Set<String>> uidsByObject = new ConcurrentHashMap<>();
  /** How many of {@link #lastSeen} are RUNNING, kept with it: read by every reconcile of a running sandbox. */
  private final AtomicInteger running = new AtomicInteger();
  /** Runs the {@link StartingNotice}s of slow launches; its one thread ends when idle. */
  private final ScheduledThreadPoolExecutor startingTimer = StartingNotice.timer();

  SandboxController(AgentConfig config, SandboxEngine engine, AssignmentJournal journal, SandboxApi api,
      AgentMetrics metrics, Clock clock, CheckpointRegistry checkpoints, AgentEvents events,
      CheckpointApi restoreSources) {
    this.config = config;
    this.restoreSources = restoreSources;
    this.checkpoints = checkpoints;
    this.events = events;
    this.engine = engine;
    this.journal = journal;
    this.api = api;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Loads the journal and adopts what the engine still has; returns the object keys to reconcile first.
   * Refused files are remembered by UID so the matching object is reported, never started.
   */
  List<String> recover() throws IOException, EngineException {
    AssignmentJournal.Scan scan = journal.scan();
    for (Assignment a : scan.assignments()) {
      remember(a);
    }
    for (JournalException e : scan.refused()) {
      refused.put(e.uid(), e.getMessage());
      metrics.countError(AgentReasons.STATE_REFUSED);
      LOG.warning("refusing agent state for uid " + e.uid() + ": " + e.getMessage());
    }
    for (String uid : engine.known()) {
      if (!assignments.containsKey(uid) && !refused.containsKey(uid)) {
        unjournaled.add(uid); // runs, but the journal forgot it: adopted by its object, or torn down
      }
    }
    return assignments.values().stream().map(a -> a.key().objectKey()).distinct().toList();
  }

  /**
   * Tears down what the engine runs for UIDs that no assigned object has any more: sandboxes the journal
   * forgot or refused and whose objects were deleted while the agent was away.
   */
  void sweepOrphans(Set<String> assignedUids) throws IOException, EngineException {
    Set<String> candidates = new HashSet<>(unjournaled);
    candidates.addAll(refused.keySet());
    for (String uid : candidates) {
      if (!assignedUids.contains(uid) && !assignments.containsKey(uid)) {
        LOG.info("tearing down sandbox of uid " + uid + ": no object assigned to this node has that uid");
        teardown(uid, config.defaultStopGrace());
      }
    }
  }

  long reconcile(String objectKey) throws IOException, EngineException {
    Optional<NucleusSandbox> cached = api.cached(objectKey);
    String currentUid = cached.map(s -> s.getMetadata().getUid()).orElse(null);
    for (Assignment stale : assignmentsUnder(objectKey)) {
      if (!stale.key().uid().equals(currentUid)) {
        teardown(stale.key().uid(), config.defaultStopGrace()); // its object is gone; the name may be reused
      }
    }
    if (cached.isEmpty()) {
      return NO_REQUEUE;
    }
    NucleusSandbox sandbox = cached.get();
    SandboxKey key = new SandboxKey(sandbox.getMetadata().getNamespace(), sandbox.getMetadata().getName(), currentUid);
    if (sandbox.getMetadata().getDeletionTimestamp() != null) {
      return deleting(key, sandbox);
    }
    String refusal = refused.get(currentUid);
    if (refusal != null) {
      report(key, sandbox, StatusPatches.failed(AgentReasons.STATE_REFUSED,
          "the agent's state file for this sandbox was refused (" + refusal + "); it is not started again"));
      return NO_REQUEUE;
    }
    Assignment assignment = assignments.get(currentUid);
    if (assignment == null) {
      return unrecorded(key, sandbox);
    }
    if (assignment.stage() == Assignment.Stage.FAILED
        || assignment.stage() == Assignment.Stage.CHECKPOINTED && isTerminal(sandbox)) {
      return NO_REQUEUE; // the engine refused it, or a dump stopped it, and status says so; nothing runs any more
    }
    Optional<SandboxFacts> facts = engine.observe(key.uid());
    if (facts.isPresent() && facts.get().state() == SandboxFacts.State.INCOMPLETE) {
      return interrupted(key, sandbox);
    }
    if (facts.isPresent()) {
      if (assignment.stage() == Assignment.Stage.ACCEPTED) {
        assignment = assignment.started(facts.get().sandboxId());
        record(assignment);
      }
      return reportObserved(key, sandbox, assignment, facts.get());
    }
    if (assignment.stage() == Assignment.Stage.CHECKPOINTED) {
      return NO_REQUEUE;
    }
    if (assignment.stage() == Assignment.Stage.ACCEPTED) {
      return start(key, sandbox); // the agent died after accepting but before the engine started anything
    }
    if (!isTerminal(sandbox)) {
      report(key, sandbox, StatusPatches.failed(AgentReasons.SANDBOX_LOST,
          "sandbox " + assignment.sandboxId() + " was started on this node but the node has no trace of it any more"));
    }
    return NO_REQUEUE;
  }

  private long unrecorded(SandboxKey key, NucleusSandbox sandbox) throws IOException, EngineException {
    Optional<SandboxFacts> facts = engine.observe(key.uid());
    if (facts.isPresent() && facts.get().state() == SandboxFacts.State.INCOMPLETE) {
      return interrupted(key, sandbox);
    }
    if (facts.isPresent()) { // running, but the journal forgot it: adopt it, never start it again
      record(new Assignment(key, Assignment.Stage.STARTED, facts.get().sandboxId(), clock.instant().toString()));
      unjournaled.remove(key.uid());
      return reportFacts(key, sandbox, facts.get());
    }
    SandboxPhase phase = sandbox.getStatus() == null ? null : sandbox.getStatus().getPhase();
    if (phase == null || phase == SandboxPhase.Pending || phase == SandboxPhase.Scheduled) {
      return start(key, sandbox);
    }
    if (!isTerminal(sandbox)) {
      // Status says an agent took it on, yet nothing here knows it: starting it now could run it twice.
      report(key, sandbox, StatusPatches.failed(AgentReasons.SANDBOX_LOST,
          "status says phase " + phase + " but this node has no record of the sandbox; it is not started twice"));
    }
    return NO_REQUEUE;
  }

  /**
   * Journals the assignment, starts it, reports the outcome. A launch takes milliseconds, so its first status write
   * is the outcome (Running with pid, startedAt and isolation, or Failed): one write per start instead of two, which
   * under a burst is what the API server's throughput is spent on. The ACCEPTED entry written first is what makes a
   * restart safe, not a Starting phase; a launch still running after {@link #STARTING_AFTER} shows Starting, so a slow
   * one stays visible. A restore takes seconds and shows Restoring meanwhile.
   */
  private long start(SandboxKey key, NucleusSandbox sandbox) throws IOException {
    record(new Assignment(key, Assignment.Stage.ACCEPTED, null, clock.instant().toString()));
    boolean restore = sandbox.getSpec() != null && sandbox.getSpec().getRestoreFrom() != null;
    if (restore) {
      report(key, sandbox, StatusPatches.restoring());
    }
    long begin = System.nanoTime();
    SandboxFacts facts;
    try (StartingNotice notice = restore ? null : StartingNotice.arm(startingTimer, STARTING_AFTER,
        () -> report(key, null, StatusPatches.starting()))) {
      facts = restore ? engine.restore(key, restoreSource(key, sandbox)) : engine.start(key, sandbox.getSpec());
    } catch (EngineException e) {
      metrics.countError(e.reason());
      return refusedStart(key, e.reason(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "engine failed to start " + key, e);
      metrics.countError(Reasons.LAUNCH_FAILED);
      return refusedStart(key, Reasons.LAUNCH_FAILED, "the node agent could not start the sandbox: "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
    if (restore) {
      metrics.observeRestore(System.nanoTime() - begin);
    } else {
      metrics.observeLaunch(System.nanoTime() - begin);
    }
    // Status before the STARTED entry: the sandbox is Running one journal write (two fsyncs) sooner. Should the
    // agent die in between, the next one finds ACCEPTED plus the engine's sandbox and adopts it, never starting twice.
    long next = reportFacts(key, null, facts);
    record(assignments.get(key.uid()).started(facts.sandboxId()));
    return next;
  }

  /**
   * A previous agent died while launching or restoring this sandbox, before the launch recorded it: its workload may
   * have begun, so it is not started again. Everything the launch could have created is removed (processes, cgroups,
   * mounts, directory), and the sandbox is Failed with reason LaunchInterrupted naming what was removed.
   */
  private long interrupted(SandboxKey key, NucleusSandbox sandbox) throws IOException, EngineException {
    String removed;
    try {
      removed = engine.removeIncomplete(key.uid());
    } catch (EngineException e) {
      metrics.countError(e.reason());
      throw e; // retried with backoff; the message names what could not be removed
    }
    metrics.countError(AgentReasons.LAUNCH_INTERRUPTED);
    LOG.warning("sandbox " + key + ": a previous agent died during its launch; removed " + removed);
    Assignment accepted = assignments.getOrDefault(key.uid(),
        new Assignment(key, Assignment.Stage.ACCEPTED, null, clock.instant().toString()));
    unjournaled.remove(key.uid());
    report(key, sandbox, StatusPatches.failed(AgentReasons.LAUNCH_INTERRUPTED, "the node agent stopped while"
        + " launching this sandbox; removed " + removed + "; not started again, as its workload may have run"));
    record(accepted.failed());
    return NO_REQUEUE;
  }

  private SandboxEngine.RestoreSource restoreSource(SandboxKey key, NucleusSandbox sandbox) throws EngineException {
    var ref = sandbox.getSpec().getRestoreFrom().getCheckpointRef();
    Optional<NucleusCheckpoint> checkpoint = ref == null || ref.getName() == null ? Optional.empty()
        : restoreSources.lookup(key.namespace(), ref.getName());
    return RestoreSources.resolve(sandbox.getSpec(), key.namespace(), checkpoint, config.nodeName(),
        config.checkpointDir());
  }

  // Status first, journal second: if the agent dies in between, the next one retries a start that never ran.
  private long refusedStart(SandboxKey key, String reason, String message) throws IOException {
    report(key, null, StatusPatches.failed(reason, message));
    record(assignments.get(key.uid()).failed());
    return NO_REQUEUE;
  }

  /**
   * Reports what the engine sees, unless a checkpoint holds the sandbox: while a dump runs the phase is
   * Checkpointing and an exit is CRIU's doing, not yet reportable; after a dump without leaveRunning the exit is
   * recorded (durably) and reported as Succeeded, reason Checkpointed.
   */
  private long reportObserved(SandboxKey key, NucleusSandbox sandbox, Assignment assignment, SandboxFacts facts)
      throws IOException {
    Optional<CheckpointRegistry.Use> use = checkpoints.of(key.uid());
    boolean running = facts.state() == SandboxFacts.State.RUNNING;
    boolean stoppedByDump = use.map(u -> u.hold() == CheckpointRegistry.Hold.STOPPED_BY_DUMP).orElse(false);
    if (assignment.stage() == Assignment.Stage.CHECKPOINTED || !running && stoppedByDump) {
      if (assignment.stage() != Assignment.Stage.CHECKPOINTED) {
        record(assignment.checkpointed());
      }
      see(key.uid(), facts.state());
      report(key, sandbox, StatusPatches.checkpointed(facts, use.map(CheckpointRegistry.Use::checkpoint).orElse(null)));
      return NO_REQUEUE;
    }
    if (use.isPresent()) {
      see(key.uid(), facts.state());
      report(key, sandbox, running ? StatusPatches.checkpointing(facts)
          : new NucleusSandboxStatus().setPhase(SandboxPhase.Checkpointing)); // the exit waits for the dump's outcome
      return config.usageRefreshInterval().toMillis();
    }
    return reportFacts(key, sandbox, facts);
  }

  private long reportFacts(SandboxKey key, NucleusSandbox sandbox, SandboxFacts facts) {
    see(key.uid(), facts.state());
    report(key, sandbox, StatusPatches.fromFacts(facts));
    return facts.state() == SandboxFacts.State.RUNNING ? refreshDelay() : NO_REQUEUE;
  }

  /**
   * When to look at a running sandbox again: the usage refresh interval, stretched so that the node reads at most
   * {@link #USAGE_READS_PER_SECOND} sandboxes' usage per second (200 sandboxes at 5 s would be 40 reads and up to 40
   * status writes a second), plus up to a fifth at random so sandboxes started in one burst do not refresh in step.
   */
  private long refreshDelay() {
    long delay = Math.max(config.usageRefreshInterval().toMillis(), running() * 1000L / USAGE_READS_PER_SECOND);
    return delay + ThreadLocalRandom.current().nextLong(delay / 5 + 1);
  }

  private long deleting(SandboxKey key, NucleusSandbox sandbox) throws IOException, EngineException {
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    if (annotations != null && config.nodeName().equals(annotations.get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE))) {
      return NO_REQUEUE;
    }
    teardown(key.uid(), graceOf(sandbox));
    api.markTeardownComplete(key);
    events.normal(sandbox, Reasons.TEARDOWN_COMPLETE, "every process, cgroup, mount and directory of the sandbox"
        + " is gone from node " + config.nodeName());
    return NO_REQUEUE;
  }

  /** Stops and removes everything of one UID, then forgets it; the engine's calls are idempotent. */
  private void teardown(String uid, Duration grace) throws IOException, EngineException {
    try {
      engine.stop(uid, grace);
      engine.remove(uid);
    } catch (EngineException e) {
      metrics.countError(e.reason());
      throw e;
    }
    journal.delete(uid);
    forget(uid);
    refused.remove(uid);
    unjournaled.remove(uid);
    if (lastSeen.remove(uid) == SandboxFacts.State.RUNNING) {
      running.decrementAndGet();
    }
    sent.remove(uid);
    usageWrittenAt.remove(uid);
    sentVersion.remove(uid);
  }

  private void record(Assignment assignment) throws IOException {
    journal.write(assignment);
    remember(assignment);
  }

  private void remember(Assignment assignment) {
    String uid = assignment.key().uid();
    assignments.put(uid, assignment);
    uidsByObject.compute(assignment.key().objectKey(), (key, uids) -> {
      Set<String> set = uids == null ? ConcurrentHashMap.newKeySet() : uids;
      set.add(uid);
      return set;
    });
  }

  private void forget(String uid) {
    Assignment gone = assignments.remove(uid);
    if (gone != null) {
      uidsByObject.computeIfPresent(gone.key().objectKey(), (key, uids) -> {
        uids.remove(uid);
        return uids.isEmpty() ? null : uids;
      });
    }
  }

  private void see(String uid, SandboxFacts.State state) {
    SandboxFacts.State before = lastSeen.put(uid, state);
    boolean was = before == SandboxFacts.State.RUNNING;
    boolean is = state == SandboxFacts.State.RUNNING;
    if (is != was) {
      running.addAndGet(is ? 1 : -1);
    }
  }

  /** Patches only the fields the cached status does not already show, and never onto a re-created object. */
  private void report(SandboxKey key, NucleusSandbox known, NucleusSandboxStatus desired) {
    NucleusSandbox current = known != null ? known : api.cached(key.objectKey()).orElse(null);
    if (current != null && !key.uid().equals(current.getMetadata().getUid())) {
      return;
    }
    NucleusSandboxStatus sentBefore = cacheHasLastWrite(key.uid(), current) ? null : sent.get(key.uid());
    NucleusSandboxStatus have = StatusPatches.overlay(current == null ? null : current.getStatus(), sentBefore);
    holdSmallUsageMoves(key.uid(), have, desired);
    Optional<String> patch = StatusPatches.mergePatchAgainst(have, desired);
    if (patch.isPresent()) {
      long begin = System.nanoTime();
      String version = api.patchStatus(key, patch.get());
      metrics.observeStatusPatch(System.nanoTime() - begin);
      if (version == null) {
        sentVersion.remove(key.uid());
      } else {
        sentVersion.put(key.uid(), version);
      }
      if (desired.getUsage() != null && !StatusPatches.sameUsage(have.getUsage(), desired.getUsage())) {
        usageWrittenAt.put(key.uid(), System.nanoTime());
      }
      sent.put(key.uid(), StatusPatches.overlay(sentBefore, desired));
      if (current != null) {
        SandboxEvents.transition(have.getPhase(), desired).ifPresent(e -> e.send(events, current));
      }
    }
  }

  /**
   * Whether an informer update can change what a reconcile does. The agent acts on the object's identity, deletion,
   * spec, labels, annotations and the agent-owned status fields; an update that changed only the operator's
   * status fields (conditions, observedGeneration), or that is the echo of this agent's own last patch, needs no
   * reconcile. Under a burst that skips two reconciles per start (the echo of Running and the operator's
   * conditions that follow it); a periodic refresh still looks at every running sandbox.
   */
  boolean needsReconcile(NucleusSandbox before, NucleusSandbox after) {
    if (before == null || after == null) {
      return true;
    }
    var was = before.getMetadata();
    var now = after.getMetadata();
    if (!Objects.equals(was.getUid(), now.getUid()) || !Objects.equals(was.getGeneration(), now.getGeneration())
        || !Objects.equals(was.getDeletionTimestamp(), now.getDeletionTimestamp())
        || !Objects.equals(was.getLabels(), now.getLabels())
        || !Objects.equals(was.getAnnotations(), now.getAnnotations())) {
      return true;
    }
    if (StatusPatches.sameAgentFields(before.getStatus(), after.getStatus())) {
      return false;
    }
    NucleusSandboxStatus mine = sent.get(now.getUid());
    return mine == null || !StatusPatches.alreadyShows(after.getStatus(), mine);
  }

  /**
   * Whether the cached object already includes this agent's last status write, or a later write of anyone's. Until
   * then the agent's memory of what it sent is fresher than the cache; from then on the cache is the truth, also
   * when another writer changed an agent field after us (an operator status patch computed from a view older than
   * our Running can carry phase Scheduled), which the next reconcile then writes again. resourceVersions are etcd
   * revisions here; one that is not a number leaves the cache in charge (at worst a field is sent twice).
   */
  private boolean cacheHasLastWrite(String uid, NucleusSandbox current) {
    String mine = sentVersion.get(uid);
    if (current == null || mine == null) {
      return false;
    }
    try {
      return Long.parseLong(current.getMetadata().getResourceVersion()) >= Long.parseLong(mine);
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** While it runs, a usage reading that moved too little to matter keeps the written one ({@link UsageWrites}). */
  private void holdSmallUsageMoves(String uid, NucleusSandboxStatus have, NucleusSandboxStatus desired) {
    if (desired.getPhase() != SandboxPhase.Running || have.getPhase() != SandboxPhase.Running
        || desired.getUsage() == null || have.getUsage() == null) {
      return; // the first reading, and the final one at exit, are always written
    }
    Long writtenAt = usageWrittenAt.get(uid);
    Duration age = writtenAt == null ? UsageWrites.MAX_AGE : Duration.ofNanos(System.nanoTime() - writtenAt);
    if (!UsageWrites.worthWriting(have.getUsage(), desired.getUsage(), age)) {
      desired.setUsage(have.getUsage());
    }
  }

  private List<Assignment> assignmentsUnder(String objectKey) {
    return uidsByObject.getOrDefault(objectKey, Set.of()).stream().map(assignments::get).filter(Objects::nonNull)
        .toList();
  }

  private Duration graceOf(NucleusSandbox sandbox) {
    var lifecycle = sandbox.getSpec() == null ? null : sandbox.getSpec().getLifecycle();
    Long seconds = lifecycle == null ? null : lifecycle.getStopGracePeriodSeconds();
    return seconds == null ? config.defaultStopGrace() : Duration.ofSeconds(Math.max(0, seconds));
  }

  /** Stops the timer of slow-launch notices (the agent is stopping). */
  void close() {
    startingTimer.shutdownNow();
  }

  private static boolean isTerminal(NucleusSandbox sandbox) {
    SandboxPhase phase = sandbox.getStatus() == null ? null : sandbox.getStatus().getPhase();
    return phase == SandboxPhase.Succeeded || phase == SandboxPhase.Failed;
  }

  /** How many sandboxes this agent last saw running, for the Lease's load annotation. */
  int running() {
    return running.get();
  }

  /** Object keys of every sandbox the agent remembers, for the periodic sweep of stale assignments. */
  List<String> rememberedKeys() {
    return assignments.values().stream().map(a -> a.key().objectKey()).distinct().toList();
  }
}
