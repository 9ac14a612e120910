package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Quantities;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * One running node agent: informers on the sandboxes and checkpoints assigned to this node, a reconcile loop for
 * each ({@link SandboxController}, {@link CheckpointController}), the Lease keeper and the health endpoint. Closing
 * it stops the agent, never the sandboxes: they outlive the agent and the next one adopts them.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeAgent.class.getName());
  private static final long SWEEP_SECONDS = 30;
  /** Dumps are long and few; two run in parallel at most, beside the sandbox workers. */
  private static final int CHECKPOINT_WORKERS = 2;

  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final ScheduledExecutorService timers;
  private final SharedIndexInformer<NucleusSandbox> sandboxes;
  private final SharedIndexInformer<NucleusCheckpoint> checkpointInformer;
  private final SandboxController controller;
  private final CheckpointController checkpoints;
  private final ReconcileLoop sandboxLoop;
  private final ReconcileLoop checkpointLoop;
  private final AgentEvents events;
  private final LeaseKeeper lease;
  private final HealthServer health;

  private NodeAgent(KubernetesClient client, AgentConfig config, SandboxEngine engine, CheckpointEngine criu,
      Supplier<NodeAdvertisement> capabilities, Clock clock) throws IOException, EngineException {
    this.config = config;
    this.metrics = new AgentMetrics();
    AssignmentJournal journal = AssignmentJournal.open(config.journalDir());
    CheckpointJournal checkpointJournal = CheckpointJournal.open(config.checkpointJournalDir());
    sandboxes = retrying(client.resources(NucleusSandbox.class).inAnyNamespace()
        .withLabel(NucleusNames.NODE_LABEL, config.nodeName()).runnableInformer(0));
    checkpointInformer = retrying(client.resources(NucleusCheckpoint.class).inAnyNamespace()
        .withLabel(NucleusNames.NODE_LABEL, config.nodeName()).runnableInformer(0));
    events = new AgentEvents(client, config.nodeName(), clock);
    CheckpointRegistry registry = new CheckpointRegistry();
    SandboxApi sandboxApi = new SandboxApi(client, sandboxes.getStore(), config.nodeName());
    CheckpointApi checkpointApi = new CheckpointApi(client, checkpointInformer.getStore(), config.nodeName());
    controller = new SandboxController(config, engine, journal, sandboxApi, metrics, clock, registry, events,
        checkpointApi);
    sandboxLoop = new ReconcileLoop("sandbox", controller::reconcile, metrics::observeQueueWait);
    checkpoints = new CheckpointController(config, criu, checkpointJournal, checkpointApi, sandboxApi, registry,
        sandboxLoop::add, events, metrics, clock);
    checkpointLoop = new ReconcileLoop("checkpoint", checkpoints::reconcile);
    List<String> remembered = controller.recover();
    List<String> rememberedCheckpoints = checkpoints.recover();
    sandboxes.addEventHandler(new Enqueue<>(sandboxLoop, controller::needsReconcile));
    checkpointInformer.addEventHandler(new Enqueue<>(checkpointLoop, (before, after) -> true));
    lease = new LeaseKeeper(client, config, capabilities, this::load, metrics, clock);
    metrics.sandboxesByPhase(this::countByPhase);
    metrics.queueDepth(() -> sandboxLoop.depth() + checkpointLoop.depth());
    timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nucleus-agent-timers"));
    // Served while the first lists are retried: the kubelet sees a live agent (/livez) that is not ready (/healthz).
    health = new HealthServer(config.metricsPort(), metrics, this::unhealthy);
    syncInformers();
    remembered.forEach(sandboxLoop::add); // includes sandboxes whose objects vanished while the agent was down
    rememberedCheckpoints.forEach(checkpointLoop::add);
    controller.sweepOrphans(assignedUids());
    sandboxLoop.start(config.workers());
    checkpointLoop.start(CHECKPOINT_WORKERS);
    lease.renewQuietly();
    long renewMillis = config.leaseRenewInterval().toMillis();
    timers.scheduleAtFixedRate(lease::renewQuietly, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
    timers.scheduleAtFixedRate(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    LOG.info("nucleus agent for node " + config.nodeName() + " started: " + sandboxes.getStore().list().size()
        + " sandboxes assigned, " + remembered.size() + " remembered, metrics on port " + health.port());
  }

  /** Starts an agent; returns once its informers have synced and its workers run. */
  public static NodeAgent start(KubernetesClient client, AgentConfig config, SandboxEngine engine,
      CheckpointEngine criu, Supplier<NodeAdvertisement> capabilities, Clock clock) throws IOException, EngineException {
    return new NodeAgent(client, config, engine, criu, capabilities, clock);
  }

  /** An agent on a node without CRIU: every checkpoint it is given fails with reason CriuUnavailable. */
  public static NodeAgent start(KubernetesClient client, AgentConfig config, SandboxEngine engine,
      Supplier<NodeAdvertisement> capabilities, Clock clock) throws IOException, EngineException {
    return start(client, config, engine, CheckpointEngine.unavailable("this node agent runs without CRIU"),
        capabilities, clock);
  }

  /**
   * fabric8's default gives up on an informer whose first list fails (and on any watch error other than 410 Gone, which
   * it answers with a new list). An agent cannot do its job without its informers and a restart would not reconnect
   * it sooner, so every failure is retried with fabric8's backoff (1 s doubling to 32 s, each one logged as a warning
   * with its cause: unreachable, Forbidden, CRD missing), except a response it cannot decode, which no retry fixes.
   */
  private static <T> SharedIndexInformer<T> retrying(SharedIndexInformer<T> informer) {
    return informer.exceptionHandler((started, t) -> !ExceptionHandler.isDeserializationException(t));
  }

  /**
   * Waits for both first lists, however long the API server takes to answer: the sandboxes keep running meanwhile,
   * untouched, and nothing may be decided (started, torn down as an orphan) before the agent knows what is assigned.
   */
  private void syncInformers() throws IOException {
    try {
      CompletableFuture.allOf(sandboxes.start().toCompletableFuture(),
          checkpointInformer.start().toCompletableFuture()).get();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      timers.shutdownNow();
      health.close();
      sandboxes.stop();
      checkpointInformer.stop();
      events.close();
      throw new IOException("the initial list of sandboxes and checkpoints for node " + config.nodeName()
          + " failed: " + e, e);
    }
  }

  public AgentMetrics metrics() {
    return metrics;
  }

  public int healthPort() {
    return health.port();
  }

  // A safety net under the informer: re-check what the agent remembers, and what the engine runs unclaimed.
  private void sweep() {
    controller.rememberedKeys().forEach(sandboxLoop::add);
    checkpoints.rememberedKeys().forEach(checkpointLoop::add);
    try {
      controller.sweepOrphans(assignedUids());
    } catch (IOException | EngineException | RuntimeException e) {
      LOG.warning("sweeping orphaned sandboxes failed: " + ReconcileLoop.describe(e));
    }
  }

  private Set<String> assignedUids() {
    return sandboxes.getStore().list().stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
  }

  private NodeAdvertisement.Load load() {
    long committed = 0;
    for (NucleusSandbox s : sandboxes.getStore().list()) {
      SandboxPhase phase = s.getStatus() == null ? null : s.getStatus().getPhase();
      boolean finished = phase == SandboxPhase.Succeeded || phase == SandboxPhase.Failed;
      var resources = s.getSpec() == null ? null : s.getSpec().getResources();
      if (!finished && resources != null && resources.getMemory() != null) {
        try {
          committed += Quantities.bytes("spec.resources.memory", resources.getMemory());
        } catch (IllegalArgumentException e) {
          // an unparsable quantity commits nothing; the operator's validation reports it
        }
      }
    }
    return new NodeAdvertisement.Load(controller.running(), committed);
  }

  private Map<String, Long> countByPhase() {
    return sandboxes.getStore().list().stream().collect(Collectors.groupingBy(
        s -> s.getStatus() == null || s.getStatus().getPhase() == null ? "Scheduled" : s.getStatus().getPhase().name(),
        Collectors.counting()));
  }

  private Optional<String> unhealthy() {
    if (!sandboxes.hasSynced() || !checkpointInformer.hasSynced()) {
      return Optional.of("the first list of sandboxes and checkpoints has not succeeded yet (see the log for why)");
    }
    Instant renewed = lease.lastRenewed();
    if (renewed == null) {
      return Optional.of("Lease " + lease.leaseName() + " never renewed");
    }
    if (Instant.now().isAfter(renewed.plus(config.leaseDuration()))) {
      return Optional.of("Lease " + lease.leaseName() + " last renewed at " + renewed + ", older than its duration");
    }
    if (!sandboxes.isWatching()) {
      return Optional.of("the sandbox informer is not watching");
    }
    if (!checkpointInformer.isWatching()) {
      return Optional.of("the checkpoint informer is not watching");
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    timers.shutdownNow();
    health.close();
    sandboxes.stop();
    checkpointInformer.stop();
    sandboxLoop.close();
    checkpointLoop.close();
    controller.close();
    events.close();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Informer events only enqueue the object key (updates that matter, per {@code relevant}); workers do the rest. */
  private record Enqueue<T extends io.fabric8.kubernetes.api.model.HasMetadata>(ReconcileLoop loop,
      BiPredicate<T, T> relevant) implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T object) {
      loop.add(Cache.metaNamespaceKeyFunc(object));
    }

    @Override
    public void onUpdate(T before, T after) {
      if (relevant.test(before, after)) {
        loop.add(Cache.metaNamespaceKeyFunc(after));
      }
    }

    @Override
    public void onDelete(T object, boolean finalStateUnknown) {
      loop.add(Cache.metaNamespaceKeyFunc(object));
    }
  }
}
