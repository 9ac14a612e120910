package dev.nucleus.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Merges desired conditions into the current list the way Kubernetes expects: lastTransitionTime moves only
 * when the status flips, observedGeneration is stamped on each, and conditions of other types are kept.
 */
public final class Conditions {

  private Conditions() {}

  /** The condition of {@code type}, if present. */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** True when the condition of {@code type} has {@code status}. */
  public static boolean is(List<Condition> conditions, String type, String status) {
    return find(conditions, type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  /** The reason of the condition of {@code type}, or null. */
  public static String reason(List<Condition> conditions, String type) {
    return find(conditions, type).map(Condition::getReason).orElse(null);
  }

  /** The desired conditions in their given order, then any foreign conditions from {@code current}. */
  public static List<Condition> merge(List<Condition> current, List<DesiredCondition> desired, long generation,
      Instant now) {
    List<Condition> merged = new ArrayList<>();
    for (DesiredCondition want : desired) {
      Optional<Condition> had = find(current, want.type());
      String since = had.filter(c -> want.status().equals(c.getStatus()))
          .map(Condition::getLastTransitionTime)
          .orElse(timestamp(now));
      merged.add(new Condition(since, want.message(), generation, want.reason(), want.status(), want.type()));
    }
    Set<String> ours = desired.stream().map(DesiredCondition::type).collect(Collectors.toSet());
    if (current != null) {
      current.stream().filter(c -> !ours.contains(c.getType())).forEach(merged::add);
    }
    return merged;
  }

  /** The changes worth an event: a condition that is new, flipped status or changed reason. */
  public static List<Condition> transitions(List<Condition> before, List<Condition> after) {
    List<Condition> changed = new ArrayList<>();
    for (Condition c : after) {
      Optional<Condition> old = find(before, c.getType());
      boolean same = old.isPresent()
          && Objects.equals(old.get().getStatus(), c.getStatus())
          && Objects.equals(old.get().getReason(), c.getReason());
      if (!same) {
        changed.add(c);
      }
    }
    return changed;
  }

  /** Kubernetes meta/v1 Time: RFC 3339 in UTC with second precision. */
  public static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
