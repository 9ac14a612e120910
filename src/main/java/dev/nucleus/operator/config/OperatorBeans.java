package dev.nucleus.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** CDI producers: the clock the model is handed, and the leader-election Lease QOSDK uses when active. */
public class OperatorBeans {

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * QOSDK turns leader election on for the profiles in quarkus.operator-sdk.activate-leader-election-for-profiles
   * (prod by default) when this bean exists: a second replica waits on the Lease and takes over when it expires.
   */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(OperatorConfig config) {
    return new LeaderElectionConfiguration(config.leaderLeaseName(), config.namespace());
  }
}
