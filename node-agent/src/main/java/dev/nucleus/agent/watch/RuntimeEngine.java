package dev.nucleus.agent.watch;

import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.checkpoint.CheckpointService;
import dev.nucleus.agent.checkpoint.RuntimeRestoreMonitor;
import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxPolicies;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.IdRangeAllocator;
import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.api.v1alpha1.Isolation;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.Usage;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The production {@link SandboxEngine}: the isolation core's {@link SandboxRuntime}, with each sandbox's state
 * directory named after its object's UID ({@code nsb-<uid hex>}) so a restarted agent finds it again.
 */
public final class RuntimeEngine implements SandboxEngine {
  private static final String PREFIX = "nsb-";
  private static final Pattern ID = Pattern.compile("nsb-[0-9a-f]{32}");
  /** Same cap as the API's logTail description. */
  static final int LOG_TAIL_BYTES = 4096;
  private static final Set<String> API_REASONS = apiReasons();

  private final SandboxRuntime runtime;
  private final SandboxPolicies policies;
  private final UsageSource usage;
  private final CheckpointService restorer;

  /** Reads a sandbox's cgroup usage by its id; empty when it has no cgroup. */
  @FunctionalInterface
  public interface UsageSource {
    Optional<dev.nucleus.agent.cgroup.Usage> read(String sandboxId);
  }

  /** An engine over {@code runtime}, whose sandboxes' cgroups {@code policies} finds (the runtime's own policies). */
  public RuntimeEngine(SandboxRuntime runtime, SandboxPolicies policies, UsageSource usage) {
    this(runtime, policies, usage, null);
  }

  /** An engine that also restores from checkpoints through {@code restorer} (null: restores are refused). */
  public RuntimeEngine(SandboxRuntime runtime, SandboxPolicies policies, UsageSource usage,
      CheckpointService restorer) {
    this.runtime = runtime;
    this.policies = policies;
    this.usage = usage;
    this.restorer = restorer;
  }

  /** The state directory name of a UID: a DNS label, as the runtime requires. */
  static String sandboxId(String uid) {
    return PREFIX + uid.replace("-", "").toLowerCase();
  }

