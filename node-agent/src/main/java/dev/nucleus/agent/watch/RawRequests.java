package dev.nucleus.agent.watch;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

/**
 * Requests the agent sends as bytes through fabric8's HTTP client, for the writes it makes per sandbox (status
 * patches, Events): a typed call would serialize through an object first and bind the answer, which nothing reads.
 */
final class RawRequests {
  private RawRequests() {}

  /** The API server's base URL without a trailing slash. */
  static String server(KubernetesClient client) {
    return client.getMasterUrl().toString().replaceAll("/+$", "");
  }

  /** Sends {@code request} and returns the answer, whatever its code; not getting one is an exception naming {@code what}. */
  static HttpResponse<byte[]> send(HttpClient http, HttpRequest request, String what) {
    try {
      return http.sendAsync(request, byte[].class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted during " + what, e);
    } catch (ExecutionException e) {
      throw new KubernetesClientException(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** The answer's body, empty when it has none. */
  static byte[] body(HttpResponse<byte[]> response) {
    return response.body() == null ? new byte[0] : response.body();
  }

  /** An answer that is not a success, as an exception with its code and the start of its body. */
  static KubernetesClientException refused(String what, HttpResponse<byte[]> response) {
    byte[] body = body(response);
    return new KubernetesClientException(what + " refused: HTTP " + response.code() + " "
        + new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8), response.code(), null);
  }
}
