package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/crd-reference.md documents exactly the fields the schema has, and every reason and condition type. */
class CrdReferenceTest {
  private static final Pattern FIELD_ROW = Pattern.compile("(?m)^\\| `((?:spec|status)\\.[A-Za-z0-9_.\\[\\]]+)` \\|");
  /** A spec row: field, then the Default column (the fourth; the Meaning column may hold escaped pipes). */
  private static final Pattern SPEC_ROW =
      Pattern.compile("(?m)^\\| `(spec\\.[A-Za-z0-9_.\\[\\]]+)` \\|(?:(?:[^|\\\\]|\\\\.)*\\|){2}([^|]*)\\|[^|\\n]*\\|$");
  private static String doc;

  @BeforeAll
  static void readDoc() throws IOException {
    Path examples = Path.of(System.getProperty("nucleus.examples", "unset"));
    doc = Files.readString(examples.resolveSibling("crd-reference.md"));
  }

  @Test
  void sandboxFieldsAreDocumentedExactly() {
    assertThat(documentedFields(section("## NucleusSandbox", "## NucleusCheckpoint")))
        .containsExactlyInAnyOrderElementsOf(schemaFields("NucleusSandbox"));
  }

  @Test
  void checkpointFieldsAreDocumentedExactly() {
    assertThat(documentedFields(section("## NucleusCheckpoint", "## Reasons")))
        .containsExactlyInAnyOrderElementsOf(schemaFields("NucleusCheckpoint"));
  }

  @Test
  void theDefaultColumnShowsTheSchemaDefaults() {
    int checked = 0;
    for (String kind : Set.of("NucleusSandbox", "NucleusCheckpoint")) {
      JsonNode schema = CrdCatalog.generated().validator(kind).schema();
      Matcher row = SPEC_ROW.matcher(doc);
      while (row.find()) {
        JsonNode field = schemaAt(schema, row.group(1));
        if (field == null) {
          continue; // a field of the other kind
        }
        String expected = field.has("default") ? "`" + field.get("default").asText() + "`" : "";
        assertThat(row.group(2).strip()).as("default of " + row.group(1)).isEqualTo(expected);
        checked++;
      }
    }
    assertThat(checked).as("spec rows checked").isGreaterThan(55);
  }

  @Test
  void everyReasonHasARowAndEveryRowIsAReason() {
    Set<String> reasons = constants(Reasons.class);
    Set<String> rows = new LinkedHashSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z]+)` \\| ").matcher(section("## Reasons", "## Upgrading"));
    while (row.find()) {
      rows.add(row.group(1));
    }

    assertThat(rows).containsExactlyInAnyOrderElementsOf(reasons);
  }

  @Test
  void everyConditionTypeIsExplained() {
    for (String type : constants(ConditionTypes.class)) {
      assertThat(doc).as("condition type " + type).contains("`" + type + "`");
    }
  }

  private static String section(String start, String end) {
    int from = doc.indexOf("\n" + start + "\n");
    int to = doc.indexOf("\n" + end, from + 1);
    assertThat(from).as("section " + start).isNotNegative();
    assertThat(to).as("end of section " + start).isGreaterThan(from);
    return doc.substring(from, to);
  }

  private static Set<String> documentedFields(String section) {
    Set<String> fields = new LinkedHashSet<>();
    Matcher row = FIELD_ROW.matcher(section);
    while (row.find()) {
      assertThat(fields.add(row.group(1))).as("documented twice: " + row.group(1)).isTrue();
    }
    return fields;
  }

  private static Set<String> schemaFields(String kind) {
    JsonNode properties = CrdCatalog.generated().validator(kind).schema().path("properties");
    Set<String> fields = new LinkedHashSet<>();
    collect(properties.get("spec"), "spec", fields);
    collect(properties.get("status"), "status", fields);
    return fields;
  }

  /** The schema of a documented path such as {@code spec.volumes[].tmpfs.size}, or null when it has none. */
  private static JsonNode schemaAt(JsonNode root, String path) {
    JsonNode node = root;
    for (String part : path.split("\\.")) {
      boolean items = part.endsWith("[]");
      node = node.path("properties").path(items ? part.substring(0, part.length() - 2) : part);
      if (items) {
        node = node.path("items");
      }
      if (node.isMissingNode()) {
        return null;
      }
    }
    return node;
  }

  private static void collect(JsonNode schema, String path, Set<String> out) {
    schema.path("properties").properties().forEach(field -> {
      String child = path + "." + field.getKey();
      out.add(child);
      if (!field.getKey().equals("conditions")) { // the standard Condition type is documented upstream
        collect(field.getValue(), child, out);
        if (field.getValue().path("items").isObject()) {
          collect(field.getValue().get("items"), child + "[]", out);
        }
      }
    });
  }

  private static Set<String> constants(Class<?> holder) {
    Set<String> values = new LinkedHashSet<>();
    Arrays.stream(holder.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .filter(f -> !Set.of("TRUE", "FALSE", "UNKNOWN").contains(f.getName()))
        .forEach(f -> values.add(value(f)));
    return values;
  }

  private static String value(Field field) {
    try {
      return (String) field.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
