package dev.nucleus.agent.watch;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A de-duplicating work queue in the style of client-go's: a key is queued at most once, and a key being
 * processed is never handed to a second worker; if it is added meanwhile it is processed again afterwards.
 * That keeps reconciles of one sandbox strictly serial while different sandboxes run in parallel.
 */
public final class WorkQueue<K> implements AutoCloseable {
  private final Deque<K> queue = new ArrayDeque<>();
  private final Set<K> dirty = new HashSet<>();
  private final Set<K> processing = new HashSet<>();
  private final ScheduledExecutorService delays;
  private boolean shutDown;

  public WorkQueue() {
    delays = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nucleus-agent-requeue");
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues a key unless it is already waiting. */
  public synchronized void add(K key) {
    if (shutDown || dirty.contains(key)) {
      return;
    }
    dirty.add(key);
    if (!processing.contains(key)) {
      queue.addLast(key);
      notifyAll();
    }
  }

  /** Queues a key after a delay (periodic usage refresh, retry backoff). */
  public void addAfter(K key, long delayMillis) {
    synchronized (this) {
      if (shutDown) {
        return;
      }
    }
    delays.schedule(() -> add(key), delayMillis, TimeUnit.MILLISECONDS);
  }

  /** Blocks until a key is available; empty once the queue is shut down. */
  public synchronized Optional<K> take() throws InterruptedException {
    while (queue.isEmpty() && !shutDown) {
      wait();
    }
    if (shutDown) {
      return Optional.empty();
    }
    K key = queue.removeFirst();
    dirty.remove(key);
    processing.add(key);
    return Optional.of(key);
  }

  /** Marks a key processed; if it was added again meanwhile it goes back in line. */
  public synchronized void done(K key) {
    processing.remove(key);
    if (dirty.contains(key)) {
      queue.addLast(key);
      notifyAll();
    }
  }

  public synchronized int depth() {
    return queue.size();
  }

  @Override
  public void close() {
    synchronized (this) {
      shutDown = true;
      notifyAll();
    }
    delays.shutdownNow();
  }
}
