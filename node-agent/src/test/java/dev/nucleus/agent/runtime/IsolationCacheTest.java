package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.state.SandboxPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A cached description is the one describe() makes of the same inputs, whatever else the spec holds. */
class IsolationCacheTest {

    record Input(SandboxConfig config, LaunchPlan plan, SandboxPolicies.Compiled seccomp, boolean cgroup, boolean born) {
        Map<String, Object> fresh() {
            return EffectiveIsolation.describe(config, plan, seccomp, cgroup, born);
        }
    }

    /** Every poolable spec of every shape (time namespace or not), with each member trait, planned by the real planner. */
    static List<Input> inputs() throws Exception {
        LaunchPlanner planner = new PoolShapeTest().planner;
        List<Input> all = new ArrayList<>();
        for (NetworkMode net : NetworkMode.values()) {
            for (SandboxConfig c : PoolShapeTest.poolable(net).stream()
                    .flatMap(p -> java.util.stream.Stream.of(p, p.withTimeNamespace(true))).toList()) {
                Optional<LaunchPlan.LandlockRules> landlock = c.landlock().enabled()
                        ? Optional.of(new LaunchPlan.LandlockRules(7, 65535, 3, 2,
                                List.of(new LaunchPlan.LandlockRules.PathRule("/tmp", 3)), List.of()))
                        : Optional.empty();
                LaunchPlan plan = planner.planClaim(c, new SandboxPaths(PoolShapeTest.STATE.resolve("sandboxes/" + c.name())),
                        new LaunchPlanner.Policies(List.of(), new byte[16], landlock, -1));
                SandboxPolicies.Compiled seccomp = c.seccomp().profile().equals("Unconfined")
                        ? new SandboxPolicies.Compiled(new byte[0], "Unconfined", 0)
                        : new SandboxPolicies.Compiled(new byte[16], c.seccomp().profile(), 282);
                for (boolean[] traits : new boolean[][] {{true, true}, {true, false}, {false, false}}) {
                    all.add(new Input(c, plan, seccomp, traits[0], traits[1]));
                }
            }
        }
        return all;
    }

    @Test
    void everyInputGetsItsOwnDescriptionAndJsonWhetherMadeOrReused() throws Exception {
        List<Input> inputs = inputs();
        IsolationCache cache = new IsolationCache();
        List<Input> reversed = new ArrayList<>(inputs);
        java.util.Collections.reverse(reversed);
        for (int round = 0; round < 3; round++) {  // more inputs than the cache holds: evictions included
            for (Input in : round == 1 ? reversed : inputs) {
                IsolationCache.Described d = cache.describe(in.config(), in.plan(), in.seccomp(), in.cgroup(), in.born());
                assertThat(d.isolation()).isEqualTo(in.fresh());
                assertThat(d.json()).isEqualTo(RecordJson.isolation(in.fresh()));
            }
        }
        assertThat(inputs).hasSizeGreaterThan(16);
        assertThat(inputs.stream().map(Input::fresh).distinct()).as("the inputs differ in their descriptions").hasSize(inputs.size());
    }

    @Test
    void aSpecThatDiffersOnlyInWhatTheDescriptionDoesNotReadReusesIt() throws Exception {
        Input a = inputs().get(0);
        SandboxConfig c = a.config();
        SandboxConfig other = new SandboxConfig("other-name", List.of("/bin/other"), Map.of("B", "2"), "/tmp", c.rootfs(),
                c.volumes(), c.resources(), c.uid(), c.gid(), c.userNamespace(), c.network(), c.seccomp(), c.landlock(),
                c.capabilitiesAdd(), c.timeoutSeconds(), "other-host", c.logLimitBytes());
        IsolationCache cache = new IsolationCache();
        IsolationCache.Described first = cache.describe(c, a.plan(), a.seccomp(), a.cgroup(), a.born());
        assertThat(cache.describe(other, a.plan(), a.seccomp(), a.cgroup(), a.born())).isSameAs(first);
        assertThat(EffectiveIsolation.describe(other, a.plan(), a.seccomp(), a.cgroup(), a.born())).isEqualTo(first.isolation());
        SandboxConfig longer = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(),
                c.resources(), c.uid(), c.gid(), c.userNamespace(), c.network(), c.seccomp(), c.landlock(), c.capabilitiesAdd(),
                c.timeoutSeconds() + 1, c.hostname(), c.logLimitBytes());
        IsolationCache.Described second = cache.describe(longer, a.plan(), a.seccomp(), a.cgroup(), a.born());
        assertThat(second.isolation()).isNotEqualTo(first.isolation()).isEqualTo(
                EffectiveIsolation.describe(longer, a.plan(), a.seccomp(), a.cgroup(), a.born()));
    }
}
