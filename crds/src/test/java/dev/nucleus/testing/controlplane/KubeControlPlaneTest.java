package dev.nucleus.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the harness runs the real thing: each test exercises behaviour fabric8's mock server does not have
 * (discovery for kubectl, server-side apply, schema and CEL validation, garbage collection, helm releases).
 */
@ExtendWith(KubeControlPlaneExtension.class)
class KubeControlPlaneTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** /proc/net/tcp{,6} spell local addresses as little-endian hex words. */
    private static final String LOOPBACK_127 = "0100007F";
    private static final String LOOPBACK_V6 = "00000000000000000000000001000000";
    private static final Pattern LISTEN_URL = Pattern.compile("^https?://([0-9.]+):(\\d+)$");

    private static final String WIDGET_CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.selftest.nucleus.dev}
            spec:
              group: selftest.nucleus.dev
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        x-kubernetes-validations:
                        - rule: "self.size <= 10"
                          message: "size must be at most 10"
                        properties:
                          size: {type: integer, minimum: 1}
            """;

    @Test
    void kubectlDiscoversTheServerAndItsVersion(KubeControlPlane plane) {
        CommandResult version = plane.kubectl("version", "-o", "json").orThrow();
        assertThat(version.stdout()).contains("\"serverVersion\"").contains("\"gitVersion\": \"v" + plane.binaries().kubernetesVersion() + "\"");

        CommandResult resources = plane.kubectl("api-resources", "--api-group=coordination.k8s.io", "-o", "name").orThrow();
        assertThat(resources.stdout()).contains("leases.coordination.k8s.io");
    }

    @Test
    void aPausedApiServerAnswersNothingUntilResumed(KubeControlPlane plane) {
        try {
            plane.pauseApiServer();
            CommandResult paused = plane.kubectl("get", "namespaces", "--request-timeout=2s");
            assertThat(paused.exitCode()).isNotZero();
        } finally {
            plane.resumeApiServer();
        }
        assertThat(plane.kubectl("get", "namespace", "default", "-o", "name").orThrow().stdout()).contains("namespace/default");
    }

    @Test
    void quarkusClientPropertiesReachTheServerAsAdmin(KubeControlPlane plane) {
        Map<String, String> props = plane.quarkusClientProperties();
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(props.get("quarkus.kubernetes-client.api-server-url"))
                .withCaCertFile(props.get("quarkus.kubernetes-client.ca-cert-file"))
                .withClientCertFile(props.get("quarkus.kubernetes-client.client-cert-file"))
                .withClientKeyFile(props.get("quarkus.kubernetes-client.client-key-file"))
                .build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            assertThat(client.getApiVersion()).isEqualTo("v1");
            assertThat(client.namespaces().withName("kube-system").get()).isNotNull();
            // Admin means system:masters: RBAC grants it anything, e.g. cluster roles.
            assertThat(client.rbac().clusterRoles().withName("cluster-admin").get()).isNotNull();
        }
    }

    @Test
    void rbacDeniesAServiceAccountWithoutRolesAndAllowsTheAdmin(KubeControlPlane plane) {
        CommandResult serviceAccount = plane.kubectl("auth", "can-i", "create", "namespaces",
                "--as=system:serviceaccount:default:default");
        assertThat(serviceAccount.exitCode()).as(serviceAccount.describe()).isEqualTo(1);
        assertThat(serviceAccount.stdout().trim()).isEqualTo("no");

        assertThat(plane.kubectl("auth", "can-i", "create", "namespaces").orThrow().stdout().trim()).isEqualTo("yes");
    }

    @Test
    void etcdAndTheApiServerListenOnLoopbackOnly(KubeControlPlane plane) throws IOException {
        List<Integer> ports = new ArrayList<>();
        ports.add(URI.create(plane.apiServerUrl()).getPort());
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("/etcd"))
                .flatMap(p -> Stream.of(p.info().arguments().orElse(new String[0])))
                .flatMap(arg -> Stream.of(arg.split(",")))
                .map(LISTEN_URL::matcher)
                .filter(Matcher::matches)
                .forEach(m -> ports.add(Integer.parseInt(m.group(2))));
        assertThat(ports).as("API server port and etcd's listen URLs").hasSizeGreaterThanOrEqualTo(3);

        List<String> listeners = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (f[3].equals("0A") && ports.contains(Integer.parseInt(local[1], 16))) {
                    listeners.add(local[0]);
                }
            }
        }
        assertThat(listeners).as("listening sockets on " + ports).isNotEmpty()
                .allSatisfy(address -> assertThat(address).isIn(LOOPBACK_127, LOOPBACK_V6, "0000000000000000FFFF0000" + LOOPBACK_127));
    }

    @Test
    void serverSideApplyRecordsTheFieldManager(KubeControlPlane plane, @TempDir Path dir) throws IOException {
        Path manifest = dir.resolve("cm.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ssa-probe, namespace: default}
                data: {owner: harness}
                """);
        plane.kubectl("apply", "--server-side", "--field-manager=nucleus-selftest", "-f", manifest.toString()).orThrow();

        try (KubernetesClient client = plane.newClient()) {
            ConfigMap cm = client.configMaps().inNamespace("default").withName("ssa-probe").get();
            assertThat(cm.getData()).containsEntry("owner", "harness");
            assertThat(cm.getMetadata().getManagedFields())
                    .anySatisfy(f -> {
                        assertThat(f.getManager()).isEqualTo("nucleus-selftest");
                        assertThat(f.getOperation()).isEqualTo("Apply");
                    });
        }
    }

    @Test
    void schemaAndCelRulesOfACrdAreEnforcedByTheServer(KubeControlPlane plane, @TempDir Path dir) throws IOException {
        Path crd = write(dir, "crd.yaml", WIDGET_CRD);
        plane.kubectl("apply", "-f", crd.toString()).orThrow();
        plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/widgets.selftest.nucleus.dev").orThrow();

        Path good = write(dir, "good.yaml", widget("good", "3"));
        assertThat(plane.kubectl("apply", "-f", good.toString()).orThrow().stdout()).contains("widget.selftest.nucleus.dev/good created");

        CommandResult tooBig = plane.kubectl("apply", "-f", write(dir, "big.yaml", widget("big", "11")).toString());
        assertThat(tooBig.exitCode()).as(tooBig.describe()).isNotZero();
        assertThat(tooBig.stderr()).contains("size must be at most 10");

        CommandResult notInteger = plane.kubectl("apply", "-f", write(dir, "word.yaml", widget("word", "three")).toString());
        assertThat(notInteger.exitCode()).as(notInteger.describe()).isNotZero();
        assertThat(notInteger.stderr()).contains("spec.size").contains("must be of type integer");

        CommandResult zero = plane.kubectl("apply", "-f", write(dir, "zero.yaml", widget("zero", "0")).toString());
        assertThat(zero.exitCode()).as(zero.describe()).isNotZero();
        assertThat(zero.stderr()).contains("spec.size").contains("should be greater than or equal to 1");
    }

    @Test
    void controllerManagerCollectsGarbageOfADeletedOwner(KubeControlPlane plane) {
        try (KubernetesClient client = plane.newClient()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("gc-probe").endMetadata().build()).create();
            ConfigMap owner = client.configMaps().inNamespace("gc-probe").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("owner").endMetadata().build()).create();
            client.configMaps().inNamespace("gc-probe").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("dependent")
                    .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap")
                    .withName("owner").withUid(owner.getMetadata().getUid()).endOwnerReference()
                    .endMetadata().build()).create();

            client.configMaps().inNamespace("gc-probe").withName("owner").delete();

            await("the garbage collector deletes the dependent",
                    () -> client.configMaps().inNamespace("gc-probe").withName("dependent").get() == null);
        }
    }

    @Test
    void helmInstallsAndUninstallsAReleaseOnTheServer(KubeControlPlane plane, @TempDir Path dir) throws IOException {
        Path chart = dir.resolve("probe");
        write(chart, "Chart.yaml", "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
        write(chart.resolve("templates"), "cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-cm}\ndata: {size: \"{{ .Values.size }}\"}\n");
        write(chart, "values.yaml", "size: 1\n");

        plane.helm("install", "hp", chart.toString(), "--namespace", "default", "--set", "size=7", "--wait").orThrow();
        try (KubernetesClient client = plane.newClient()) {
            assertThat(client.configMaps().inNamespace("default").withName("hp-cm").get().getData()).containsEntry("size", "7");
            plane.helm("uninstall", "hp", "--namespace", "default", "--wait").orThrow();
            await("helm uninstall removes the release's objects",
                    () -> client.configMaps().inNamespace("default").withName("hp-cm").get() == null);
        }
    }

    private static String widget(String name, String size) {
        return "apiVersion: selftest.nucleus.dev/v1\nkind: Widget\nmetadata: {name: " + name
                + ", namespace: default}\nspec: {size: " + size + "}\n";
    }

    private static Path write(Path dir, String name, String content) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), content);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting until " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
