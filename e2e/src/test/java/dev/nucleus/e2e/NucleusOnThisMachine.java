package dev.nucleus.e2e;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.testing.controlplane.CommandResult;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Nucleus installed on the real control plane the way docs/install.md tells a user to, with this machine as its
 * only node: the CRDs and the chart through kubectl and helm, a Node object (no kubelet runs here), and the operator
 * and agent as processes on this machine instead of pods, each authenticated as its own chart ServiceAccount.
 */
final class NucleusOnThisMachine implements AutoCloseable {
  static final String NAMESPACE = "nucleus-system";
  static final String RELEASE = "nucleus";
  static final String OPERATOR_SA = "nucleus-operator";
  static final String AGENT_SA = "nucleus-agent";
  static final String SIGNING_SECRET = "nucleus-agent-signing";
  static final Duration WAIT = Duration.ofSeconds(120);
  /** System property: extra {@code nucleus agent} arguments (e.g. {@code --workers 8}), for benchmark variants. */
  static final String AGENT_ARGS = "agent.args";
  /** System property: the agent's JVM options instead of bin/nucleus's defaults (NUCLEUS_JAVA_OPTS). */
  static final String AGENT_JAVA_OPTS = "agent.javaOpts";

  final KubeControlPlane plane;
  final String node;
  final Path stateDir;
  final String cgroupRoot = "nucleus-e2e-" + ProcessHandle.current().pid();
  final NodeTraces traces;
  private final Path logs = Repo.logs();
  private final Path secrets;
  private ChildProcess operator;
  private ChildProcess agent;
  private int agentStarts;
  private int agentMetricsPort;

