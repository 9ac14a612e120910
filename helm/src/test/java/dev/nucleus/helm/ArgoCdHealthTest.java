package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health checks in docs/gitops, run as Argo CD runs them (a Lua chunk with the object in the global
 * {@code obj}, returning {status, message}), on objects in every phase; and the argocd-cm snippet embeds them verbatim.
 * luaj is Lua 5.2 while Argo CD embeds a Lua 5.1 VM; the scripts use only what both have.
 */
class ArgoCdHealthTest {
  private static final Path GITOPS = Chart.repoRoot().resolve("docs/gitops");
  private static final String SANDBOX = "argocd-health-nucleussandbox.lua";
  private static final String CHECKPOINT = "argocd-health-nucleuscheckpoint.lua";

  @Test
  void sandboxWithoutStatusOrWithAStaleOneIsProgressing() {
    assertThat(health(SANDBOX, "metadata: {name: s, generation: 1}")).isEqualTo("Progressing");
    assertThat(health(SANDBOX, """
        metadata: {name: s, generation: 2}
        status: {observedGeneration: 1, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """)).isEqualTo("Progressing");
  }

  @Test
  void runningReadySandboxIsHealthy() {
    assertThat(health(SANDBOX, """
        metadata: {name: s, generation: 3}
        status: {observedGeneration: 3, phase: Running, conditions: [
          {type: Scheduled, status: "True", reason: Scheduled},
          {type: Ready, status: "True", reason: Running}]}
        """)).isEqualTo("Healthy");
  }

  @Test
  void unschedulableSandboxKeepsProgressingAndSaysWhy() {
    String[] result = run(SANDBOX, """
        metadata: {name: s, generation: 1}
        status: {observedGeneration: 1, phase: Pending, conditions: [
          {type: Scheduled, status: "False", reason: Unschedulable, message: "0/3 nodes are available"},
          {type: Ready, status: "False", reason: Unschedulable, message: "0/3 nodes are available"}]}
        """);
    assertThat(result[0]).isEqualTo("Progressing");
    assertThat(result[1]).contains("Unschedulable", "0/3 nodes are available");
  }

  @Test
  void failedLostOrInvalidSandboxIsDegraded() {
    String[] failed = run(SANDBOX, """
        metadata: {name: s, generation: 1}
        status: {observedGeneration: 1, phase: Failed, reason: OOMKilled, message: "memory limit 64Mi"}
        """);
    assertThat(failed[0]).isEqualTo("Degraded");
    assertThat(failed[1]).contains("OOMKilled", "64Mi");
    assertThat(health(SANDBOX, """
        metadata: {name: s, generation: 1}
        status: {observedGeneration: 1, phase: Lost, reason: NodeLost}
        """)).isEqualTo("Degraded");
    assertThat(health(SANDBOX, """
        metadata: {name: s, generation: 1}
        status: {observedGeneration: 1, phase: Pending, conditions: [
          {type: Ready, status: "False", reason: InvalidSpec, message: "spec.restoreFrom: checkpoint c not Completed"}]}
        """)).isEqualTo("Degraded");
  }

  @Test
  void succeededSandboxIsHealthy() {
    assertThat(health(SANDBOX, """
        metadata: {name: s, generation: 1}
        status: {observedGeneration: 1, phase: Succeeded, conditions: [
          {type: Completed, status: "True", reason: Succeeded}, {type: Ready, status: "False", reason: Succeeded}]}
        """)).isEqualTo("Healthy");
  }

  @Test
  void checkpointFollowsItsPhase() {
    assertThat(health(CHECKPOINT, "metadata: {name: c, generation: 1}")).isEqualTo("Progressing");
    assertThat(health(CHECKPOINT, "metadata: {name: c, generation: 1}\nstatus: {observedGeneration: 1, phase: Pending}"))
        .isEqualTo("Progressing");
    assertThat(health(CHECKPOINT, "metadata: {name: c, generation: 1}\nstatus: {observedGeneration: 1, phase: Running}"))
        .isEqualTo("Progressing");
    assertThat(health(CHECKPOINT, """
        metadata: {name: c, generation: 1}
        status: {observedGeneration: 1, phase: Completed, conditions: [{type: Ready, status: "True"}]}
        """)).isEqualTo("Healthy");
    String[] failed = run(CHECKPOINT, """
        metadata: {name: c, generation: 1}
        status: {observedGeneration: 1, phase: Failed, reason: BackoffLimitExceeded, message: "3 attempts"}
        """);
    assertThat(failed[0]).isEqualTo("Degraded");
    assertThat(failed[1]).contains("BackoffLimitExceeded");
  }

  @Test
  void configMapSnippetEmbedsTheScriptsVerbatim() throws IOException {
    JsonNode configMap = Chart.readYaml(GITOPS.resolve("argocd-cm-health.yaml"));
    assertThat(configMap.at("/metadata/name").asText()).isEqualTo("argocd-cm");
    assertThat(configMap.at("/data").size()).isEqualTo(2);
    assertThat(configMap.path("data").path("resource.customizations.health.nucleus.dev_NucleusSandbox").asText())
        .isEqualTo(Files.readString(GITOPS.resolve(SANDBOX)));
    assertThat(configMap.path("data").path("resource.customizations.health.nucleus.dev_NucleusCheckpoint").asText())
        .isEqualTo(Files.readString(GITOPS.resolve(CHECKPOINT)));
  }

  private static String health(String script, String objectYaml) {
    return run(script, objectYaml)[0];
  }

  /** Runs a health script on an object; returns {status, message}. */
  private static String[] run(String script, String objectYaml) {
    try {
      Globals globals = JsePlatform.standardGlobals();
      globals.set("obj", toLua(Chart.YAML.readTree(objectYaml)));
      LuaValue hs = globals.load(Files.readString(GITOPS.resolve(script)), script).call();
      String status = hs.get("status").tojstring();
      assertThat(status).isIn("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
      return new String[] {status, hs.get("message").tojstring()};
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** JSON to Lua the way Argo CD hands objects to health scripts: objects and arrays as tables, numbers as numbers. */
  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        table.set(field.getKey(), toLua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }
}
