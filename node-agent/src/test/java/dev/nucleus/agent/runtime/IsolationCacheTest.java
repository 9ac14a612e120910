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

    @Test
    void theKeysWrittenOutEqualityIsTheComponentsEquality() throws Exception {
        List<EffectiveIsolation.Key> keys = new ArrayList<>();
        for (Input in : inputs()) {
            EffectiveIsolation.Key k = EffectiveIsolation.Key.of(in.config(), in.plan(), in.seccomp(), in.cgroup(), in.born());
            keys.add(k);
            keys.add(copy(k));  // equal, and no component the same object
        }
        Input a = inputs().get(0);
        SandboxConfig c = a.config();
        keys.add(EffectiveIsolation.Key.of(new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(),
                new dev.nucleus.agent.rootfs.RootfsSource.Directory(java.nio.file.Path.of("/srv/root"), true), c.volumes(),
                c.resources(), c.uid(), c.gid(), c.userNamespace(), c.network(), c.seccomp(), c.landlock(), c.capabilitiesAdd(),
                c.timeoutSeconds()), a.plan(), a.seccomp(), a.cgroup(), a.born()));
        for (EffectiveIsolation.Key x : keys) {
            for (EffectiveIsolation.Key y : keys) {
                boolean components = x.network() == y.network() && x.namespaces().equals(y.namespaces())
                        && x.uidMap().equals(y.uidMap()) && x.rootfs().equals(y.rootfs()) && x.uid() == y.uid()
                        && x.gid() == y.gid() && x.capabilities() == y.capabilities()
                        && x.seccompUnconfined() == y.seccompUnconfined() && x.seccompProfile().equals(y.seccompProfile())
                        && x.allowedSyscalls() == y.allowedSyscalls() && x.landlock().equals(y.landlock())
                        && x.cgroup() == y.cgroup() && x.bornInCgroup() == y.bornInCgroup()
                        && x.resources().equals(y.resources()) && x.rlimits().equals(y.rlimits())
                        && x.timeoutSeconds() == y.timeoutSeconds();
                assertThat(x.equals(y)).as("%s vs %s", x, y).isEqualTo(components);
                if (components) {
                    assertThat(x.hashCode()).isEqualTo(y.hashCode());
                }
            }
        }
    }

    private static EffectiveIsolation.Key copy(EffectiveIsolation.Key k) {
        return new EffectiveIsolation.Key(k.network(), new ArrayList<>(k.namespaces()), k.uidMap().map(String::new),
                k.rootfs() instanceof dev.nucleus.agent.rootfs.RootfsSource.Host ? new dev.nucleus.agent.rootfs.RootfsSource.Host()
                        : k.rootfs(), k.uid(), k.gid(), k.capabilities(), k.seccompUnconfined(), new String(k.seccompProfile()),
                k.allowedSyscalls(), k.landlock().map(l -> new LaunchPlan.LandlockRules(l.abi(), l.handledFs(), l.handledNet(),
                        l.scoped(), new ArrayList<>(l.paths()), new ArrayList<>(l.ports()))), k.cgroup(), k.bornInCgroup(),
                new SandboxConfig.Resources(k.resources().memoryBytes(), k.resources().cpuMillis(), k.resources().pids()),
                new ArrayList<>(k.rlimits()), k.timeoutSeconds());
    }
}
