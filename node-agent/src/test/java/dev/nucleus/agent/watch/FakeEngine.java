package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.Isolation;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A recording in-memory engine for the watch loop's tests. Its sandboxes "outlive" an agent the way real
 * ones do: the same instance is handed to the next agent, which must adopt rather than start again.
 */
final class FakeEngine implements SandboxEngine {
  private final Map<String, SandboxFacts> sandboxes = new ConcurrentHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  private final AtomicLong nextPid = new AtomicLong(4000);
  private final AtomicLong cpuTicks = new AtomicLong();
  private volatile EngineException nextStartFailure;
  private volatile CountDownLatch startGate;

  static Isolation isolation() {
    return new Isolation().setNamespaces(List.of("pid", "mount", "uts", "ipc", "cgroup", "net"))
        .setSeccompProfile("Default").setSeccompSyscallCount(300).setLandlockAbi(7).setLandlockRuleCount(9)
        .setCgroupVersion("hybrid").setRuntime("Native").setNetworkMode("None").setUserNamespace(false)
        .setCapabilities(List.of());
  }

  /** Launches from now on take until the returned latch is counted down (a slow launch). */
  CountDownLatch holdStarts() {
    CountDownLatch gate = new CountDownLatch(1);
    startGate = gate;
    return gate;
  }

  void failNextStart(String reason, String message) {
    nextStartFailure = new EngineException(reason, message);
  }

  /** The workload exits on its own, as it would while no agent watches. */
  void exit(String uid, int code, String tail) {
    sandboxes.computeIfPresent(uid, (u, f) -> f.exited(Instant.now(), code, null, null, usage(), tail));
  }

  int starts(String uid) {
    return (int) calls.stream().filter(c -> c.equals("start " + uid)).count();
  }

  boolean hasTrace(String uid) {
    return sandboxes.containsKey(uid);
  }

  Optional<SandboxFacts> facts(String uid) {
    return Optional.ofNullable(sandboxes.get(uid));
  }

  @Override
  public SandboxFacts start(SandboxKey key, NucleusSandboxSpec spec) throws EngineException {
    calls.add("start " + key.uid());
    CountDownLatch gate = startGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException(Reasons.LAUNCH_FAILED, "interrupted while held");
      }
    }
    EngineException failure = nextStartFailure;
    if (failure != null) {
      nextStartFailure = null;
      throw failure;
    }
    if (sandboxes.containsKey(key.uid())) {
      throw new IllegalStateException("started twice: " + key); // the property the agent must guarantee
    }
    SandboxFacts facts = SandboxFacts.running("sb-" + key.uid().substring(0, 8), nextPid.incrementAndGet(),
        Instant.now(), isolation(), usage());
    sandboxes.put(key.uid(), facts);
    return facts;
  }

  /** A restore "brings back" a running sandbox; Landlock is lost when the source accepted that. */
  @Override
  public SandboxFacts restore(SandboxKey key, RestoreSource source) throws EngineException {
    calls.add("restore " + key.uid() + " " + source.location() + " " + source.digest());
    EngineException failure = nextStartFailure;
    if (failure != null) {
      nextStartFailure = null;
      throw failure;
    }
    if (!source.acceptLandlockLoss()) {
      throw new EngineException(Reasons.LANDLOCK_RESTORE_REFUSED, "the checkpointed sandbox ran with Landlock rules");
    }
    if (sandboxes.containsKey(key.uid())) {
      throw new IllegalStateException("restored twice: " + key);
    }
    SandboxFacts facts = SandboxFacts.running("sb-" + key.uid().substring(0, 8), nextPid.incrementAndGet(),
        Instant.now(), isolation().setLandlockEnforced(false).setLandlockAbi(0).setLandlockRuleCount(0), usage())
        .withReason(Reasons.LANDLOCK_NOT_RESTORED);
    sandboxes.put(key.uid(), facts);
    return facts;
  }

  @Override
  public Optional<SandboxFacts> observe(String uid) {
    // Atomic, so an exit() racing with a usage refresh is never overwritten by the stale running facts.
    return Optional.ofNullable(sandboxes.computeIfPresent(uid,
        (u, f) -> f.state() == SandboxFacts.State.RUNNING ? f.withUsage(usage()) : f));
  }

  @Override
  public void stop(String uid, Duration grace) {
    calls.add("stop " + uid);
    sandboxes.computeIfPresent(uid, (u, f) -> f.state() == SandboxFacts.State.RUNNING
        ? f.exited(Instant.now(), 143, Reasons.STOPPED, "stopped on request", usage(), "") : f);
  }

  @Override
  public void remove(String uid) {
    calls.add("remove " + uid);
    sandboxes.remove(uid);
  }

  /** What an agent that died mid-launch leaves: a trace of the sandbox that no launch recorded. */
  void leaveIncomplete(String uid) {
    sandboxes.put(uid, SandboxFacts.incomplete(RuntimeEngine.sandboxId(uid)));
  }

  @Override
  public String removeIncomplete(String uid) {
    calls.add("removeIncomplete " + uid);
    sandboxes.remove(uid);
    return "the fake's leftovers";
  }

  @Override
  public List<String> known() {
    return new ArrayList<>(sandboxes.keySet());
  }

  private Usage usage() {
    long t = cpuTicks.incrementAndGet();
    return new Usage().setMemoryCurrentBytes(1_048_576L * t).setMemoryPeakBytes(2_097_152L * t)
        .setCpuSeconds(t / 100.0).setPids(1L);
  }
}
