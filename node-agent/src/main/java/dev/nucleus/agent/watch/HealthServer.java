package dev.nucleus.agent.watch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoint on the JDK's built-in server: {@code /livez} (the process serves) and {@code /healthz}
 * (synced, watching, Lease renewed) for the kubelet's liveness and readiness probes, {@code /metrics} for Prometheus. One small thread; no framework.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  /**
   * @param unhealthy empty when healthy, else the reason served with a 503
   */
  public HealthServer(int port, AgentMetrics metrics, Supplier<Optional<String>> unhealthy) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 16);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nucleus-agent-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", exchange -> {
      Optional<String> problem = unhealthy.get();
      respond(exchange, problem.isPresent() ? 503 : 200, "text/plain; charset=utf-8", problem.orElse("ok") + "\n");
    });
    // Liveness: the process serves. An API server it cannot reach, or a Lease it cannot renew, makes /healthz (readiness)
    // fail but is no reason for the kubelet to kill the agent: a new one would meet the same API server.
    server.createContext("/livez", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "ok\n"));
    server.createContext("/metrics", exchange ->
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
