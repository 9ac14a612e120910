package dev.nucleus.testing.controlplane;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.OSInfo;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd + kube-apiserver (started by fabric8's kube-api-test, download off) plus a
 * kube-controller-manager (garbage collection, namespace deletion, service accounts), all on loopback.
 */
public final class KubeControlPlane implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final ControlPlaneBinaries binaries;
    private final Path workDir;
    private final Path testDir;
    private final Thread shutdownHook = new Thread(this::stopQuietly, "kube-control-plane-shutdown");
    private KubeAPIServer apiServer;
    private Process controllerManager;
    private Path kubeconfig;
    private Duration startupTime;
    private boolean closed;

    private KubeControlPlane(ControlPlaneBinaries binaries, Path workDir) {
        this.binaries = binaries;
        this.workDir = workDir;
        this.testDir = workDir.resolve("kube-api-test");
    }

    /** Starts etcd, the API server and the controller manager; returns once all three serve. */
    public static KubeControlPlane start(ControlPlaneBinaries binaries) {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("nucleus-kube-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the control plane's work directory", e);
        }
        KubeControlPlane plane = new KubeControlPlane(binaries, workDir);
        Runtime.getRuntime().addShutdownHook(plane.shutdownHook);
        try {
            plane.startAll();
            return plane;
        } catch (RuntimeException | Error e) {
            plane.close();
            throw e;
        }
    }

    private void startAll() {
        long begin = System.nanoTime();
        linkBinariesForKubeApiTest();
        apiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(testDir.toString())
                .withApiServerVersion(binaries.kubernetesVersion())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .withStartupTimeout((int) START_TIMEOUT.toMillis())
                .withApiServerFlag("--bind-address", "127.0.0.1")
                .build());
        apiServer.start();
        long apiServerReady = System.nanoTime();
        kubeconfig = workDir.resolve("kubeconfig");
        write(kubeconfig, apiServer.getKubeConfigYaml());
        controllerManager = startControllerManager();
        awaitControllersRunning();
        startupTime = Duration.ofNanos(System.nanoTime() - begin);
        System.err.printf("kube control plane %s up in %d ms (etcd + API server ready after %d ms; kubeconfig %s)%n",
                binaries.kubernetesVersion(), startupTime.toMillis(),
                Duration.ofNanos(apiServerReady - begin).toMillis(), kubeconfig);
    }

    /**
     * kube-api-test looks for k8s/&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;/ under its directory; offline mode
     * makes a missing directory an error instead of a download.
     */
    private void linkBinariesForKubeApiTest() {
        OSInfo os = new OSInfo();
        Path versionDir = testDir.resolve("k8s")
                .resolve(binaries.kubernetesVersion() + "-" + os.getOSName() + "-" + os.getOSArch());
        try {
            Files.createDirectories(versionDir);
            for (String name : List.of("kube-apiserver", "kubectl")) {
                Files.createSymbolicLink(versionDir.resolve(name), binaries.binary(name));
            }
            // kube-api-test tells etcd to serve clients on 0.0.0.0, i.e. an unauthenticated plain-HTTP etcd on
            // every interface. The wrapper rewrites those URLs to loopback and execs etcd (same pid, so stopping
            // still reaches etcd); the API server's http://0.0.0.0:port still connects, to 127.0.0.1.
            Path etcd = versionDir.resolve("etcd");
            Files.writeString(etcd, "#!/usr/bin/env bash\nexec '" + binaries.binary("etcd")
                    + "' \"${@//0.0.0.0/127.0.0.1}\"\n");
            Files.setPosixFilePermissions(etcd, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out binaries for kube-api-test in " + versionDir, e);
        }
    }

    private Process startControllerManager() {
        CertManager certs = new CertManager(testDir.toString());
        List<String> command = List.of(
                binaries.binary("kube-controller-manager").toString(),
                "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--bind-address=127.0.0.1",
                "--secure-port=" + freeLoopbackPort(),
                "--cert-dir=" + workDir.resolve("kcm-certs"),
                "--leader-elect=false",
                "--use-service-account-credentials=false",
                // The API server signs service-account tokens with this key (kube-api-test's flags).
                "--service-account-private-key-file=" + certs.getAPIServerKeyPath(),
                "--root-ca-file=" + certs.getAPIServerCertPath());
        Path log = workDir.resolve("kube-controller-manager.log");
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    /** The service-account controller creating "default" proves controllers reconcile, not just that the process lives. */
    private void awaitControllersRunning() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (KubernetesClient client = newClient()) {
            while (client.serviceAccounts().inNamespace("default").withName("default").get() == null) {
                if (!controllerManager.isAlive()) {
                    throw new IllegalStateException("kube-controller-manager exited with " + controllerManager.exitValue()
                            + ":\n" + tail(workDir.resolve("kube-controller-manager.log")));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("kube-controller-manager did not create the default ServiceAccount within "
                            + START_TIMEOUT + ":\n" + tail(workDir.resolve("kube-controller-manager.log")));
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    /** A kubeconfig for a cluster admin (client certificate in group system:masters). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public String kubeconfigYaml() {
        return apiServer.getKubeConfigYaml();
    }

    public ControlPlaneBinaries binaries() {
        return binaries;
    }

    /** Wall time from the first process start until the controllers ran. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The API server's URL, https on a loopback port. */
    public String apiServerUrl() {
        return Config.fromKubeconfig(apiServer.getKubeConfigYaml()).getMasterUrl();
    }

    /**
     * Quarkus' kubernetes-client settings for this cluster's admin, for a QuarkusTestResourceLifecycleManager to
     * return from start(); plain strings so this module needs no Quarkus dependency.
     */
    public Map<String, String> quarkusClientProperties() {
        CertManager certs = new CertManager(testDir.toString());
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", apiServerUrl(),
                "quarkus.kubernetes-client.ca-cert-file", certs.getAPIServerCertPath(),
                "quarkus.kubernetes-client.client-cert-file", certs.getClientCertPath(),
                "quarkus.kubernetes-client.client-key-file", certs.getClientKeyPath(),
                "quarkus.kubernetes-client.devservices.enabled", "false");
    }

    /** A new fabric8 client for the admin user; the caller closes it. */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml())).build();
    }

    /** Runs the real kubectl against this API server. */
    public CommandResult kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of(binaries.binary("kubectl").toString(), "--kubeconfig=" + kubeconfig));
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    /** Runs the real helm against this API server, with its caches kept inside the work directory. */
    public CommandResult helm(String... args) {
        List<String> command = new ArrayList<>(List.of(binaries.binary("helm").toString(), "--kubeconfig=" + kubeconfig));
        command.addAll(List.of(args));
        Path home = workDir.resolve("helm");
        return run(command, Map.of(
                "HELM_CACHE_HOME", home.resolve("cache").toString(),
                "HELM_CONFIG_HOME", home.resolve("config").toString(),
                "HELM_DATA_HOME", home.resolve("data").toString()));
    }

    private CommandResult run(List<String> command, Map<String, String> env) {
        try {
            Path out = Files.createTempFile(workDir, "cmd-", ".out");
            Path err = Files.createTempFile(workDir, "cmd-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + START_TIMEOUT);
            }
            return new CommandResult(command, p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /**
     * Freezes the API server (SIGSTOP): it keeps its port and connections but answers nothing, as a partitioned or
     * wedged server does, until {@link #resumeApiServer()}. etcd and the controller manager run on. For tests of
     * what a client does while its API server is gone; the plane is shared by the test JVM, so resume in a finally.
     */
    public void pauseApiServer() {
        signalApiServer("STOP");
    }

    /** Lets a paused API server run again (SIGCONT); requests that waited meanwhile are then answered. */
    public void resumeApiServer() {
        signalApiServer("CONT");
    }

    private void signalApiServer(String signal) {
        String certDir = "--cert-dir " + testDir;
        ProcessHandle server = ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(certDir)).orElse(false))
                .filter(p -> p.info().command().map(c -> c.endsWith("kube-apiserver")).orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no kube-apiserver of this control plane is running"));
        run(List.of("kill", "-" + signal, Long.toString(server.pid())), Map.of()).orThrow();
    }

    /** Stops the controller manager, then the API server and etcd, and removes every file this started. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran; nothing left to remove
        }
        deleteRecursively(workDir);
    }

    private synchronized void stopQuietly() {
        if (controllerManager != null && controllerManager.isAlive()) {
            controllerManager.destroy();
            try {
                if (!controllerManager.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    controllerManager.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                controllerManager.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        controllerManager = null;
        if (apiServer != null) {
            apiServer.stop();
            apiServer = null;
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the control plane", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e.getMessage());
        }
    }
}
