package dev.nucleus.agent.watch;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * core/v1 Events about what happened on this node (the chart grants the agent {@code create} on events), with the
 * node as their source host. Best effort, as in the kubelet: sent from a bounded background queue so a slow API
 * server delays no reconcile; a full queue drops events.
 */
final class AgentEvents implements AutoCloseable {
  static final String COMPONENT = "nucleus-agent";
  private static final Logger LOG = Logger.getLogger(AgentEvents.class.getName());

  private final KubernetesClient client;
  private final String node;
  private final Clock clock;
  private final String eventsRoot;
  private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(1_000), r -> {
        Thread t = new Thread(r, "nucleus-agent-events");
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.DiscardPolicy());

  AgentEvents(KubernetesClient client, String node, Clock clock) {
    this.client = client;
    this.node = node;
    this.clock = clock;
    this.eventsRoot = RawRequests.server(client) + "/api/v1/namespaces/";
  }

  void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    var meta = about.getMetadata();
    String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant());
    var event = new EventBuilder()
        .withNewMetadata().withName(meta.getName() + "." + UUID.randomUUID().toString().substring(0, 8))
        .withNamespace(meta.getNamespace()).endMetadata()
        .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind())
        .withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid()).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(truncate(message)).withCount(1)
        .withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent(COMPONENT).withHost(node).endSource()
        .build();
    sender.execute(() -> {
      try {
        post(meta.getNamespace(), client.getKubernetesSerialization().asJson(event));
      } catch (RuntimeException e) {
        LOG.warning("event " + reason + " on " + meta.getNamespace() + "/" + meta.getName() + " not recorded: " + e);
      }
    });
  }

  /**
   * Creates the Event from its JSON; the API server's answer (the Event again) is checked for success and not
   * decoded: nothing reads it, and a typed create would bind it to an object on every start.
   */
  private void post(String namespace, String json) {
    HttpClient http = client.getHttpClient();
    HttpRequest request = http.newHttpRequestBuilder()
        .uri(eventsRoot + namespace + "/events").timeout(30, TimeUnit.SECONDS)
        .post("application/json", json.getBytes(StandardCharsets.UTF_8)).build();
    HttpResponse<byte[]> response = RawRequests.send(http, request, "event create");
    if (!response.isSuccessful()) {
      throw RawRequests.refused("event create", response);
    }
  }

  private static String truncate(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
  }

  @Override
  public void close() {
    sender.shutdown();
  }
}
