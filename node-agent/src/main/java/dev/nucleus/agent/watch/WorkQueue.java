package dev.nucleus.agent.watch;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * A de-duplicating work queue in the style of client-go's: a key is queued at most once, and a key being
 * processed is never handed to a second worker; if it is added meanwhile it is processed again afterwards.
 * That keeps reconciles of one sandbox strictly serial while different sandboxes run in parallel.
 *
 * <p>Two lanes: keys added by an event ({@link #add}) are handed out before keys whose delay ran out
 * ({@link #addAfter}: usage refreshes, retries), so a burst of new sandboxes never waits behind the periodic
 * refresh of those already running. A waiting periodic key that an event adds again moves to the event lane.
 */
public final class WorkQueue<K> implements AutoCloseable {
  private final Deque<K> events = new ArrayDeque<>();
  private final Deque<K> periodic = new ArrayDeque<>();
  private final Set<K> dirty = new HashSet<>();
  private final Set<K> processing = new HashSet<>();
  /** When each waiting event-lane key was first added, for the wait-time metric. */
  private final Map<K, Long> eventSince = new HashMap<>();
  private final Set<K> eventDirty = new HashSet<>();
  private final ScheduledExecutorService delays;
  private final LongConsumer eventWaitNanos;
  private boolean shutDown;

  public WorkQueue() {
    this(nanos -> { });
  }

  /** A queue that reports, for every event-lane key handed out, how long it waited since it was first added. */
  public WorkQueue(LongConsumer eventWaitNanos) {
    this.eventWaitNanos = eventWaitNanos;
    delays = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nucleus-agent-requeue");
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues a key in the event lane unless it already waits there; moves it there from the periodic lane. */
  public synchronized void add(K key) {
    if (shutDown || eventDirty.contains(key)) {
      return;
    }
    eventDirty.add(key);
    eventSince.putIfAbsent(key, System.nanoTime());
    boolean waiting = dirty.contains(key);
    dirty.add(key);
    if (processing.contains(key)) {
      return; // done() puts it back in line
    }
    if (waiting) {
      periodic.remove(key);
    }
    events.addLast(key);
    notifyAll();
  }

  /** Queues a key in the periodic lane after a delay (usage refresh, retry backoff), unless it already waits. */
  public void addAfter(K key, long delayMillis) {
    synchronized (this) {
      if (shutDown) {
        return;
      }
    }
    delays.schedule(() -> addPeriodic(key), delayMillis, TimeUnit.MILLISECONDS);
  }

  private synchronized void addPeriodic(K key) {
    if (shutDown || dirty.contains(key)) {
      return;
    }
    dirty.add(key);
    if (!processing.contains(key)) {
      periodic.addLast(key);
      notifyAll();
    }
  }

  /** Blocks until a key is available (event lane first); empty once the queue is shut down. */
  public Optional<K> take() throws InterruptedException {
    return poll(0);
  }

  /**
   * Waits at most {@code timeoutMillis} (0: without limit) for a key (event lane first); empty when none came in
   * time or the queue is shut down ({@link #isShutDown} tells which).
   */
  public Optional<K> poll(long timeoutMillis) throws InterruptedException {
    K key;
    Long since;
    synchronized (this) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (events.isEmpty() && periodic.isEmpty() && !shutDown) {
        if (timeoutMillis <= 0) {
          wait();
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return Optional.empty();
          }
          wait((left + 999_999) / 1_000_000); // rounded up: never gives up before the timeout
        }
      }
      if (shutDown) {
        return Optional.empty();
      }
      key = events.isEmpty() ? periodic.removeFirst() : events.removeFirst();
      dirty.remove(key);
      eventDirty.remove(key);
      since = eventSince.remove(key);
      processing.add(key);
    }
    if (since != null) {
      eventWaitNanos.accept(System.nanoTime() - since);
    }
    return Optional.of(key);
  }

  /** Marks a key processed; if it was added again meanwhile it goes back in line, in its lane. */
  public synchronized void done(K key) {
    processing.remove(key);
    if (dirty.contains(key)) {
      (eventDirty.contains(key) ? events : periodic).addLast(key);
      notifyAll();
    }
  }

  public synchronized boolean isShutDown() {
    return shutDown;
  }

  public synchronized int depth() {
    return events.size() + periodic.size();
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
