package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CelRules;
import dev.nucleus.api.testing.CrdCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every CEL rule in the generated CRDs compiles, carries a message, selects only fields that exist at its node,
 * and sits under bounded lists and strings, which the API server needs to estimate the rule's cost.
 */
class CelRuleStaticTest {
  private static final CrdCatalog CATALOG = CrdCatalog.generated();
  /** CEL member functions and macros; anything else after a dot is a field selection. */
  private static final Set<String> MEMBERS = Set.of("all", "exists", "exists_one", "map", "filter", "size",
      "matches", "startsWith", "endsWith", "contains", "split", "lowerAscii", "upperAscii", "trim");
  private static final Pattern SELECTION = Pattern.compile("\\b(self|oldSelf|[a-z])\\.([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern MACRO_VARIABLE = Pattern.compile("\\.(?:all|exists|exists_one|map|filter)\\(([a-z]),");

  record Rule(String path, JsonNode schema, String expression, String message) {}

  @Test
  void everyRuleCompilesAndHasAMessage() {
    List<Rule> rules = allRules();

    assertThat(rules).hasSizeGreaterThanOrEqualTo(12);
    for (Rule rule : rules) {
      CelRules.compile(rule.expression(), rule.schema());
      assertThat(rule.message()).as("message of " + rule.path()).isNotBlank();
    }
  }

  @Test
  void everyFieldARuleSelectsExistsInTheSchemaAtItsNode() {
    for (Rule rule : allRules()) {
      Matcher macro = MACRO_VARIABLE.matcher(rule.expression());
      Set<String> itemVariables = new java.util.HashSet<>();
      while (macro.find()) {
        itemVariables.add(macro.group(1));
      }
      Matcher selection = SELECTION.matcher(rule.expression());
      while (selection.find()) {
        String receiver = selection.group(1);
        String field = selection.group(2);
        if (MEMBERS.contains(field)) {
          continue;
        }
        JsonNode node = itemVariables.contains(receiver) ? rule.schema().path("items") : rule.schema();
        assertThat(node.path("properties").has(field))
            .as(rule.path() + ": rule '" + rule.expression() + "' selects unknown field " + receiver + "." + field)
            .isTrue();
      }
    }
  }

  @Test
  void listsAndStringsUnderRulesAreBounded() {
    for (Rule rule : allRules()) {
      if (rule.schema().path("type").asText().equals("array")) {
        assertThat(rule.schema().has("maxItems")).as(rule.path() + " maxItems").isTrue();
      }
      if (rule.schema().path("type").asText().equals("string")) {
        assertThat(rule.schema().has("maxLength") || rule.schema().has("enum"))
            .as(rule.path() + " maxLength or enum").isTrue();
      }
    }
  }

  private static List<Rule> allRules() {
    List<Rule> rules = new ArrayList<>();
    for (String kind : List.of("NucleusSandbox", "NucleusCheckpoint")) {
      collect(CATALOG.validator(kind).schema(), kind, rules);
    }
    return rules;
  }

  private static void collect(JsonNode schema, String path, List<Rule> out) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      out.add(new Rule(path, schema, rule.path("rule").asText(), rule.path("message").asText()));
    }
    schema.path("properties").properties().forEach(f -> collect(f.getValue(), path + "." + f.getKey(), out));
    if (schema.path("items").isObject()) {
      collect(schema.get("items"), path + "[]", out);
    }
  }
}
