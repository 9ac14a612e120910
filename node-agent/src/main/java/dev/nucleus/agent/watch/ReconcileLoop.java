package dev.nucleus.agent.watch;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * A de-duplicating work queue with worker threads that run one reconcile function per key, requeue when it asks
 * to, and retry failures with exponential backoff. One per kind of object the agent serves. Workers are elastic:
 * {@link #MIN_WORKERS} always wait; another one starts when a key waits and none is free, up to the maximum, and
 * ends after {@link #IDLE_MILLIS} without work. A burst gets many workers (most of a start is waiting for the API
 * server and the disk), an idle agent keeps only a few threads (each costs resident memory).
 */
final class ReconcileLoop implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReconcileLoop.class.getName());
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  static final int MIN_WORKERS = 2;
  static final long IDLE_MILLIS = 30_000;

  /** One reconcile: returns the delay before the key is looked at again, or a negative number for never. */
  @FunctionalInterface
  interface Reconciler {
    long reconcile(String key) throws Exception;
  }

  private final String kind;
  private final Reconciler reconciler;
  private final WorkQueue<String> queue;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger idle = new AtomicInteger();
  private final AtomicInteger started = new AtomicInteger();
  private final long idleMillis;
  private volatile int maxWorkers;
  private volatile boolean closing;

  ReconcileLoop(String kind, Reconciler reconciler) {
    this(kind, reconciler, nanos -> { });
  }

  /** A loop that reports how long each key an event queued waited for a worker. */
  ReconcileLoop(String kind, Reconciler reconciler, LongConsumer eventWaitNanos) {
    this(kind, reconciler, eventWaitNanos, IDLE_MILLIS);
  }

  /** A loop whose extra workers end after {@code idleMillis} without work. */
  ReconcileLoop(String kind, Reconciler reconciler, LongConsumer eventWaitNanos, long idleMillis) {
    this.kind = kind;
    this.reconciler = reconciler;
    this.queue = new WorkQueue<>(eventWaitNanos);
    this.idleMillis = idleMillis;
  }

  /** Starts the loop with up to {@code max} workers, {@link #MIN_WORKERS} of them at once. */
  void start(int max) {
    maxWorkers = max;
    for (int i = 0; i < Math.min(MIN_WORKERS, max); i++) {
      live.incrementAndGet();
      spawn();
    }
    grow(); // keys added before the start
  }

  void add(String key) {
    queue.add(key);
    grow();
  }

  int depth() {
    return queue.depth();
  }

  /** Workers alive now. */
  int workers() {
    return live.get();
  }

  // More keys wait than workers are free: more workers, up to the maximum.
  private void grow() {
    while (!closing && queue.depth() > idle.get()) {
      int n = live.get();
      if (n >= maxWorkers) {
        return;
      }
      if (live.compareAndSet(n, n + 1)) {
        spawn();
      }
    }
  }

  // A new worker counts as free from here, so one waiting key starts one worker.
  private void spawn() {
    idle.incrementAndGet();
    Thread worker = new Thread(this::work, "nucleus-agent-" + kind + "-" + started.getAndIncrement());
    worker.setDaemon(true);
    workers.add(worker);
    worker.start();
  }

  private void work() {
    try {
      serve();
    } finally {
      workers.remove(Thread.currentThread());
    }
  }

  private void serve() {
    while (true) { // counted in idle here
      Optional<String> next;
      try {
        next = queue.poll(idleMillis);
      } catch (InterruptedException e) {
        idle.decrementAndGet();
        live.decrementAndGet();
        return;
      }
      if (next.isEmpty()) {
        if (closing || queue.isShutDown()) {
          idle.decrementAndGet();
          live.decrementAndGet();
          return;
        }
        int n = live.get();
        if (n > MIN_WORKERS && live.compareAndSet(n, n - 1)) {
          idle.decrementAndGet();
          return; // idle for a while: the burst is over
        }
        continue;
      }
      idle.decrementAndGet();
      String key = next.get();
      try {
        long requeue = reconciler.reconcile(key);
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
        LOG.warning("reconciling " + kind + " " + key + " failed (attempt " + attempt + ", retrying in " + delay
            + " ms): " + describe(e));
        queue.addAfter(key, delay);
      } finally {
        queue.done(key);
      }
      idle.incrementAndGet();
      grow(); // keys queued by delays or while this one ran may still wait for a free worker
    }
  }

  // fabric8 wraps the server's answer in a cause; the first line of each level is what an operator needs.
  static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      text.append(" <- ").append(c);
    }
    return text.toString();
  }

  @Override
  public void close() {
    closing = true;
    queue.close();
    List<Thread> all = List.copyOf(workers);
    all.forEach(Thread::interrupt);
    for (Thread worker : all) {
      try {
        worker.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
