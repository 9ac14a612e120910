package dev.nucleus.operator.placement;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Since when this operator has been able to see the agents' renewals: its start, moved forward to every moment its
 * API server did not answer a small read (the probe) in time. (A Lease informer that has not listed yet is
 * {@link dev.nucleus.operator.kube.Caches}'s concern: no pass decides before it.) An outage of the control
 * plane stops the agents' renewals and the operator's view alike; without this, the first pass after it would find
 * every Lease older than its duration plus grace and mark every node Lost (sticky), which a Kubernetes node lifecycle
 * controller would not do either: it judges heartbeats by when it could observe them. The informer cannot tell:
 * fabric8 reports it watching while it retries a cut connection (ControlPlaneOutageTest), hence the probe.
 */
final class LeaseWatch {
  /** How often the API server is probed: well below any lease duration plus grace, and one small read each time. */
  static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
  /** A probe answered later than this saw an API server that was away meanwhile (or too slow to trust the cache). */
  static final Duration LATE = Duration.ofSeconds(2);
  private static final ScheduledExecutorService SAMPLER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "nucleus-lease-watch");
    t.setDaemon(true);
    return t;
  });

  // One watch per client: every controller's directory asks the same API server, and one probe at a time per
  // client keeps the sampler thread from waiting on several hung probes in turn.
  private static final Map<KubernetesClient, LeaseWatch> BY_CLIENT = new ConcurrentHashMap<>();

  private final Runnable probe;
  private final Clock clock;
  private volatile Instant since;
  private volatile Instant probeSentAt;  // while a probe waits for its answer

  /** {@code probe} reads from the API server and throws when it does not answer. */
  LeaseWatch(Runnable probe, Clock clock) {
    this.probe = probe;
    this.clock = clock;
    this.since = clock.instant();
  }

  /**
   * The watch of {@code client}'s API server, sampled every {@link #SAMPLE_EVERY} on one shared daemon thread; its
   * probe lists at most one Lease of {@code namespace} from the API server itself (not a cache), within the
   * operator's RBAC.
   */
  static LeaseWatch of(KubernetesClient client, String namespace, Clock clock) {
    return BY_CLIENT.computeIfAbsent(client, c -> {
      LeaseWatch watch = new LeaseWatch(
          () -> c.leases().inNamespace(namespace).list(new ListOptionsBuilder().withLimit(1L).build()), clock);
      SAMPLER.scheduleWithFixedDelay(watch::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      return watch;
    });
  }

  /**
   * Moves {@link #since()} to now while the API server does not answer or answers late. A late answer counts as
   * none: fabric8 retries a dropped request with backoff, so a probe sent during an outage can come back only once
   * the API server is back, and the renewals it could not see must not count from before.
   */
  void sample() {
    Instant sent = clock.instant();
    probeSentAt = sent;
    boolean answered = answers();
    Instant back = clock.instant();
    if (!answered || Duration.between(sent, back).compareTo(LATE) > 0) {
      since = back;
    }
    probeSentAt = null;
  }

  private boolean answers() {
    try {
      probe.run();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The earliest moment from which a missing renewal counts against an agent: now while a probe has waited longer
   * than {@link #LATE} for its answer (a pass deciding meanwhile could not have seen a renewal either).
   */
  Instant since() {
    Instant sent = probeSentAt;
    Instant now = clock.instant();
    return sent != null && Duration.between(sent, now).compareTo(LATE) > 0 ? now : since;
  }
}
