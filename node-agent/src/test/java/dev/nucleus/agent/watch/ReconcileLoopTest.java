package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class ReconcileLoopTest {
  @Test
  void startsWithTheMinimumThenAWorkerPerWaitingKeyUpToTheMaximumAndShrinksWhenIdle() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    Set<String> done = ConcurrentHashMap.newKeySet();
    ReconcileLoop.Reconciler blocking = key -> {
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      release.await(30, TimeUnit.SECONDS);
      inside.decrementAndGet();
      done.add(key);
      return SandboxController.NO_REQUEUE;
    };
    try (ReconcileLoop loop = new ReconcileLoop("test", blocking, nanos -> { }, 200)) {
      loop.start(5);
      assertThat(loop.workers()).isEqualTo(ReconcileLoop.MIN_WORKERS);
      for (int i = 0; i < 8; i++) {
        loop.add("key-" + i);
      }
      await(() -> inside.get() == 5);
      assertThat(loop.workers()).isEqualTo(5); // never more than the maximum, though 8 keys wait
      release.countDown();
      await(() -> done.size() == 8);
      assertThat(mostInside.get()).isEqualTo(5);
      await(() -> loop.workers() == ReconcileLoop.MIN_WORKERS); // the extra ones ended after 200 ms idle
      loop.add("after");
      await(() -> done.contains("after")); // the remaining workers still serve
    }
  }

  @Test
  void aKeyIsNeverReconciledByTwoWorkersAtOnce() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger worst = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    ReconcileLoop.Reconciler slow = key -> {
      worst.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      Thread.sleep(20);
      concurrent.decrementAndGet();
      runs.incrementAndGet();
      return SandboxController.NO_REQUEUE;
    };
    try (ReconcileLoop loop = new ReconcileLoop("test", slow, nanos -> { }, 200)) {
      loop.start(8);
      for (int i = 0; i < 20; i++) {
        loop.add("same");
        Thread.sleep(2);
      }
      await(() -> runs.get() >= 2 && loop.depth() == 0 && concurrent.get() == 0);
      assertThat(worst.get()).isEqualTo(1);
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as("condition not met within 20 s").isBefore(deadline);
      Thread.sleep(5);
    }
  }
}
