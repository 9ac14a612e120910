package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pool's bookkeeping with members that are plain numbers. */
class WarmPoolTest {

    /** Members 1, 2, 3, ...; the ones in {@code dead} count as dead; every discard is recorded. */
    static class Numbers implements WarmPool.Members<Integer> {
        final AtomicInteger next = new AtomicInteger();
        final Set<Integer> dead = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<Integer> discarded = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile int failuresLeft;

        @Override
        public Integer make() throws Exception {
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new IllegalStateException("no member today");
            }
            return next.incrementAndGet();
        }

        @Override
        public boolean alive(Integer m) {
            return !dead.contains(m);
        }

        @Override
        public void discard(Integer m) {
            discarded.add(m);
        }
    }

    @Test
    void fillsUpToItsSizeAndRefillsWhatIsTakenNeverHandingAMemberOutTwice() throws Exception {
        Numbers n = new Numbers();
        try (WarmPool<Integer> pool = new WarmPool<>(2, n)) {
            assertThat(pool.awaitFull(Duration.ofSeconds(10))).isTrue();
            assertThat(n.next.get()).isEqualTo(2);  // bounded: no more than its size
            Set<Integer> handed = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                assertThat(pool.awaitFull(Duration.ofSeconds(10))).isTrue();
                assertThat(handed.add(pool.take().orElseThrow())).isTrue();
                pool.refill();
            }
            assertThat(pool.awaitFull(Duration.ofSeconds(10))).isTrue();
            assertThat(pool.stats().made()).isEqualTo(22);
        }
        assertThat(n.discarded).hasSize(2);  // close discards the idle ones, and only them
    }

    @Test
    void anEmptyPoolGivesNothingAndDeadMembersAreDiscardedNotHandedOut() throws Exception {
        Numbers n = new Numbers();
        try (WarmPool<Integer> pool = new WarmPool<>(1, n)) {
            assertThat(pool.awaitFull(Duration.ofSeconds(10))).isTrue();
            n.dead.add(1);
            // 1 is dead: discarded; the refill may or may not have made 2 by now
            pool.take().ifPresent(m -> assertThat(m).isNotEqualTo(1));
            assertThat(n.discarded).contains(1);
        }
    }

    @Test
    void failuresAreCountedAndRetriedWithBackoff() throws Exception {
        Numbers n = new Numbers();
        n.failuresLeft = 2;
        try (WarmPool<Integer> pool = new WarmPool<>(1, n)) {
            assertThat(pool.awaitFull(Duration.ofSeconds(10))).isTrue();
            assertThat(pool.stats().failed()).isEqualTo(2);
            assertThat(pool.stats().lastFailure()).contains("no member today");
        }
    }

    @Test
    void closingWhileAMemberIsMadeWaitsForItWithoutInterruptingAndDiscardsIt() throws Exception {
        java.util.concurrent.CountDownLatch making = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Numbers slow = new Numbers() {
            @Override
            public Integer make() throws Exception {
                making.countDown();
                long end = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < end) {  // a make that takes a while, like a launcher's setup
                    interrupted.compareAndSet(false, Thread.currentThread().isInterrupted());
                    Thread.onSpinWait();
                }
                return super.make();
            }
        };
        WarmPool<Integer> pool = new WarmPool<>(1, slow);
        assertThat(making.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        pool.close();
        assertThat(interrupted).as("make() must run to its end, cleanup included").isFalse();
        assertThat(slow.discarded).containsExactly(1);  // made after close began: discarded, never idle
    }

    @Test
    void sizeZeroIsNotAPool() {
        assertThatThrownBy(() -> new WarmPool<>(0, new Numbers())).isInstanceOf(IllegalArgumentException.class);
    }
}
