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
    private volatile long millis = -1;

    private PageCheck() {
    }

    /** Starts hashing the deferred files of {@code verified} on a daemon thread. */
    static PageCheck start(CheckpointManifest.Verified verified) {
        PageCheck check = new PageCheck();
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            try {
                verified.verifyDeferred();
                check.millis = (System.nanoTime() - start) / 1_000_000;
                check.future.complete(null);
            } catch (CheckpointException | RuntimeException e) {
                check.millis = (System.nanoTime() - start) / 1_000_000;
                check.future.completeExceptionally(e);
            }
        }, "restore-page-check");
        t.setDaemon(true);
        t.start();
        return check;
    }

    CompletableFuture<Void> future() {
        return future;
    }

    /** Wall-clock milliseconds the hashing took, or -1 while it runs. */
    long millis() {
        return millis;
    }

    /** Waits for the outcome: empty when every page image matched, else the refusal (DigestMismatch, IoFailed). */
    Optional<CheckpointException> failure() {
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
