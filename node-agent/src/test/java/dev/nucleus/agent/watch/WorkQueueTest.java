package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

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
