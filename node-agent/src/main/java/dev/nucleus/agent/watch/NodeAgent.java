package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Quantities;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * One running node agent: informers on the sandboxes assigned to this node, a work queue with a few
 * workers that run {@link SandboxController}, the Lease keeper and the health endpoint. Closing it stops
 * the agent, never the sandboxes: they outlive the agent and the next one adopts them.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(NodeAgent.class.getName());
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final long SWEEP_SECONDS = 30;

  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final WorkQueue<String> queue = new WorkQueue<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private final ScheduledExecutorService timers;
  private final SharedIndexInformer<NucleusSandbox> sandboxes;
  private final SandboxController controller;
  private final LeaseKeeper lease;
  private final HealthServer health;
  private volatile boolean closing;

  private NodeAgent(KubernetesClient client, AgentConfig config, SandboxEngine engine,
      Supplier<NodeAdvertisement> capabilities, Clock clock) throws IOException, EngineException {
    this.config = config;
    this.metrics = new AgentMetrics();
    AssignmentJournal journal = AssignmentJournal.open(config.journalDir());
    sandboxes = client.resources(NucleusSandbox.class).inAnyNamespace()
        .withLabel(NucleusNames.NODE_LABEL, config.nodeName())
        .runnableInformer(0);
    controller = new SandboxController(config, engine, journal, new SandboxApi(client, sandboxes.getStore(), config.nodeName()),
        metrics, clock);
    List<String> remembered = controller.recover();
    sandboxes.addEventHandler(new Enqueue());
    lease = new LeaseKeeper(client, config, capabilities, this::load, metrics, clock);
    metrics.sandboxesByPhase(this::countByPhase);
    metrics.queueDepth(queue::depth);
    timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nucleus-agent-timers"));
    try {
      sandboxes.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      timers.shutdownNow();
      sandboxes.stop();
      throw new IOException("the initial list of sandboxes for node " + config.nodeName() + " failed: " + e, e);
    }
    remembered.forEach(queue::add); // includes sandboxes whose objects vanished while the agent was down
    controller.sweepOrphans(assignedUids());
    for (int i = 0; i < config.workers(); i++) {
      Thread worker = daemon(this::work, "nucleus-agent-worker-" + i);
      workers.add(worker);
      worker.start();
    }
    lease.renewQuietly();
    long renewMillis = config.leaseRenewInterval().toMillis();
    timers.scheduleAtFixedRate(lease::renewQuietly, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
    timers.scheduleAtFixedRate(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    health = new HealthServer(config.metricsPort(), metrics, this::unhealthy);
    LOG.info("nucleus agent for node " + config.nodeName() + " started: " + sandboxes.getStore().list().size()
        + " sandboxes assigned, " + remembered.size() + " remembered, metrics on port " + health.port());
  }

  /** Starts an agent; returns once its informers have synced and its workers run. */
  public static NodeAgent start(KubernetesClient client, AgentConfig config, SandboxEngine engine,
      Supplier<NodeAdvertisement> capabilities, Clock clock) throws IOException, EngineException {
    return new NodeAgent(client, config, engine, capabilities, clock);
  }

  public AgentMetrics metrics() {
    return metrics;
  }

  public int healthPort() {
    return health.port();
  }

  private void work() {
    while (true) {
      Optional<String> next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (next.isEmpty()) {
        return;
      }
      String key = next.get();
      try {
        long requeue = controller.reconcile(key);
        failures.remove(key);
        if (requeue >= 0) {
          queue.addAfter(key, requeue);
        }
      } catch (Exception e) {
        if (closing) {
          return; // interrupted by close(): the next agent picks the key up again
        }
        int attempt = failures.merge(key, 1, Integer::sum);
        long delay = Math.min(MAX_BACKOFF_MILLIS, 200L << Math.min(attempt, 10));
        LOG.warning("reconciling sandbox " + key + " failed (attempt " + attempt + ", retrying in " + delay
            + " ms): " + describe(e));
        queue.addAfter(key, delay);
      } finally {
        queue.done(key);
      }
    }
  }

  // A safety net under the informer: re-check what the agent remembers, and what the engine runs unclaimed.
  private void sweep() {
    controller.rememberedKeys().forEach(queue::add);
    try {
      controller.sweepOrphans(assignedUids());
    } catch (IOException | EngineException | RuntimeException e) {
      LOG.warning("sweeping orphaned sandboxes failed: " + describe(e));
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
    return Optional.empty();
  }

  @Override
  public void close() {
    closing = true;
    timers.shutdownNow();
    health.close();
    sandboxes.stop();
    queue.close();
    workers.forEach(Thread::interrupt);
    for (Thread worker : workers) {
      try {
        worker.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  // fabric8 wraps the server's answer in a cause; the first line of each level is what an operator needs.
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      text.append(" <- ").append(c);
    }
    return text.toString();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Informer events only enqueue the object key; the workers do the rest. */
  private final class Enqueue implements ResourceEventHandler<NucleusSandbox> {
    @Override
    public void onAdd(NucleusSandbox sandbox) {
      queue.add(SandboxApi.objectKey(sandbox));
    }

    @Override
    public void onUpdate(NucleusSandbox before, NucleusSandbox after) {
      queue.add(SandboxApi.objectKey(after));
    }

    @Override
    public void onDelete(NucleusSandbox sandbox, boolean finalStateUnknown) {
      queue.add(SandboxApi.objectKey(sandbox));
    }
  }
}
