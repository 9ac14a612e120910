package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  @Test
  void deduplicatesWaitingKeys() throws Exception {
    try (WorkQueue<String> queue = new WorkQueue<>()) {
      queue.add("a");
      queue.add("b");
      queue.add("a");
      assertThat(queue.depth()).isEqualTo(2);
      assertThat(queue.take()).contains("a");
      assertThat(queue.take()).contains("b");
    }
  }

  @Test
  void aKeyBeingProcessedIsNotHandedOutAgainUntilDone() throws Exception {
    try (WorkQueue<String> queue = new WorkQueue<>()) {
      queue.add("a");
      assertThat(queue.take()).contains("a");
      queue.add("a"); // an event arrives while "a" is reconciled
      queue.add("b");
      assertThat(queue.take()).contains("b"); // not "a": it is still in progress
      assertThat(queue.depth()).isZero();
      queue.done("a");
      assertThat(queue.take()).contains("a"); // processed again afterwards
    }
  }

  @Test
  void pollGivesUpAfterItsTimeoutAndTellsThatFromAShutDown() throws Exception {
    WorkQueue<String> queue = new WorkQueue<>();
    long begin = System.nanoTime();
    assertThat(queue.poll(50)).isEmpty();
    assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(50_000_000L);
    assertThat(queue.isShutDown()).isFalse();
    queue.add("a");
    assertThat(queue.poll(50)).contains("a");
    queue.close();
    assertThat(queue.poll(50)).isEmpty();
    assertThat(queue.isShutDown()).isTrue();
  }

  @Test
  void keysQueuedByEventsGoBeforeKeysWhoseDelayRanOut() throws Exception {
    try (WorkQueue<String> queue = new WorkQueue<>()) {
      queue.addAfter("refresh", 0);
      awaitDepth(queue, 1);
      queue.add("new");
      assertThat(queue.take()).contains("new"); // queued later, handed out first
      assertThat(queue.take()).contains("refresh");
    }
  }

  @Test
  void anEventMovesAWaitingPeriodicKeyToTheEventLaneWithoutQueueingItTwice() throws Exception {
    try (WorkQueue<String> queue = new WorkQueue<>()) {
      queue.add("a");
      queue.addAfter("b", 0);
      awaitDepth(queue, 2);
      queue.add("b");
      queue.add("c");
      assertThat(queue.depth()).isEqualTo(3);
      assertThat(queue.take()).contains("a");
      assertThat(queue.take()).contains("b"); // now in the event lane, ahead of nothing periodic
      assertThat(queue.take()).contains("c");
      assertThat(queue.depth()).isZero();
    }
  }

  @Test
  void reportsHowLongEachEventQueuedKeyWaited() throws Exception {
    List<Long> waits = new CopyOnWriteArrayList<>();
    try (WorkQueue<String> queue = new WorkQueue<>(waits::add)) {
      queue.add("a");
      Thread.sleep(20);
      queue.add("a"); // de-duplicated: the wait counts from the first add
      assertThat(queue.take()).contains("a");
      queue.addAfter("b", 0);
      awaitDepth(queue, 1);
      assertThat(queue.take()).contains("b"); // periodic keys wait by design: not reported
    }
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0)).isGreaterThanOrEqualTo(20_000_000L);
  }

  private static void awaitDepth(WorkQueue<String> queue, int depth) throws InterruptedException {
    for (int i = 0; i < 500 && queue.depth() < depth; i++) {
      Thread.sleep(10);
    }
    assertThat(queue.depth()).isEqualTo(depth);
  }

  @Test
  void closeReleasesWaitingWorkers() throws Exception {
    WorkQueue<String> queue = new WorkQueue<>();
    Thread waiter = new Thread(() -> {
      try {
        assertThat(queue.take()).isEmpty();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    waiter.start();
    queue.close();
    waiter.join(10_000);
    assertThat(waiter.isAlive()).isFalse();
  }
}
