package dev.nucleus.operator.kube;

import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.util.Arrays;

/**
 * Whether a controller's secondary informer caches have been filled by a first list. A pass must not decide before:
 * an empty Lease cache reads as "every node lost" (a sticky phase Lost, a finalizer released while the agent still
 * runs the sandbox). JOSDK starts event processing once its cache-sync timeout passes even when an informer is still
 * retrying its list (quarkus.operator-sdk.stop-on-informer-error-during-startup=false), so each pass checks.
 */
public final class Caches {
  /** How soon a pass that found an unsynced cache looks again; it writes nothing meanwhile. */
  public static final Duration UNSYNCED_RETRY = Duration.ofSeconds(1);

  private Caches() {}

  /** True once every source has listed at least once (JOSDK: running and synced); stays true across later outages. */
  public static boolean synced(EventSource<?, ?>... sources) {
    return Arrays.stream(sources).allMatch(s -> s.getStatus() == Status.HEALTHY);
  }
}
