package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** NOTES.txt walks a new user to a first sandbox; every repository file and doc section it points to must exist. */
class NotesTest {

  @Test
  void pointsAtTheHelloSandboxExample() throws IOException {
    String notes = Files.readString(Chart.dir().resolve("templates/NOTES.txt"));

    assertThat(notes).contains("kubectl apply -f docs/examples/hello-sandbox.yaml");
    assertThat(Chart.repoRoot().resolve("docs/examples/hello-sandbox.yaml")).isRegularFile();
    assertThat(Files.readString(Chart.repoRoot().resolve("docs/examples/hello-sandbox.yaml")))
        .contains("kind: NucleusSandbox", "name: hello");
    assertThat(notes).contains("nsb hello");
  }

  @Test
  void everyReferencedFileAndSectionExists() throws IOException {
    String notes = Files.readString(Chart.dir().resolve("templates/NOTES.txt"));
    Matcher file = Pattern.compile("\\b(docs/[\\w./-]+\\.(?:md|yaml))(?:, \"([^\"]+)\")?").matcher(notes);
    int found = 0;
    while (file.find()) {
      found++;
      assertThat(Chart.repoRoot().resolve(file.group(1))).as(file.group(1)).isRegularFile();
      if (file.group(2) != null) {
        assertThat(Files.readString(Chart.repoRoot().resolve(file.group(1))))
            .as("%s has a section %s", file.group(1), file.group(2)).contains("## " + file.group(2));
      }
    }
    assertThat(found).isGreaterThanOrEqualTo(3);
  }
}
