package dev.nucleus.agent.checkpoint;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The hashing of a restore's page images, started before criu and running alongside it; its outcome is the
 * restore gate's answer. One check serves every attempt of a restore (a failed attempt is retried with criu's
 * full log; the pages are not hashed twice).
 */
final class PageCheck {

    private final CompletableFuture<Void> future = new CompletableFuture<>();
    private final CheckpointManifest.Verified verified;
    private volatile long millis = -1;
    private boolean started;

    /** A check of the deferred files of {@code verified}, started by {@link #start()}. */
    PageCheck(CheckpointManifest.Verified verified) {
        this.verified = verified;
    }

    /**
     * Starts hashing on a daemon thread, once (a retried restore reuses the running or finished check). Called just
     * before criu starts: earlier it would only compete with the root extraction for the CPU.
     */
    synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            try {
                verified.verifyDeferred();
                millis = (System.nanoTime() - start) / 1_000_000;
                future.complete(null);
            } catch (CheckpointException | RuntimeException e) {
                millis = (System.nanoTime() - start) / 1_000_000;
                future.completeExceptionally(e);
            }
        }, "restore-page-check");
        t.setDaemon(true);
        t.start();
    }

    CompletableFuture<Void> future() {
        return future;
    }

    /** Wall-clock milliseconds the hashing took, or -1 while it runs. */
    long millis() {
        return millis;
    }

    /** Waits for the outcome (starting the check if nobody did): empty when every page image matched, else the refusal (DigestMismatch, IoFailed). */
    Optional<CheckpointException> failure() {
        start();
        try {
            future.get();
            return Optional.empty();
        } catch (ExecutionException | CompletionException e) {
            return Optional.of(e.getCause() instanceof CheckpointException c ? c
                    : new CheckpointException(CheckpointException.Reason.IoFailed, "page check failed: " + e.getCause(),
                            e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(new CheckpointException(CheckpointException.Reason.IoFailed,
                    "interrupted while checking the page images", e));
        }
    }
}
