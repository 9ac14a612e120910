package dev.nucleus.agent.watch;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.checkpoint.CheckpointKey;
import dev.nucleus.agent.checkpoint.CheckpointService;
import dev.nucleus.agent.checkpoint.CriuConfig;
import dev.nucleus.agent.checkpoint.CriuRunner;
import dev.nucleus.agent.checkpoint.RestoreCgroups;
import dev.nucleus.agent.node.MemInfo;
import dev.nucleus.agent.node.NodeCapabilities;
import dev.nucleus.agent.node.NodeProbe;
import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.PoolShape;
import dev.nucleus.agent.runtime.SandboxRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nucleus agent}: the DaemonSet half of Nucleus. Runs until SIGTERM; stopping it leaves the sandboxes
 * running for the next agent to adopt.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = {"Run the node agent: run the sandboxes the operator assigns to this node (label "
        + "nucleus.dev/node=$NODE_NAME), report their status, keep the Lease nucleus-agent-$NODE_NAME fresh.",
        "Identity comes from the environment: NODE_NAME (required), NUCLEUS_NAMESPACE, NUCLEUS_STATE_DIR."})
public final class AgentCommand implements Callable<Integer> {
  /** A bound on --warm-pool: every member is a running init and monitor with their namespaces and cgroups. */
  static final int MAX_WARM_POOL = 256;

  @Option(names = "--state-dir", description = "State directory (default: $NUCLEUS_STATE_DIR or /var/lib/nucleus).")
  Path stateDir;

  @Option(names = "--cgroup-root", defaultValue = CgroupManager.DEFAULT_ROOT,
      description = "Cgroup below the agent's own under which sandboxes are nested (default: ${DEFAULT-VALUE}).")
  String cgroupRoot;

  @Option(names = "--metrics-port", defaultValue = "9400", description = "Port of /healthz and /metrics.")
  int metricsPort;

  @Option(names = "--lease-renew-seconds", defaultValue = "5", description = "How often the Lease is renewed.")
  long renewSeconds;

  @Option(names = "--lease-duration-seconds", defaultValue = "15",
      description = "How long the operator trusts one renewal.")
  long leaseSeconds;

  @Option(names = "--usage-refresh-seconds", defaultValue = "5",
      description = "How often usage of running sandboxes is written to status.")
  long usageSeconds;

  @Option(names = "--workers", defaultValue = "" + AgentConfig.DEFAULT_WORKERS,
      description = "Sandboxes reconciled in parallel at most; workers start as needed (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--warm-pool", defaultValue = "0",
      description = "Pre-made sandboxes kept ready for launches of the pool's shape (host rootfs, no volumes, no user "
          + "namespace, network None); 0, the default, keeps none (docs/cli.md, \"Warm pool\").")
  int warmPool;

  @Override
  public Integer call() throws Exception {
    AgentConfig config;
    try {
      config = AgentConfig.fromEnvironment(System.getenv())
          .withIntervals(Duration.ofSeconds(renewSeconds), Duration.ofSeconds(leaseSeconds),
              Duration.ofSeconds(usageSeconds))
          .withMetricsPort(metricsPort).withWorkers(workers);
      if (stateDir != null) {
        config = config.withStateDir(stateDir);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("nucleus agent: " + e.getMessage());
      return 2;
    }
    if (warmPool < 0 || warmPool > MAX_WARM_POOL) {
      System.err.println("nucleus agent: --warm-pool must be between 0 and " + MAX_WARM_POOL + ", got " + warmPool);
      return 2;
    }
    NodeCapabilities capabilities = new NodeProbe().probe();
    NodeAdvertisement advertisement = NodeAdvertisement.of(capabilities, memoryTotalBytes());
    CgroupManager cgroups = CgroupManager.system(cgroupRoot);
    NodePolicies policies = NodePolicies.system(cgroupRoot);
    // Launchers fork from a zygote: no JVM spawn per launch, and no JVM thread waiting on each sandbox's monitor
    // (a spawned launcher is this JVM's child, which the JDK reaps with one thread per live child).
    SandboxRuntime runtime = SandboxRuntime.open(config.stateDir(), policies, true);
    if (warmPool > 0) {
      runtime.enableWarmPool(warmPool, PoolShape.NETWORK_NONE);
    }
    CheckpointEngine criu;
    RuntimeEngine engine;
    try {
      CheckpointKey key = signingKey(System.getenv(), config.stateDir());
      String version = AgentCommand.class.getPackage().getImplementationVersion();
      CheckpointService service = new CheckpointService(new CriuRunner(CriuConfig.fromEnvironment()), key,
          RestoreCgroups.of(cgroups), config.nodeName(), version == null ? "development" : version);
      criu = new CriuCheckpointEngine(runtime, service, key);
      engine = new RuntimeEngine(runtime, policies, usageSource(runtime, cgroups), service);
    } catch (CheckpointException e) {
      System.err.println("nucleus agent: checkpoint signing key: " + e.getMessage());
      runtime.close();
      return 1;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    NodeAgent agent;
    try {
      agent = NodeAgent.start(client, config, engine, criu, () -> advertisement, Clock.systemUTC());
    } catch (IOException | EngineException | RuntimeException e) {
      client.close();
      runtime.close();
      System.err.println("nucleus agent: " + e.getMessage());
      return 1;
    }
    // The hook stops the agent and its zygote, never the sandboxes: they run on and the next agent adopts them.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      client.close();
      try {
        runtime.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "nucleus-agent-shutdown"));
    Thread.currentThread().join();
    return 0;
  }

  /**
   * Usage from a sandbox's cgroups, found through the runtime's record: a sandbox that claimed a warm-pool member keeps
   * the member's cgroups ({@code pool.<id>}; cgroup v2 cannot rename them), any other's are named after it.
   */
  static RuntimeEngine.UsageSource usageSource(SandboxRuntime runtime, CgroupManager cgroups) {
    return id -> {
      try {
        return Optional.of(cgroups.open(runtime.cgroupName(id)).usage());
      } catch (RuntimeException e) {
        return Optional.empty(); // no cgroup (none requested or already removed): no usage to report
      }
    };
  }

  /**
   * The cluster's checkpoint signing key, resolved as the CLI does without --key: the file named by
   * $NUCLEUS_SIGNING_KEY (the chart mounts the Secret there), else {@code <state>/checkpoint.key}, generated once
   * (0600), which makes checkpoints verifiable on this node only.
   */
  static CheckpointKey signingKey(java.util.Map<String, String> env, Path stateDir) throws CheckpointException {
    String file = env.get("NUCLEUS_SIGNING_KEY");
    if (file != null && !file.isBlank()) {
      return CheckpointKey.load(Path.of(file));
    }
    Path local = stateDir.resolve("checkpoint.key");
    return Files.exists(local, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? CheckpointKey.load(local)
        : CheckpointKey.generate(local);
  }

  /** MemTotal from /proc/meminfo: what placement may commit on this node. */
  static long memoryTotalBytes() throws IOException {
    return MemInfo.read().bytes("MemTotal").orElseThrow(() -> new IOException("/proc/meminfo has no MemTotal line"));
  }

  /** Runs the agent alone (the {@code nucleus} CLI registers this class as its {@code agent} subcommand). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentCommand()).execute(args));
  }
}
