package dev.nucleus.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The benchmark's own client for NucleusSandbox objects: creates from JSON bytes serialized before the clock starts,
 * and one raw watch whose events are read as JSON trees. It runs on the cores of the system under test, so it does
 * no more than the measurement needs: no typed objects, no informer cache, no per-object GET. The latencies are
 * taken at the same two points as with any client: just before the create call, and when a watch event arrives.
 */
final class BenchClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "/apis/nucleus.dev/v1alpha1/namespaces/%s/nucleussandboxes";
  /** ChaCha20-Poly1305 first: this JVM runs C1 only, where AES-GCM has no intrinsics (as in the agent, bin/nucleus). */
  private static final String[] CIPHERS = {"TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};

  /** What the benchmark reads of one watched version of a sandbox. */
  record Seen(String type, String name, String nodeName, String phase, String startedAt, String reason,
      String message) {}

  private final HttpClient http;
  private final URI server;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The watch's open response body: closing it ends the watch (an interrupt does not unblock its read). */
  private final AtomicReference<Stream<String>> watchBody = new AtomicReference<>();

  BenchClient(String kubeconfigYaml) {
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    try {
      SSLContext tls = SSLUtils.sslContext(config);
      SSLParameters parameters = tls.getDefaultSSLParameters();
      parameters.setCipherSuites(CIPHERS);
      http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).sslParameters(parameters)
          .build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the benchmark's TLS client from the kubeconfig: " + e, e);
    }
    server = URI.create(config.getMasterUrl().replaceAll("/+$", ""));
  }

  /** Creates one sandbox from its JSON; fails with the API server's answer unless it is 201. */
  void create(String namespace, byte[] json) {
    HttpRequest request = HttpRequest.newBuilder(server.resolve(API.formatted(namespace)))
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
    HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("create refused: HTTP " + response.statusCode() + " " + response.body());
    }
  }

  /**
   * Watches every sandbox of {@code namespace} from now on, on one thread, handing each event to {@code onEvent};
   * a watch the API server ends is resumed from the last version seen.
   */
  void watch(String namespace, Consumer<Seen> onEvent) {
    HttpResponse<String> list = send(HttpRequest.newBuilder(server.resolve(API.formatted(namespace) + "?limit=1"))
        .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
    String[] version = {tree(list.body()).at("/metadata/resourceVersion").asText()};
    Thread watcher = new Thread(() -> {
      while (!closed.get()) {
        HttpRequest request = HttpRequest.newBuilder(server.resolve(API.formatted(namespace)
            + "?watch=1&allowWatchBookmarks=false&resourceVersion=" + version[0])).GET().build();
        try (Stream<String> lines = send(request, HttpResponse.BodyHandlers.ofLines()).body()) {
          watchBody.set(lines);
          if (closed.get()) {
            return;
          }
          lines.takeWhile(line -> !closed.get()).forEach(line -> {
            JsonNode event = tree(line);
            JsonNode object = event.path("object");
            String rv = object.at("/metadata/resourceVersion").asText(null);
            if (rv != null) {
              version[0] = rv;
            }
            JsonNode status = object.path("status");
            onEvent.accept(new Seen(event.path("type").asText(), object.at("/metadata/name").asText(),
                status.path("nodeName").asText(null), status.path("phase").asText(null),
                status.path("startedAt").asText(null), status.path("reason").asText(null),
                status.path("message").asText(null)));
          });
        } catch (UncheckedIOException | IllegalStateException e) {
          if (!closed.get()) {
            System.err.println("bench watch ended, resuming from version " + version[0] + ": " + e.getMessage());
          }
        }
      }
    }, "bench-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closed.set(true);
    Stream<String> body = watchBody.get();
    if (body != null) {
      body.close();
    }
  }
}
