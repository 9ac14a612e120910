package dev.nucleus.helm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The smallest Kubernetes API Helm's {@code lookup} needs: discovery of core/v1 and GET of Secrets.
 * helm-java 0.0.21 renders with "dry-run none", so lookup really calls the cluster of $KUBECONFIG
 * (unlike `helm template`); this server answers it and lets tests plant an existing Secret.
 */
final class FakeApiServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeApiServer instance;

  private final HttpServer server;
  private final Map<String, ObjectNode> secrets = new ConcurrentHashMap<>();

  /** Starts once per JVM and writes the kubeconfig that surefire points KUBECONFIG at. */
  static synchronized FakeApiServer start() {
    if (instance == null) {
      instance = new FakeApiServer();
      instance.writeKubeconfig(Path.of(System.getProperty("nucleus.kubeconfig", "target/kubeconfig")));
    }
    return instance;
  }

  private FakeApiServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(null);
    server.start();
  }

  void putSecret(String namespace, String name, Map<String, String> base64Data) {
    ObjectNode secret = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
    secret.putObject("metadata").put("name", name).put("namespace", namespace);
    base64Data.forEach(secret.putObject("data")::put);
    secrets.put(namespace + "/" + name, secret);
  }

  void clear() {
    secrets.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String[] parts = path.split("/");
    if (path.equals("/api/v1")) {
      send(exchange, 200, coreResources());
    } else if (parts.length == 7 && path.startsWith("/api/v1/namespaces/") && parts[5].equals("secrets")) {
      ObjectNode secret = secrets.get(parts[4] + "/" + parts[6]);
      send(exchange, secret == null ? 404 : 200, secret == null ? notFound(parts[6]) : secret);
    } else {
      send(exchange, 404, notFound(path));
    }
  }

  private static ObjectNode coreResources() {
    ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", "v1");
    ObjectNode secret = list.putArray("resources").addObject()
        .put("name", "secrets").put("singularName", "secret").put("namespaced", true).put("kind", "Secret");
    secret.putArray("verbs").add("get").add("list");
    return list;
  }

  private static ObjectNode notFound(String name) {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
        .put("status", "Failure").put("reason", "NotFound").put("code", 404)
        .put("message", "\"" + name + "\" not found");
    status.putObject("metadata");
    return status;
  }

  private static void send(HttpExchange exchange, int code, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private void writeKubeconfig(Path file) {
    String server = "http://127.0.0.1:" + this.server.getAddress().getPort();
    String config = """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "%s"}}]
        users: [{name: fake, user: {}}]
        contexts: [{name: fake, context: {cluster: fake, user: fake}}]
        current-context: fake
        """.formatted(server);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, config, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