  @Override
  public SandboxFacts start(SandboxKey key, NucleusSandboxSpec spec) throws EngineException {
    String id = sandboxId(key.uid());
    SandboxConfig config = SpecTranslator.translate(id, spec);
    try {
      runtime.launch(config);
    } catch (LaunchException e) {
      throw new EngineException(apiReason(e.reason(), e.getMessage()), e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new EngineException(Reasons.INVALID_SPEC, e.getMessage());
    }
    return observe(key.uid()).orElseThrow(() ->
        new EngineException(Reasons.LAUNCH_FAILED, "sandbox " + id + " launched but left no state behind"));
  }

  /**
   * Restores into the sandbox's own state directory ({@code nsb-<uid hex>}) through the runtime's restore mode: the
   * launcher runs criu, which brings the tree back in new cgroups with the recorded limits, and stays its monitor,
   * so usage, stop, removal and the exit code work as for a launched sandbox. The image must be the one whose digest
   * the checkpoint's status shows.
   */
  @Override
  public SandboxFacts restore(SandboxKey key, RestoreSource source) throws EngineException {
    if (restorer == null) {
      throw new EngineException(Reasons.CRIU_UNAVAILABLE, "this node agent runs without CRIU; cannot restore");
    }
    String id = sandboxId(key.uid());
    CheckpointService.Restored r;
    try {
      r = RuntimeRestoreMonitor.restoreInto(restorer, runtime, id, source.location(), Map.of(),
          source.acceptLandlockLoss());
    } catch (CheckpointException e) {
      throw RestoredRecords.failure(e);
    }
    if (!r.digest().equals(source.digest())) {
      remove(key.uid());
      throw new EngineException(Reasons.CHECKPOINT_CORRUPT, "the image at " + source.location() + " has digest "
          + r.digest() + ", not " + source.digest() + " as " + source.checkpoint() + " says; removed again");
    }
    try {
      RestoredRecords.rememberImage(runtime.stateDirectory().open(id), r.metadata());
    } catch (IOException e) {
      remove(key.uid());
      throw new EngineException(Reasons.RESTORE_FAILED, "restored " + id + " but could not record its image: "
          + e.getMessage() + "; removed again");
    }
    return observe(key.uid()).orElseThrow(() ->
        new EngineException(Reasons.RESTORE_FAILED, "sandbox " + id + " restored but left no state behind"));
  }

  @Override
  public Optional<SandboxFacts> observe(String uid) throws EngineException {
    String id = sandboxId(uid);
    try {
      if (!runtime.stateDirectory().exists(id)) {
        return Optional.empty();
      }
      if (!recorded(id)) {
        return Optional.of(SandboxFacts.incomplete(id));
      }
      SandboxInfo info = runtime.inspect(id);
      SandboxRecord r = info.record();
      Instant started = Instant.ofEpochMilli(r.createdAtMillis());
      Isolation isolation = isolation(r);
      String restored = RestoredRecords.reason(r);
      return Optional.of(switch (info.state()) {
        case Running -> SandboxFacts.running(id, r.initPid(), started, isolation, usage(id)).withReason(restored);
        case Lost -> SandboxFacts.lost(id, r.initPid(), started, null);
        case Exited -> exited(id, r, started, isolation, info.exit().orElseThrow());
      });
    } catch (IOException e) {
      throw new EngineException(AgentReasons.STATE_REFUSED, "state of sandbox " + id + " unreadable: " + e.getMessage(), e);
    }
  }

  @Override
  public void stop(String uid, Duration grace) throws EngineException {
    String id = sandboxId(uid);
    try {
      if (runtime.stateDirectory().exists(id) && recorded(id)
          && runtime.inspect(id).state() == SandboxInfo.State.Running) {
        runtime.stop(id, grace); // an unrecorded (interrupted) launch has no pids to signal: remove kills it
      }
    } catch (IOException e) {
      throw new EngineException(Reasons.LAUNCH_FAILED, "stopping sandbox " + id + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException(Reasons.LAUNCH_FAILED, "stopping sandbox " + id + " was interrupted", e);
    }
  }

  @Override
  public void remove(String uid) throws EngineException {
    String id = sandboxId(uid);
    try {
      if (runtime.stateDirectory().exists(id)) {
        if (!recorded(id)) {
          removeIncomplete(uid);
          return;
        }
        runtime.remove(id);
      }
    } catch (IOException e) {
      throw new EngineException(Reasons.LAUNCH_FAILED, "removing sandbox " + id + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException(Reasons.LAUNCH_FAILED, "removing sandbox " + id + " was interrupted", e);
    }
  }

  /** Whether the launch or restore of {@code id} got as far as its state file (a symlink there is refused later). */
  private boolean recorded(String id) throws IOException {
    return Files.exists(runtime.stateDirectory().open(id).stateFile(), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Removes what a launch or restore left when the agent died before the state file was written. The launcher
   * monitoring it goes first (SIGKILL: it then writes nothing more into the directory), then everything in the
   * sandbox's cgroups (init, workload, a restoring criu) and the cgroups, then the directory and its user-namespace
   * id range. A mount left under the directory is refused, never deleted through.
   */
  @Override
  public String removeIncomplete(String uid) throws EngineException {
    String id = sandboxId(uid);
    try {
      if (!runtime.stateDirectory().exists(id)) {
        return "nothing (already gone)";
      }
      SandboxPaths paths = runtime.stateDirectory().open(id);
      if (recorded(id)) {
        throw new EngineException(Reasons.LAUNCH_FAILED, "sandbox " + id + " has a state file: not an interrupted launch");
      }
      List<String> removed = new ArrayList<>();
      List<ProcessHandle> launchers = IncompleteSandboxes.launchersHolding(paths.dir(),
          runtime.stateDirectory().root().resolve("bin"));
      launchers.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle launcher : launchers) {
        launcher.onExit().get(10, TimeUnit.SECONDS);
      }
      if (!launchers.isEmpty()) {
        removed.add(launchers.size() + " launcher process" + (launchers.size() == 1 ? "" : "es"));
      }
      Optional<SandboxPolicies.CgroupHandle> cgroup = policies.findCgroup(id);
      if (cgroup.isPresent()) {
        long processes = processesIn(cgroup.get());
        int directories = cgroup.get().directories().size();
        cgroup.get().kill();
        cgroup.get().remove();
        removed.add(processes + " process" + (processes == 1 ? "" : "es") + " in its cgroups, its " + directories
            + " cgroup directories");
      }
      List<String> mounts = IncompleteSandboxes.mountsUnder(paths.dir());
      if (!mounts.isEmpty()) {
        throw new EngineException(Reasons.LAUNCH_FAILED, "the interrupted launch of " + id + " left mounts under its"
            + " directory (" + String.join(", ", mounts) + "); the directory is kept until they are unmounted");
      }
      runtime.stateDirectory().delete(id);
      removed.add("its state directory");
      IdRangeAllocator ranges = new IdRangeAllocator(runtime.stateDirectory());
      if (ranges.lookup(id).isPresent()) {
        ranges.release(id);
        removed.add("its user-namespace id range");
      }
      return String.join(", ", removed);
    } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
      throw new EngineException(Reasons.LAUNCH_FAILED, "removing the interrupted launch of " + id + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException(Reasons.LAUNCH_FAILED, "removing the interrupted launch of " + id + " was interrupted", e);
    }
  }

  private static long processesIn(SandboxPolicies.CgroupHandle cgroup) throws IOException {
    Set<String> pids = new HashSet<>();
    for (Path procs : cgroup.procsFiles()) {
      if (Files.exists(procs)) {
        Files.readAllLines(procs).stream().filter(l -> !l.isBlank()).forEach(pids::add);
      }
    }
    return pids.size();
  }

  @Override
  public List<String> known() throws EngineException {
    List<String> uids = new ArrayList<>();
    try {
      for (String id : runtime.stateDirectory().list()) {
        if (ID.matcher(id).matches()) {
          String hex = id.substring(PREFIX.length());
          uids.add(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
              + hex.substring(16, 20) + "-" + hex.substring(20));
        }
      }
    } catch (IOException e) {
      throw new EngineException(AgentReasons.STATE_REFUSED, "sandbox state directory unreadable: " + e.getMessage(), e);
    }
    return uids;
  }

  private SandboxFacts exited(String id, SandboxRecord r, Instant started, Isolation isolation, ExitStatus exit)
      throws IOException {
    String reason = switch (exit.reason()) {
      case ExitStatus.OOM_KILLED -> Reasons.OOM_KILLED;
      case ExitStatus.DEADLINE_EXCEEDED -> Reasons.DEADLINE_EXCEEDED;
      default -> null; // Completed, Error, Signaled: the exit code says it, StatusPatches words it
    };
    Instant finished = exit.finishedAtMillis() > 0 ? Instant.ofEpochMilli(exit.finishedAtMillis()) : Instant.now();
    return SandboxFacts.running(id, r.initPid(), started, isolation, null)
        .exited(finished, exit.shellCode(), reason, null, usage(id), logTail(runtime.stateDirectory().open(id)));
  }

  /** The cgroup's reading in API form; a value the node does not account (-1) is left out, not faked. */
  private Usage usage(String id) {
    return usage.read(id).map(u -> new Usage()
        .setMemoryCurrentBytes(u.memoryCurrentBytes() < 0 ? null : u.memoryCurrentBytes())
        .setMemoryPeakBytes(u.memoryPeakBytes() < 0 ? null : u.memoryPeakBytes())
        .setCpuSeconds(u.cpuSeconds() < 0 ? null : u.cpuSeconds())
        .setPids(u.pidsCurrent() < 0 ? null : u.pidsCurrent())).orElse(null);
  }

  /** The last lines of stdout, then of stderr, within {@link #LOG_TAIL_BYTES} in total. */
  static String logTail(SandboxPaths paths) throws IOException {
    String out = tail(paths.stdoutLog(), LOG_TAIL_BYTES / 2);
    String err = tail(paths.stderrLog(), LOG_TAIL_BYTES / 2);
    return err.isEmpty() ? out : out + (out.isEmpty() || out.endsWith("\n") ? "" : "\n") + err;
  }

  private static String tail(Path log, int max) throws IOException {
    if (!Files.exists(log, LinkOption.NOFOLLOW_LINKS)) {
      return "";
    }
    try (SeekableByteChannel in = Files.newByteChannel(log, Set.<OpenOption>of(StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS))) {
      long start = Math.max(0, in.size() - max);
      in.position(start);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(max, in.size()));
      while (buffer.hasRemaining() && in.read(buffer) > 0) {
        // read to the end of the window
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      int newline = text.indexOf('\n');
      // Cut at a line start so the tail never opens with half a line (or half a UTF-8 character).
      return start > 0 && newline >= 0 ? text.substring(newline + 1) : text;
    }
  }

  /** The runtime's own description of the walls, mapped onto the API's {@link Isolation}. */
  @SuppressWarnings("unchecked")
  static Isolation isolation(SandboxRecord r) {
    Map<String, Object> m = r.isolation() == null ? Map.of() : r.isolation();
    Isolation iso = new Isolation().setRuntime("Native").setCgroupVersion(r.cgroupVersion());
    if (m.get("namespaces") instanceof List<?> ns) {
      iso.setNamespaces(ns.stream().map(String::valueOf).toList());
    }
    if (m.get("network") instanceof String net) {
      iso.setNetworkMode(net);
    }
    if (m.containsKey("userNamespace")) {
      iso.setUserNamespace(!"none".equals(m.get("userNamespace")));
    }
    if (m.get("capabilities") instanceof List<?> caps) {
      iso.setCapabilities(caps.stream().map(String::valueOf).toList());
    }
    if (m.get("seccomp") instanceof Map<?, ?> seccomp) {
      iso.setSeccompProfile(String.valueOf(seccomp.get("profile")));
      if (seccomp.get("allowedSyscalls") instanceof Number n) {
        iso.setSeccompSyscallCount(n.intValue());
      }
    }
    Object landlock = m.get("landlock");
    iso.setLandlockEnforced(landlock instanceof Map<?, ?>);
    if (landlock instanceof Map<?, ?> l) {
      int rules = 0;
      for (String k : List.of("pathRules", "portRules")) {
        if (l.get(k) instanceof Number n) {
          rules += n.intValue();
        }
      }
      iso.setLandlockRuleCount(rules);
      if (l.get("abi") instanceof Number abi) {
        iso.setLandlockAbi(abi.intValue());
      }
    } else {
      iso.setLandlockAbi(0);
    }
    return iso;
  }

  /** A reason the API documents passes through; any other runtime reason is reported as LaunchFailed. */
  static String apiReason(String runtimeReason, String message) {
    if (runtimeReason != null && API_REASONS.contains(runtimeReason)) {
      return runtimeReason;
    }
    return switch (runtimeReason == null ? "" : runtimeReason) {
      case "CgroupsUnavailable", "CgroupJoinFailed" -> Reasons.CGROUP_UNAVAILABLE;
      case "SeccompUnavailable", "SeccompFailed" -> Reasons.SECCOMP_UNSUPPORTED;
      case "LandlockFailed", "InvalidLandlock" -> Reasons.LANDLOCK_UNSUPPORTED;
      case "InvalidMount" -> message != null && message.startsWith("rootfs") ? Reasons.ROOTFS_MISSING
          : Reasons.VOLUME_REFUSED;
      default -> Reasons.LAUNCH_FAILED;
    };
  }

  private static Set<String> apiReasons() {
    Set<String> reasons = new HashSet<>();
    for (Field f : Reasons.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          reasons.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Set.copyOf(reasons);
  }
}
