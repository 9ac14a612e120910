package dev.nucleus.operator.config;

import java.util.Optional;
import java.util.UUID;

/**
 * Which replica this is: the leader-election identity and the reportingInstance of its Events, so the Lease and
 * the Events say which replica decided. The pod name (HOSTNAME) in a cluster; set explicitly where it is not unique.
 *
 * @param id unique among the replicas competing for the leader Lease
 */
public record OperatorInstance(String id) {

  /** From {@code nucleus.operator.instance-id}, else HOSTNAME, else a random name (never shared by two replicas). */
  public static OperatorInstance resolve(Optional<String> configured, String hostname) {
    String id = configured.filter(s -> !s.isBlank())
        .or(() -> Optional.ofNullable(hostname).filter(s -> !s.isBlank()))
        .orElseGet(() -> "nucleus-operator-" + UUID.randomUUID());
    return new OperatorInstance(id);
  }
}
