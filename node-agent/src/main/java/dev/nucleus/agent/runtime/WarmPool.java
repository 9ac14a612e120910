package dev.nucleus.agent.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * A bounded set of pre-made sandboxes ("members") that launches of a matching shape claim instead of building their
 * own, refilled by one background thread, one member at a time. A member is handed out at most once and never comes
 * back. Pure bookkeeping: making, checking and discarding members is {@link Members}'s ({@link PoolMembers} on a node).
 */
final class WarmPool<M> implements AutoCloseable {

    private static final long MAX_BACKOFF_MILLIS = 30_000;
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    /** How members are made, checked and let go. */
    interface Members<M> {
        /** A new member, ready to be claimed; throws when it cannot be made (the pool retries with backoff). */
        M make() throws Exception;

        /** Whether the member's processes are still the ones that were made (pid and start time). */
        boolean alive(M member);

        /** Ends an unclaimed member and removes everything it holds. */
        void discard(M member);
    }

    private final int size;
    private final Members<M> members;
    private final Deque<M> idle = new ArrayDeque<>();  // guarded by this
    private int making;  // guarded by this
    private boolean closed;  // guarded by this
    private int made;  // guarded by this
    private int failed;  // guarded by this
    private Exception lastFailure;  // guarded by this
    private final Thread refill;

    /** Starts refilling at once; {@code size} members at most exist unclaimed (made or being made). */
    WarmPool(int size, Members<M> members) {
        if (size < 1) {
            throw new IllegalArgumentException("a warm pool holds at least one member, got " + size);
        }
        this.size = size;
        this.members = members;
        this.refill = new Thread(this::refillLoop, "nucleus-warm-pool");
        refill.setDaemon(true);
        refill.start();
    }

    int size() {
        return size;
    }

    /**
     * An idle member for the caller alone, or empty (the launch goes cold). Dead members found on the way are
     * discarded. The refill starts at {@link #refill}: making a member while the claim runs would compete with it.
     */
    Optional<M> take() {
        while (true) {
            M m;
            synchronized (this) {
                m = idle.pollFirst();
            }
            if (m == null) {
                return Optional.empty();
            }
            if (members.alive(m)) {
                return Optional.of(m);
            }
            members.discard(m);
        }
    }

    /** Lets the refill thread make members up to the pool's size (after a claim finished, or from a test). */
    synchronized void refill() {
        notifyAll();
    }

    /** Waits until {@code size} members are idle; false if that did not happen within {@code timeout}. */
    synchronized boolean awaitFull(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (idle.size() < size && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return !closed;
    }

    /** What the pool did so far. */
    synchronized Stats stats() {
        return new Stats(idle.size(), made, failed, Optional.ofNullable(lastFailure).map(Exception::getMessage));
    }

    /** Idle members now, members made and failed so far, and the last failure's message. */
    record Stats(int idle, int made, int failed, Optional<String> lastFailure) {
    }

    /**
     * Stops refilling and discards every idle member; waits for a member being made and discards it too. The refill
     * thread is not interrupted: an interrupt inside {@link Members#make} would break its own cleanup (a cgroup kill
     * waits in short sleeps) and leave that member's cgroups behind; it is interrupted only if it outlives the wait.
     */
    @Override
    public void close() throws InterruptedException {
        List<M> left;
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        refill.join(CLOSE_WAIT_MILLIS);
        if (refill.isAlive()) {
            refill.interrupt();
            refill.join();
        }
        synchronized (this) {
            left = new ArrayList<>(idle);
            idle.clear();
        }
        left.forEach(members::discard);
    }

    private void refillLoop() {
        long backoff = 0;
        while (true) {
            synchronized (this) {
                while (!closed && idle.size() + making >= size) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // closed: checked below
                    }
                }
                if (closed) {
                    return;
                }
                making++;
            }
            backoff = makeOne(backoff);
            if (backoff > 0 && !pause(backoff)) {
                return;
            }
        }
    }

    /** Makes one member; returns the backoff before the next attempt (0 after a success). */
    private long makeOne(long backoff) {
        M m = null;
        Exception failure = null;
        try {
            m = members.make();
        } catch (Exception e) {
            failure = e;
        }
        synchronized (this) {
            making--;
            if (m != null && !closed) {
                idle.addLast(m);
                made++;
                notifyAll();
                return 0;
            }
            if (failure != null) {
                failed++;
                lastFailure = failure;
            }
        }
        if (m != null) {
            members.discard(m);  // the pool closed while it was made
        }
        return failure == null ? 0 : Math.min(MAX_BACKOFF_MILLIS, Math.max(100, backoff * 2));
    }

    /** Waits before the next attempt after a failure; false once the pool is closed (close() wakes it). */
    private synchronized boolean pause(long millis) {
        try {
            long end = System.nanoTime() + millis * 1_000_000;
            for (long left = millis; !closed && left > 0; left = (end - System.nanoTime()) / 1_000_000) {
                wait(left);
            }
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
