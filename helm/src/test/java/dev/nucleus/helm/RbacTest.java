package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The chart grants exactly the verbs each component uses, on exactly its resources: nothing more, nothing less. */
class RbacTest {
  private static final String OPERATOR = "nc-nucleus-operator";
  private static final String AGENT = "nc-nucleus-agent";
  private final Chart.Rendered rendered = Chart.render();

  @Test
  void operatorClusterRoleIsExactlyWhatTheOperatorUses() {
    assertThat(grants("ClusterRole", OPERATOR)).containsExactlyInAnyOrderElementsOf(expand(
        "nucleus.dev", Set.of("nucleussandboxes", "nucleuscheckpoints"),
        Set.of("get", "list", "watch", "patch", "update", "delete"),
        "nucleus.dev", Set.of("nucleussandboxes/status", "nucleuscheckpoints/status"), Set.of("patch", "update"),
        "nucleus.dev", Set.of("nucleussandboxes/finalizers", "nucleuscheckpoints/finalizers"), Set.of("update"),
        "", Set.of("events"), Set.of("create", "patch"),
        "apiextensions.k8s.io", Set.of("customresourcedefinitions"), Set.of("get", "list")));
  }

  @Test
  void operatorRoleCoversLeasesInItsNamespaceOnly() {
    assertThat(grants("Role", OPERATOR)).containsExactlyInAnyOrderElementsOf(expand(
        "coordination.k8s.io", Set.of("leases"), Set.of("get", "list", "watch", "create", "update", "patch")));
    assertThat(rendered.get("Role", OPERATOR).path("metadata").path("namespace").asText()).isEqualTo(Chart.NAMESPACE);
  }

  @Test
  void agentClusterRoleReadsPatchesStatusAndConfirmsTeardown() {
    assertThat(grants("ClusterRole", AGENT)).containsExactlyInAnyOrderElementsOf(expand(
        "nucleus.dev", Set.of("nucleussandboxes", "nucleuscheckpoints"), Set.of("get", "list", "watch", "patch"),
        "nucleus.dev", Set.of("nucleussandboxes/status", "nucleuscheckpoints/status"), Set.of("patch"),
        "", Set.of("events"), Set.of("create"),
        "", Set.of("nodes"), Set.of("get")));
  }

  @Test
  void agentRoleCoversItsOwnLease() {
    assertThat(grants("Role", AGENT)).containsExactlyInAnyOrderElementsOf(expand(
        "coordination.k8s.io", Set.of("leases"), Set.of("create", "get", "patch")));
  }

  @Test
  void watchingListedNamespacesScopesTheOperatorToThem() {
    Chart.Rendered scoped = Chart.render(Chart.values("operator.watchNamespaces", java.util.List.of("team-a", "team-b")));

    assertThat(grants(scoped, "ClusterRole", OPERATOR)).containsExactlyInAnyOrderElementsOf(expand(
        "apiextensions.k8s.io", Set.of("customresourcedefinitions"), Set.of("get", "list")));
    Set<String> perNamespace = new TreeSet<>(grants("ClusterRole", OPERATOR));
    perNamespace.removeAll(grants(scoped, "ClusterRole", OPERATOR));
    for (String namespace : Set.of("team-a", "team-b")) {
      JsonNode role = scoped.ofKind("Role").stream()
          .filter(r -> r.at("/metadata/namespace").asText().equals(namespace)).findFirst().orElseThrow();
      assertThat(grants(role)).containsExactlyInAnyOrderElementsOf(perNamespace);
      JsonNode binding = scoped.ofKind("RoleBinding").stream()
          .filter(r -> r.at("/metadata/namespace").asText().equals(namespace)).findFirst().orElseThrow();
      assertThat(binding.at("/roleRef/name").asText()).isEqualTo(role.at("/metadata/name").asText());
      assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(OPERATOR);
      assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Chart.NAMESPACE);
    }
    assertThat(grants(scoped, "Role", OPERATOR)).isEqualTo(grants("Role", OPERATOR));
    assertThat(grants(scoped, "ClusterRole", AGENT)).isEqualTo(grants("ClusterRole", AGENT));
    JsonNode env = scoped.get("Deployment", OPERATOR).at("/spec/template/spec/containers/0/env");
    assertThat(env.findValuesAsText("value")).contains("team-a,team-b");
    assertThat(Chart.render().get("Deployment", OPERATOR).toString()).doesNotContain("QUARKUS_OPERATOR_SDK_NAMESPACES");
  }

  @Test
  void noRuleUsesWildcardsResourceNamesOrUrls() {
    for (String kind : Set.of("ClusterRole", "Role")) {
      for (JsonNode role : rendered.ofKind(kind)) {
        for (JsonNode rule : role.path("rules")) {
          assertThat(rule.toString()).doesNotContain("\"*\"");
          assertThat(rule.has("nonResourceURLs")).as("%s", rule).isFalse();
          assertThat(rule.has("resourceNames")).as("%s", rule).isFalse();
        }
      }
    }
  }

  @Test
  void eachBindingGivesItsRoleToItsOwnServiceAccountOnly() {
    for (String kind : Set.of("ClusterRoleBinding", "RoleBinding")) {
      for (String name : Set.of(OPERATOR, AGENT)) {
        JsonNode binding = rendered.get(kind, name);
        assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(name);
        assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo(kind.replace("Binding", ""));
        assertThat(binding.path("subjects")).hasSize(1);
        JsonNode subject = binding.path("subjects").get(0);
        assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
        assertThat(subject.path("name").asText()).isEqualTo(name);
        assertThat(subject.path("namespace").asText()).isEqualTo(Chart.NAMESPACE);
      }
    }
  }

  @Test
  void workloadsRunAsTheirOwnServiceAccounts() {
    assertThat(rendered.get("Deployment", OPERATOR).at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo(OPERATOR);
    assertThat(rendered.get("DaemonSet", AGENT).at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo(AGENT);
  }

  private Set<String> grants(String kind, String name) {
    return grants(rendered, kind, name);
  }

  private static Set<String> grants(Chart.Rendered in, String kind, String name) {
    return grants(in.get(kind, name));
  }

  /** Every (apiGroup, resource, verb) triple a role's rules grant. */
  private static Set<String> grants(JsonNode role) {
    Set<String> triples = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode verb : rule.path("verbs")) {
            triples.add(group.asText() + "|" + resource.asText() + "|" + verb.asText());
          }
        }
      }
    }
    return triples;
  }

  /** Expands (group, resources, verbs) triples of arguments into the same triple strings as {@link #grants}. */
  @SuppressWarnings("unchecked")
  private static Set<String> expand(Object... groupResourcesVerbs) {
    Set<String> triples = new TreeSet<>();
    for (int i = 0; i < groupResourcesVerbs.length; i += 3) {
      for (String resource : (Set<String>) groupResourcesVerbs[i + 1]) {
        for (String verb : (Set<String>) groupResourcesVerbs[i + 2]) {
          triples.add(groupResourcesVerbs[i] + "|" + resource + "|" + verb);
        }
      }
    }
    return triples;
  }
}
