package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import dev.nucleus.api.testing.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each manifest under src/test/resources/bad is refused with the messages its {@code # expect:} lines name.
 * The mock API server in the other modules' tests validates nothing, so this is where bad input is caught.
 */
class BadManifestsTest {
  private static final CrdCatalog CATALOG = CrdCatalog.generated();
  private static final Path BAD = Path.of("src/test/resources/bad");

  static Stream<Path> badManifests() {
    return Manifests.yamlFiles(BAD).stream();
  }

  @Test
  void thereAreBadManifestsToCheck() {
    assertThat(badManifests()).hasSizeGreaterThanOrEqualTo(20);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void badManifestIsRefusedWithTheExpectedMessages(Path file) throws IOException {
    List<String> expected = Files.readAllLines(file).stream()
        .filter(l -> l.startsWith("# expect: "))
        .map(l -> l.substring("# expect: ".length()))
        .toList();
    List<JsonNode> documents = Manifests.read(file);

    assertThat(expected).as("every bad manifest names the error it must produce").isNotEmpty();
    assertThat(documents).hasSize(1);
    List<String> errors = CATALOG.validateCreate(documents.get(0));
    for (String message : expected) {
      assertThat(errors).as(file.getFileName() + " errors").anySatisfy(e -> assertThat(e).contains(message));
    }
    // Bad for the stated reason only: otherwise a typo elsewhere in the file could make it pass.
    assertThat(errors).as(file.getFileName() + " errors beyond the expected ones")
        .allSatisfy(e -> assertThat(expected).anySatisfy(m -> assertThat(e).contains(m)));
  }
}
