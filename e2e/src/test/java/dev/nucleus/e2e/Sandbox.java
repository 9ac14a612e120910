package dev.nucleus.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One NucleusSandbox as kubectl showed it at one moment: its {@code kubectl get} row and its JSON, so values read
 * before and after an event can be compared.
 */
record Sandbox(String name, String namespace, List<String> row, JsonNode json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Sandbox read(NucleusOnThisMachine nucleus, String namespace, String name) {
    String line = nucleus.kubectl("get", "nsb", name, "-n", namespace, "--no-headers").orThrow().stdout().trim();
    String json = nucleus.kubectl("get", "nsb", name, "-n", namespace, "-o", "json").orThrow().stdout();
    try {
      return new Sandbox(name, namespace, List.of(line.split("\\s+")), JSON.readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException("kubectl printed no JSON for " + name + ": " + json, e);
    }
  }

  String uid() {
    return field(".metadata.uid");
  }

  String sandboxId() {
    String id = field(".status.sandboxId");
    if (id.isEmpty()) {
      throw new AssertionError(name + " has no status.sandboxId: " + json.path("status"));
    }
    return id;
  }

  /** The state directory name the agent derives from the UID (docs/node-agent.md), for a sandbox never started. */
  String sandboxIdFromUid() {
    return "nsb-" + uid().replace("-", "");
  }

  long pid() {
    String pid = field(".status.pid");
    if (pid.isEmpty()) {
      throw new AssertionError(name + " has no status.pid: " + json.path("status"));
    }
    return Long.parseLong(pid);
  }

  String exitCode() {
    return field(".status.exitCode");
  }

  /** A dotted path like ".status.isolation.namespaces[*]" (arrays joined by spaces); "" when absent. */
  String field(String path) {
    JsonNode node = json;
    for (String part : path.substring(1).split("\\.")) {
      boolean all = part.endsWith("[*]");
      node = node.path(all ? part.substring(0, part.length() - 3) : part);
    }
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(n -> items.add(n.asText()));
      return String.join(" ", items);
    }
    return node.isValueNode() ? node.asText() : node.toString();
  }

  /** One key (status, reason, message) of the condition of this type; "" when absent. */
  String condition(String type, String key) {
    for (JsonNode c : json.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c.path(key).asText("");
      }
    }
    return "";
  }
}
