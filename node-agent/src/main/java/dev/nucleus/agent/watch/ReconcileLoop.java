package dev.nucleus.agent.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * A de-duplicating work queue with a few worker threads that run one reconcile function per key, requeue when it
 * asks to, and retry failures with exponential backoff. One per kind of object the agent serves.
 */
final class ReconcileLoop implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReconcileLoop.class.getName());
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  /** One reconcile: returns the delay before the key is looked at again, or a negative number for never. */
  @FunctionalInterface
  interface Reconciler {
    long reconcile(String key) throws Exception;
  }

  private final String kind;
  private final Reconciler reconciler;
  private final WorkQueue<String> queue;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closing;

  ReconcileLoop(String kind, Reconciler reconciler) {
    this(kind, reconciler, nanos -> { });
  }

  /** A loop that reports how long each key an event queued waited for a worker. */
  ReconcileLoop(String kind, Reconciler reconciler, LongConsumer eventWaitNanos) {
    this.kind = kind;
    this.reconciler = reconciler;
    this.queue = new WorkQueue<>(eventWaitNanos);
  }

  void start(int count) {
    for (int i = 0; i < count; i++) {
      Thread worker = new Thread(this::work, "nucleus-agent-" + kind + "-" + i);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
  }

  void add(String key) {
    queue.add(key);
  }

  int depth() {
    return queue.depth();
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
}