  NucleusOnThisMachine(KubeControlPlane plane) {
    this.plane = plane;
    this.node = nodeName();
    try {
      // 0711 as on a node: a user-namespaced sandbox's root must traverse it, nobody may list it.
      this.stateDir = Files.createTempDirectory("nucleus-e2e-state-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
      this.secrets = Files.createTempDirectory("nucleus-e2e-secrets-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the node's directories", e);
    }
    this.traces = new NodeTraces(stateDir);
  }

  /** The machine's host name when it is a valid node name, as kubelet would register it. */
  private static String nodeName() {
    try {
      String host = InetAddress.getLocalHost().getHostName().toLowerCase();
      return host.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?") ? host : "e2e-node";
    } catch (IOException e) {
      return "e2e-node";
    }
  }

  CommandResult kubectl(String... args) {
    return plane.kubectl(args);
  }

  /** Writes a manifest under the logs directory (kept for a failed run) and returns its path. */
  Path manifest(String name, String yaml) {
    Path file = logs.resolve(name);
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** The Node object kubelet would register: the agent copies its labels into its Lease for nodeSelector. */
  void registerNode() {
    kubectl("apply", "-f", manifest("node.yaml", """
        apiVersion: v1
        kind: Node
        metadata:
          name: %s
          labels:
            kubernetes.io/hostname: %s
            kubernetes.io/os: linux
            nucleus.dev/e2e: "true"
        """.formatted(node, node)).toString()).orThrow();
  }

  /** The signing key as kubelet would mount it from the chart's Secret: one 0400 file. */
  Path signingKeyFile() {
    String b64 = kubectl("get", "secret", SIGNING_SECRET, "-n", NAMESPACE, "-o", "jsonpath={.data.key}")
        .orThrow().stdout().trim();
    Path key = secrets.resolve("signing-key");
    try {
      Files.deleteIfExists(key);
      Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--------")));
      Files.write(key, Base64.getDecoder().decode(b64));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + key, e);
    }
    return key;
  }

  /**
   * The operator's fast-jar, as the chart's Deployment runs it, with the operator ServiceAccount's token, awaited until
   * ready. It is started once: an operator that cannot reach or list from its API server stays up and unready while its
   * informers retry (docs/controller-flow.md), so one that exits is a bug and fails the test with its log.
   */
  void startOperator() {
    int port = startOperatorProcess();
    await("the operator to report ready on /q/health/ready", operator,
        () -> httpStatus("http://127.0.0.1:" + port + "/q/health/ready") == 200);
  }

  private int startOperatorProcess() {
    Path kubeconfig = ServiceAccountKubeconfig.write(plane, NAMESPACE, OPERATOR_SA, secrets.resolve("operator.kubeconfig"));
    int port = freePort();
    // -XX:TieredStopAtLevel=1: as the operator image runs it (its JAVA_TOOL_OPTIONS; docs/controller-flow.md, "JVM").
    operator = ChildProcess.start("operator",
        List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-jar", Repo.operatorJar().toString()),
        Map.of("KUBECONFIG", kubeconfig.toString(),
            "NUCLEUS_OPERATOR_NAMESPACE", NAMESPACE,
            "QUARKUS_HTTP_PORT", Integer.toString(port),
            "QUARKUS_LOG_LEVEL", "INFO"),
        logs.resolve("operator.log"));
    return port;
  }

  /** {@code nucleus agent} as the chart's DaemonSet runs it, with the agent ServiceAccount's token. */
  void startAgent() {
    Path kubeconfig = ServiceAccountKubeconfig.write(plane, NAMESPACE, AGENT_SA, secrets.resolve("agent.kubeconfig"));
    int port = freePort();
    agentMetricsPort = port;
    agentStarts++;
    List<String> command = new ArrayList<>(List.of(Repo.nucleusCli().toString(), "agent", "--cgroup-root",
        cgroupRoot, "--metrics-port", Integer.toString(port)));
    String extraArgs = System.getProperty(AGENT_ARGS, "").trim();
    if (!extraArgs.isEmpty()) {
      command.addAll(List.of(extraArgs.split("\\s+")));
    }
    Map<String, String> env = new java.util.HashMap<>(Map.of("KUBECONFIG", kubeconfig.toString(),
        "NODE_NAME", node,
        "NUCLEUS_NAMESPACE", NAMESPACE,
        "NUCLEUS_STATE_DIR", stateDir.toString(),
        "NUCLEUS_CHECKPOINT_DIR", stateDir.resolve("checkpoints").toString(),
        "NUCLEUS_SIGNING_KEY", signingKeyFile().toString()));
    String javaOpts = System.getProperty(AGENT_JAVA_OPTS);
    if (javaOpts != null) {
      env.put("NUCLEUS_JAVA_OPTS", javaOpts); // replaces bin/nucleus's agent defaults, as in a chart override
    }
    agent = ChildProcess.start("agent #" + agentStarts, command, env, logs.resolve("agent.log"));
    await("the agent to report healthy on /healthz", agent,
        () -> httpStatus("http://127.0.0.1:" + port + "/healthz") == 200);
  }

  /** The running agent's whole /metrics text. */
  String agentMetrics() {
    return httpGet("http://127.0.0.1:" + agentMetricsPort + "/metrics");
  }

  /** One unlabelled sample from the running agent's /metrics. */
  double agentMetric(String name) {
    String body = httpGet("http://127.0.0.1:" + agentMetricsPort + "/metrics");
    return body.lines().filter(l -> l.startsWith(name + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no sample " + name + " on the agent's /metrics:\n" + body));
  }

  /** What {@code nucleus logs} prints on this node for one sandbox: an administrator's view of its output. */
  String nodeLogs(String sandboxId) {
    try {
      Process p = new ProcessBuilder(Repo.nucleusCli().toString(), "--state-dir", stateDir.toString(),
          "--cgroup-root", cgroupRoot, "logs", sandboxId).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("nucleus logs " + sandboxId + " failed:\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run nucleus logs", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  ChildProcess agent() {
    return agent;
  }

  ChildProcess operator() {
    return operator;
  }

  /** The agent's Lease annotation, read as a user would. */
  String leaseAnnotation(String annotation) {
    return kubectl("get", "lease", NucleusNames.agentLeaseName(node), "-n", NAMESPACE,
        "-o", "jsonpath={.metadata.annotations." + annotation.replace(".", "\\.") + "}").orThrow().stdout();
  }

  /** One field of a sandbox, through kubectl's jsonpath. */
  String field(String kind, String name, String namespace, String jsonpath) {
    return kubectl("get", kind, name, "-n", namespace, "-o", "jsonpath={" + jsonpath + "}").orThrow().stdout();
  }

  /**
   * Runs kubectl wait in short rounds up to {@link #WAIT}, failing at once with both processes' logs when the
   * operator or the agent has died meanwhile, and with the object as YAML when the wait times out.
   */
  void await(String namespace, String target, String condition) {
    Instant deadline = Instant.now().plus(WAIT);
    CommandResult wait;
    do {
      requireRunning("kubectl wait " + target + " --for=" + condition);
      wait = kubectl("wait", target, "-n", namespace, "--for=" + condition, "--timeout=10s");
    } while (!wait.succeeded() && Instant.now().isBefore(deadline));
    if (!wait.succeeded()) {
      throw new AssertionError("kubectl wait " + target + " --for=" + condition + " failed:\n" + wait.describe()
          + "\n" + kubectl("get", target, "-n", namespace, "-o", "yaml").stdout() + "\n" + logTails());
    }
  }

  private void requireRunning(String during) {
    for (ChildProcess p : new ChildProcess[] {operator, agent}) {
      if (p != null && !p.isAlive()) {
        throw new AssertionError(p + " exited during " + during + "\n" + logTails());
      }
    }
  }

  String logTails() {
    StringBuilder out = new StringBuilder();
    for (ChildProcess p : new ChildProcess[] {operator, agent}) {
      if (p != null) {
        out.append(p.logTail(60)).append('\n');
      }
    }
    return out.toString();
  }

  void await(String what, ChildProcess process, BooleanSupplier done) {
    Instant deadline = Instant.now().plus(WAIT);
    while (!done.getAsBoolean()) {
      if (process != null && !process.isAlive()) {
        throw new AssertionError(what + ": the process exited\n" + logTails());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what + "\n" + logTails());
      }
      sleep(Duration.ofMillis(200));
    }
  }

  /**
   * Deletes every sandbox and checkpoint while operator and agent still run (their finalizers need both), stops
   * both processes, and removes the node's directories and the cgroup root once empty.
   */
  @Override
  public void close() {
    List<String> problems = new ArrayList<>();
    try {
      if (operator != null && agent != null && operator.isAlive() && agent.isAlive()) {
        for (String kind : List.of("nckpt", "nsb")) {
          deleteAll(kind, Duration.ofMinutes(10));
        }
      }
    } catch (RuntimeException | AssertionError e) {
      problems.add("deleting every object failed: " + e.getMessage());
    }
    for (ChildProcess p : new ChildProcess[] {agent, operator}) {
      if (p != null) {
        p.stop();
      }
    }
    for (Path dir : NodeTraces.cgroupDirectories(cgroupRoot)) {
      try {
        Files.delete(dir); // rmdir: fails if a sandbox cgroup is still inside, which is reported
      } catch (IOException e) {
        problems.add("cgroup root " + dir + " not removable: " + e);
      }
    }
    deleteTree(secrets);
    if (problems.isEmpty()) {
      deleteTree(stateDir); // kept when something failed, for a look at what was left
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("cleaning up the node failed:\n" + String.join("\n", problems) + "\n" + logTails());
    }
  }

  /**
   * {@code kubectl delete <kind> --all -A} without waiting in kubectl (one kubectl call is bounded by the harness),
   * then polls until every object is gone, i.e. the agent tore each down and the operator released its finalizer.
   */
  void deleteAll(String kind, Duration within) {
    kubectl("delete", kind, "--all", "-A", "--wait=false").orThrow();
    Instant deadline = Instant.now().plus(within);
    while (!kubectl("get", kind, "-A", "-o", "name").orThrow().stdout().isBlank()) {
      requireRunning("kubectl delete " + kind + " --all");
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("objects of kind " + kind + " still exist after " + within + ":\n"
            + kubectl("get", kind, "-A").stdout() + "\n" + logTails());
      }
      sleep(Duration.ofMillis(500));
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static int httpStatus(String url) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String httpGet(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not remove " + root + ": " + e.getMessage());
    }
  }
}
