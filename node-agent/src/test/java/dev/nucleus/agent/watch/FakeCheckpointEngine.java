package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.CheckpointMetadata;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A recording CheckpointEngine over the {@link FakeEngine}: a "dump" writes a directory with a manifest file and,
 * without leaveRunning, stops the fake sandbox the way CRIU kills the tree (exit 137). It can fail the next dump
 * with CRIU-like log lines, or block one until released (an agent dying mid-dump).
 */
final class FakeCheckpointEngine implements CheckpointEngine {
  static final String DIGEST = "sha256:" + "ab".repeat(32);
  private final FakeEngine sandboxes;
  final List<String> dumps = new CopyOnWriteArrayList<>();
  private volatile EngineException nextFailure;
  private volatile CountDownLatch block;

  FakeCheckpointEngine(FakeEngine sandboxes) {
    this.sandboxes = sandboxes;
  }

  void failNext(String reason, String message) {
    nextFailure = new EngineException(reason, message);
  }

  /** The next dump writes its image, then hangs until the agent is closed (interrupted). */
  void hangNextAfterWriting() {
    block = new CountDownLatch(1);
  }

  @Override
  public Image checkpoint(String sandboxUid, String sandboxName, NucleusSandboxSpec spec, Path dir,
      boolean leaveRunning, boolean replaceLeftover) throws EngineException {
    dumps.add(sandboxUid + " " + dir);
    EngineException failure = nextFailure;
    if (failure != null) {
      nextFailure = null;
      throw failure;
    }
    if (sandboxes.facts(sandboxUid).filter(f -> f.state() == SandboxFacts.State.RUNNING).isEmpty()) {
      throw new EngineException(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + sandboxName + " is not running");
    }
    write(dir);
    if (!leaveRunning) {
      sandboxes.exit(sandboxUid, 137, "count 41\n"); // CRIU kills the dumped tree; the monitor records SIGKILL
    }
    CountDownLatch latch = block;
    if (latch != null) {
      block = null;
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("agent stopped during the dump");
      }
    }
    return image(dir, 1234L);
  }

  @Override
  public Optional<Image> verify(Path dir) {
    return Files.isRegularFile(dir.resolve("manifest.sig")) ? Optional.of(image(dir, 0)) : Optional.empty();
  }

  @Override
  public void delete(Path dir) throws EngineException {
    dumps.add("delete " + dir);
    CheckpointDirectories.deleteTree(dir);
  }

  private static void write(Path dir) {
    try {
      Files.createDirectories(dir.resolve("images"));
      Files.writeString(dir.resolve("images").resolve("pages-1.img"), "pages");
      Files.writeString(dir.resolve("manifest.sig"), "hmac-sha256 test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Image image(Path dir, long durationMillis) {
    return new Image(dir.toString(), DIGEST, 4096, durationMillis, 12L,
        new CheckpointMetadata().setContainerId("nsb-test").setContainerName("counter").setOriginalPid(4001L)
            .setCommand(List.of("/bin/sh", "-c", "count")).setCheckpointAt("2026-11-29T23:00:00Z")
            .setVersion("development").setUsingGvisor(false).setRootless(false));
  }
}
