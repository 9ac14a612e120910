package dev.nucleus.operator.model;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/** Time-based lifecycle rules: TTL after finishing, the teardown handshake, and backoff while waiting. */
public final class SandboxLifecycle {

  private SandboxLifecycle() {}

  /** When a finished sandbox is due for deletion under ttlSecondsAfterFinished; empty if never. */
  public static Optional<Instant> ttlExpiry(NucleusSandboxSpec spec, NucleusSandboxStatus status) {
    if (spec == null || spec.getLifecycle() == null || spec.getLifecycle().getTtlSecondsAfterFinished() == null
        || !SandboxStatusAggregator.finished(status) || status.getFinishedAt() == null) {
      return Optional.empty();
    }
    return parse(status.getFinishedAt()).map(t -> t.plusSeconds(spec.getLifecycle().getTtlSecondsAfterFinished()));
  }

  /**
   * True when the object carries {@code nucleus.dev/teardown-complete=<node>} for the node it is placed on, or when
   * it was never placed. The value names the node so a confirmation from an earlier placement never counts.
   */
  public static boolean teardownConfirmed(ObjectMeta meta, String node) {
    if (node == null) {
      return true;
    }
    String confirmed = meta.getAnnotations() == null ? null
        : meta.getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE);
    return node.equals(confirmed);
  }

  /**
   * Stateless exponential backoff: wait as long as the condition has already held its status, within bounds. Each
   * wait roughly doubles the time waited so far, without keeping a retry counter anywhere.
   */
  public static Duration backoffSince(List<Condition> conditions, String type, Instant now, Backoff bounds) {
    Duration waited = Conditions.find(conditions, type).map(Condition::getLastTransitionTime)
        .flatMap(SandboxLifecycle::parse).map(t -> Duration.between(t, now)).orElse(Duration.ZERO);
    if (waited.compareTo(bounds.initial()) < 0) {
      return bounds.initial();
    }
    return waited.compareTo(bounds.max()) > 0 ? bounds.max() : waited;
  }

  static Optional<Instant> parse(String text) {
    try {
      return Optional.ofNullable(text).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
