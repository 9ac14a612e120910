package dev.nucleus.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.operator.testing.RealControlPlane;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The operator's operational endpoints answer: liveness for the kubelet, Prometheus metrics with ours in them. */
@QuarkusTest
@WithTestResource(RealControlPlane.class)
class OperationsTest {
  @TestHTTPResource("/q/health/live")
  URI live;
  @TestHTTPResource("/q/metrics")
  URI metrics;

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void livenessIsUp() throws Exception {
    var response = get(live);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"status\": \"UP\"");
  }

  @Test
  void metricsExposeTheDomainHistograms() throws Exception {
    var response = get(metrics);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("nucleus_sandbox_schedule_latency_seconds_bucket",
        "nucleus_sandbox_start_latency_seconds", "nucleus_checkpoint_duration_seconds", "nucleus_checkpoint_size_bytes");
  }
}
