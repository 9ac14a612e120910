package dev.nucleus.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRDs (crds/*.yaml) installed on a real API server with kubectl, as a user would: the examples in
 * docs/examples are accepted, and every manifest under src/test/resources/bad is refused by the server's own
 * schema and CEL validation with the message its {@code # expect:} lines name.
 */
@ExtendWith(KubeControlPlaneExtension.class)
class CrdsOnApiServerTest {

    private static final Path CRDS = Path.of(System.getProperty("crds.committed", "."));
    private static final Path BAD = Path.of("src/test/resources/bad");
    private static final Path EXAMPLES = Path.of(System.getProperty("nucleus.examples", "../docs/examples"));
    private static final String NAMESPACE = "crd-validation";

    private static KubeControlPlane plane;

    @BeforeAll
    static void installCrds(KubeControlPlane controlPlane) {
        plane = controlPlane;
        List<Path> crds = yamlFiles(CRDS);
        assertThat(crds).as("committed CRD YAML in crds/").isNotEmpty();
        for (Path crd : crds) {
            plane.kubectl("apply", "--server-side", "-f", crd.toString()).orThrow();
        }
        plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all").orThrow();
        plane.kubectl("create", "namespace", NAMESPACE).orThrow();
    }

    static Stream<Path> badManifests() {
        return yamlFiles(BAD).stream();
    }

    static Stream<Path> examples() {
        return yamlFiles(EXAMPLES).stream();
    }

    @Test
    void theShortNamesAndPrinterColumnsAreServed() {
        CommandResult resources = plane.kubectl("api-resources", "--api-group=nucleus.dev", "-o", "wide").orThrow();
        assertThat(resources.stdout()).contains("nucleussandboxes").contains("nucleuscheckpoints").contains("nsb");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleIsAcceptedByTheServer(Path example) {
        CommandResult created = plane.kubectl("apply", "-n", NAMESPACE, "-f", example.toString());
        assertThat(created.exitCode()).as(created.describe()).isZero();
        assertThat(created.stdout()).contains("created");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badManifests")
    void badManifestIsRefusedByTheServer(Path manifest) throws IOException {
        List<String> expected = Files.readAllLines(manifest).stream()
                .filter(l -> l.startsWith("# expect: "))
                .map(l -> ApiServerMessages.expected(l.substring("# expect: ".length())))
                .toList();
        assertThat(expected).as("every bad manifest names the error it must produce").isNotEmpty();

        // Server-side dry run: full decoding, schema, CEL and admission, nothing persisted between files.
        CommandResult refused = plane.kubectl("create", "--dry-run=server", "-n", NAMESPACE, "-f", manifest.toString());

        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        for (String message : expected) {
            assertThat(refused.stderr()).as(refused.describe()).contains(message);
        }
    }

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir.toAbsolutePath(), e);
        }
    }
}
