package dev.nucleus.operator.config;

import dev.nucleus.operator.model.Backoff;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The operator's own settings, {@code nucleus.operator.*} in application.properties (documented there). */
@ConfigMapping(prefix = "nucleus.operator")
public interface OperatorConfig {

  /** Namespace holding the agent Leases and the leader-election Lease. */
  @WithDefault("nucleus-system")
  String namespace();

  /** How long past its leaseDuration an agent Lease may go unrenewed before its node counts as lost. */
  @WithDefault("30s")
  Duration leaseGracePeriod();

  /** First requeue delay while a sandbox is unschedulable or a checkpoint waits for its target. */
  @WithDefault("2s")
  Duration requeueInitial();

  /** Longest requeue delay while unschedulable or waiting. */
  @WithDefault("5m")
  Duration requeueMax();

  /** Delay before the first retry of a failed checkpoint attempt; doubles per attempt. */
  @WithDefault("10s")
  Duration checkpointRetryInitial();

  /** Longest delay between checkpoint attempts. */
  @WithDefault("10m")
  Duration checkpointRetryMax();

  /** Name of the Lease replicas compete for; only its holder reconciles. */
  @WithDefault("nucleus-operator-leader")
  String leaderLeaseName();

  /** This replica's name for leader election and Events; defaults to HOSTNAME (the pod name). */
  Optional<String> instanceId();

  default Backoff requeueBackoff() {
    return new Backoff(requeueInitial(), requeueMax());
  }

  default Backoff checkpointBackoff() {
    return new Backoff(checkpointRetryInitial(), checkpointRetryMax());
  }
}
