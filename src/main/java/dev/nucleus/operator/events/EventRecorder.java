package dev.nucleus.operator.events;

import dev.nucleus.operator.config.OperatorInstance;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTimeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Records core/v1 Events on Nucleus objects. Events are best effort, as in kube-controller-manager: they are sent
 * from a bounded background queue so a slow API server delays no reconcile, and a full queue drops events.
 * {@code reportingInstance} names the replica that decided.
 */
@ApplicationScoped
public class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final String COMPONENT = "nucleus-operator";
  /** MicroTime: the API server parses exactly six fractional digits (RFC 3339 micro), ISO_INSTANT may print three. */
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final Clock clock;
  private final AtomicBoolean firstFailure = new AtomicBoolean();
  private final String instance;
  private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
      new ArrayBlockingQueue<>(10_000), r -> {
        Thread t = new Thread(r, "nucleus-events");
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.DiscardPolicy());

  public EventRecorder(KubernetesClient client, Clock clock, OperatorInstance instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance.id();
  }

  /** A Normal event. */
  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  /** A Warning event. */
  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    var meta = about.getMetadata();
    Instant instant = clock.instant();
    String now = DateTimeFormatter.ISO_INSTANT.format(instant);
    var event = new EventBuilder()
        .withNewMetadata()
        .withName(meta.getName() + "." + UUID.randomUUID().toString().substring(0, 8))
        .withNamespace(meta.getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(about.getApiVersion()).withKind(about.getKind())
        .withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
        .withResourceVersion(meta.getResourceVersion())
        .endInvolvedObject()
        .withType(type).withReason(reason).withMessage(truncate(message)).withCount(1)
        .withFirstTimestamp(now).withLastTimestamp(now)
        .withEventTime(new MicroTimeBuilder().withTime(MICRO_TIME.format(instant)).build())
        .withReportingComponent(COMPONENT).withReportingInstance(instance)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withAction(reason.toLowerCase(Locale.ROOT))
        .build();
    sender.execute(() -> {
      try {
        client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
      } catch (RuntimeException e) {
        if (firstFailure.compareAndSet(false, true)) {
          // Dropping events is by design; an API server refusing all of them is a bug worth one loud line.
          LOG.warnf("event %s on %s/%s not recorded (further failures are logged at debug): %s", reason,
              meta.getNamespace(), meta.getName(), e.getMessage());
          return;
        }
        LOG.debugf("event %s on %s/%s not recorded: %s", reason, meta.getNamespace(), meta.getName(), e.getMessage());
      }
    });
  }

  private static String truncate(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
  }

  @PreDestroy
  void stop() {
    sender.shutdown();
  }
}
