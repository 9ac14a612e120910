package dev.nucleus.operator.testing;

import dev.nucleus.operator.config.OperatorBeans;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.config.OperatorInstance;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The production leader election (same Lease, identity and timings) except that a replica that stops leading does
 * not call System.exit: the handover test stops the leader inside the test JVM and must live on to watch the
 * standby take over. Enabled only by that test's profile.
 */
@Alternative
@Singleton
public class NonExitingLeaderElection {

  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(OperatorConfig config, OperatorInstance instance) {
    return OperatorBeans.leaderElection(config, instance, false);
  }
}
