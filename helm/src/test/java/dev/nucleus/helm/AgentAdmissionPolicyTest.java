package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.nucleus.api.testing.CelRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent's ValidatingAdmissionPolicy, evaluated with cel-java as the API server would: the agent can confirm
 * teardown of a sandbox on its node and change nothing else on the main resource. Each wall is tried.
 */
class AgentAdmissionPolicyTest {
  private static final String AGENT = "system:serviceaccount:" + Chart.NAMESPACE + ":nc-nucleus-agent";
  private static final String TEARDOWN = "nucleus.dev/teardown-complete";
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN)
      .addVar("request", SimpleType.DYN).addVar("variables", SimpleType.DYN)
      .build();

  private final JsonNode policy = Chart.render().get("ValidatingAdmissionPolicy", "nc-nucleus-agent-writes");

  @Test
  void matchesOnlyTheAgentsUpdatesOfTheMainResource() {
    assertThat(policy.at("/spec/matchConstraints/resourceRules/0/resources")).extracting(JsonNode::asText)
        .containsExactly("nucleussandboxes", "nucleuscheckpoints");
    assertThat(policy.at("/spec/matchConstraints/resourceRules/0/operations")).extracting(JsonNode::asText)
        .containsExactly("UPDATE");
    assertThat(eval(policy.at("/spec/matchConditions/0/expression").asText(), sandbox(), sandbox(), request(AGENT)))
        .isTrue();
    assertThat(eval(policy.at("/spec/matchConditions/0/expression").asText(), sandbox(), sandbox(),
        request("system:serviceaccount:" + Chart.NAMESPACE + ":nc-nucleus-operator"))).isFalse();
    JsonNode binding = Chart.render().get("ValidatingAdmissionPolicyBinding", "nc-nucleus-agent-writes");
    assertThat(binding.at("/spec/policyName").asText()).isEqualTo("nc-nucleus-agent-writes");
    assertThat(binding.at("/spec/validationActions/0").asText()).isEqualTo("Deny");
  }

  @Test
  void isLeftOutBeforeKubernetes130WhereTheApiIsNotGa() {
    String rendered = new com.marcnuri.helm.Helm(Chart.dir()).template().withName(Chart.RELEASE)
        .withNamespace(Chart.NAMESPACE).withKubeVersion("1.29.4").call();
    assertThat(Chart.parse(rendered)).noneMatch(o -> o.path("kind").asText().startsWith("ValidatingAdmissionPolicy"))
        .anyMatch(o -> o.path("kind").asText().equals("DaemonSet"));
  }

  @Test
  void allowsConfirmingTeardownOnItsOwnNode() {
    ObjectNode after = sandbox();
    ((ObjectNode) after.path("metadata")).putObject("annotations").put(TEARDOWN, "node-a");

    assertThat(failures(after, sandbox(), request(AGENT, "node-a"))).isEmpty();
    assertThat(failures(after, sandbox(), request(AGENT))).as("clusters without node info in tokens").isEmpty();
  }

  @Test
  void deniesEverythingElse() {
    ObjectNode spec = sandbox();
    ((ObjectNode) spec.path("spec")).put("command", "sh");
    assertThat(failures(spec, sandbox(), request(AGENT))).containsExactly("the node agent may not change the spec");

    ObjectNode label = sandbox();
    ((ObjectNode) label.at("/metadata/labels")).put("nucleus.dev/node", "node-b");
    assertThat(failures(label, sandbox(), request(AGENT))).contains("the node agent may not change labels");

    ObjectNode finalizer = sandbox();
    ((ObjectNode) finalizer.path("metadata")).putArray("finalizers");
    assertThat(failures(finalizer, sandbox(), request(AGENT)))
        .containsExactly("the node agent may not change finalizers or owners");

    ObjectNode annotation = sandbox();
    ((ObjectNode) annotation.path("metadata")).putObject("annotations").put("example.com/other", "x");
    assertThat(failures(annotation, sandbox(), request(AGENT)))
        .containsExactly("the node agent may only set the nucleus.dev/teardown-complete annotation");
  }

  @Test
  void appliesTheSameWallsToCheckpoints() {
    ObjectNode before = checkpoint();
    ObjectNode confirmed = checkpoint();
    ((ObjectNode) confirmed.path("metadata")).putObject("annotations").put(TEARDOWN, "node-a");
    assertThat(failures(confirmed, before, request(AGENT, "node-a"))).isEmpty();

    ObjectNode retargeted = checkpoint();
    ((ObjectNode) retargeted.at("/spec/sandboxRef")).put("name", "other");
    assertThat(failures(retargeted, before, request(AGENT, "node-a"))).containsExactly("the node agent may not change the spec");
  }

  @Test
  void deniesConfirmingASandboxOnAnotherNode() {
    ObjectNode after = sandbox();
    ((ObjectNode) after.path("metadata")).putObject("annotations").put(TEARDOWN, "node-a");

    assertThat(failures(after, sandbox(), request(AGENT, "node-b")))
        .containsExactly("a node agent may only confirm teardown of objects placed on its own node");
  }

  /** Messages of the validations that fail for this update, in policy order. */
  private List<String> failures(JsonNode object, JsonNode oldObject, Map<String, Object> request) {
    Map<String, Object> variables = new LinkedHashMap<>();
    for (JsonNode variable : policy.at("/spec/variables")) {
      variables.put(variable.path("name").asText(), evalAny(variable.path("expression").asText(),
          object, oldObject, request, variables));
    }
    List<String> failed = new ArrayList<>();
    for (JsonNode validation : policy.at("/spec/validations")) {
      if (!(Boolean) evalAny(validation.path("expression").asText(), object, oldObject, request, variables)) {
        failed.add(validation.path("message").asText());
      }
    }
    return failed;
  }

  private boolean eval(String expression, JsonNode object, JsonNode oldObject, Map<String, Object> request) {
    return (Boolean) evalAny(expression, object, oldObject, request, Map.of());
  }

  private static Object evalAny(String expression, JsonNode object, JsonNode oldObject, Map<String, Object> request,
      Map<String, Object> variables) {
    try {
      return CEL.createProgram(CEL.compile(expression).getAst()).eval(Map.of("object", CelRules.toCel(object),
          "oldObject", CelRules.toCel(oldObject), "request", request, "variables", variables));
    } catch (Exception e) {
      throw new IllegalStateException("CEL failed: " + expression + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode sandbox() {
    ObjectNode sandbox = Chart.YAML.createObjectNode().put("apiVersion", "nucleus.dev/v1alpha1").put("kind", "NucleusSandbox");
    ObjectNode metadata = sandbox.putObject("metadata").put("name", "s").put("namespace", "default");
    metadata.putObject("labels").put("nucleus.dev/node", "node-a");
    metadata.putArray("finalizers").add("nucleus.dev/teardown");
    sandbox.putObject("spec").putArray("command").add("/bin/true");
    return sandbox;
  }

  private static ObjectNode checkpoint() {
    ObjectNode checkpoint = Chart.YAML.createObjectNode().put("apiVersion", "nucleus.dev/v1alpha1")
        .put("kind", "NucleusCheckpoint");
    ObjectNode metadata = checkpoint.putObject("metadata").put("name", "c").put("namespace", "default");
    metadata.putObject("labels").put("nucleus.dev/node", "node-a");
    metadata.putArray("finalizers").add("nucleus.dev/checkpoint-cleanup");
    checkpoint.putObject("spec").putObject("sandboxRef").put("name", "counter");
    return checkpoint;
  }

  private static Map<String, Object> request(String username, String... nodeName) {
    // The API server leaves userInfo.extra out entirely when a caller has no extras (e.g. impersonation).
    return Map.of("userInfo", nodeName.length == 0 ? Map.of("username", username)
        : Map.of("username", username, "extra", Map.of("authentication.kubernetes.io/node-name", List.of(nodeName))));
  }
}
