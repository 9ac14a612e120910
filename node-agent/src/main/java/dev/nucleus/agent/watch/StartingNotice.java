package dev.nucleus.agent.watch;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Makes a slow launch visible without costing a prompt one a write: phase Starting is written only if the launch has
 * not finished within a bound, and never once its outcome is known. A Starting write in flight when the launch ends
 * completes before {@link #close()} returns, so the outcome's write always lands after it.
 */
final class StartingNotice implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StartingNotice.class.getName());

  private final Object lock = new Object();
  private final ScheduledFuture<?> timer;
  private boolean finished;

  private StartingNotice(ScheduledExecutorService timers, Duration after, Runnable writeStarting) {
    timer = timers.schedule(() -> {
      synchronized (lock) {
        if (!finished) {
          try {
            writeStarting.run();
          } catch (RuntimeException e) { // visibility only: the outcome is written whatever happens here
            LOG.warning("writing phase Starting for a slow launch failed: " + ReconcileLoop.describe(e));
          }
        }
      }
    }, after.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Arms the notice: {@code writeStarting} runs after {@code after} unless the launch has finished by then. */
  static StartingNotice arm(ScheduledExecutorService timers, Duration after, Runnable writeStarting) {
    return new StartingNotice(timers, after, writeStarting);
  }

  /** The notices' timer: one daemon thread, which ends after 30 s without a launch to watch. */
  static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "nucleus-agent-starting");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    return timer;
  }

  /** The launch finished: Starting is never written from now on; waits for a Starting write already in flight. */
  @Override
  public void close() {
    timer.cancel(false);
    synchronized (lock) {
      finished = true;
    }
  }
}
