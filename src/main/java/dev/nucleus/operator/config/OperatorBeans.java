package dev.nucleus.operator.config;

import dev.nucleus.operator.model.NodeReservations;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * CDI producers: the clock the model is handed, the placements not yet reported by agents, this replica's identity,
 * and the leader-election Lease.
 */
public class OperatorBeans {

  /** Shared by the placing and the teardown controller of sandboxes: one places, both may release. */
  @Produces
  @Singleton
  NodeReservations reservations() {
    return new NodeReservations();
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Produces
  @Singleton
  OperatorInstance instance(OperatorConfig config) {
    return OperatorInstance.resolve(config.instanceId(), System.getenv("HOSTNAME"));
  }

  /**
   * QOSDK turns leader election on for the profiles in quarkus.operator-sdk.activate-leader-election-for-profiles
   * (prod by default) when this bean exists: a second replica waits on the Lease and takes over when it expires.
   */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(OperatorConfig config, OperatorInstance instance) {
    return leaderElection(config, instance, true);
  }

  /**
   * The Lease {@code nucleus.operator.leader-lease-name} in {@code nucleus.operator.namespace}, held under this
   * replica's identity with JOSDK's default timings. A replica that stops leading exits (JOSDK then calls
   * System.exit) so it can never reconcile next to the new leader; only a test JVM, which must outlive the
   * replica it stops, passes false.
   */
  public static LeaderElectionConfiguration leaderElection(OperatorConfig config, OperatorInstance instance,
      boolean exitOnStopLeading) {
    return new LeaderElectionConfiguration(config.leaderLeaseName(), config.namespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE, LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, instance.id(), null, exitOnStopLeading);
  }
}
