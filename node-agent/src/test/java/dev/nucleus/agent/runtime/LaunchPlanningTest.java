package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.state.SandboxPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Reused walls are the walls made afresh for the same inputs, and a spec that differs in any input gets its own (pure). */
class LaunchPlanningTest {

    static final Path LAUNCHER = Path.of("/state/bin/nucleus-launcher");

    /**
     * Policies whose answers depend on every input their contract lets them read (and nothing else), counted: a reused
     * answer for an input it would have answered differently shows up as a different plan.
     */
    static final class CountingPolicies implements CgrouplessPolicies {
        int seccompCalls;
        int landlockCalls;
        boolean refuse;

        @Override
        public Compiled seccomp(SandboxConfig c) throws LaunchException {
            seccompCalls++;
            if (refuse) {
                throw new LaunchException("SeccompUnavailable", "refused for the test");
            }
            String policy = c.seccomp().profile() + c.seccomp().extraAllowed() + new TreeSet<>(c.capabilitiesAdd());
            return new Compiled(policy.getBytes(StandardCharsets.UTF_8), c.seccomp().profile(), policy.length());
        }

        @Override
        public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) {
            landlockCalls++;
            if (!c.landlock().enabled()) {
                return Optional.empty();
            }
            List<LaunchPlan.LandlockRules.PathRule> paths = new ArrayList<>();
            c.landlock().readWrite().forEach(p -> paths.add(new LaunchPlan.LandlockRules.PathRule(p, 3)));
            c.landlock().readOnly().forEach(p -> paths.add(new LaunchPlan.LandlockRules.PathRule(p, 1)));
            c.landlock().execute().forEach(p -> paths.add(new LaunchPlan.LandlockRules.PathRule(p, 5)));
            c.volumes().forEach(v -> paths.add(new LaunchPlan.LandlockRules.PathRule(v.target(), 3)));
            List<LaunchPlan.LandlockRules.PortRule> ports = new ArrayList<>();
            c.landlock().tcpBind().forEach(p -> ports.add(new LaunchPlan.LandlockRules.PortRule(p, 1)));
            c.landlock().tcpConnect().forEach(p -> ports.add(new LaunchPlan.LandlockRules.PortRule(p, 2)));
            return Optional.of(new LaunchPlan.LandlockRules(7, 0xffff, 3, c.network().newNamespace() ? 2 : 3, paths, ports));
        }
    }

    static SandboxPaths pathsOf(SandboxConfig c) {
        return new SandboxPaths(PoolShapeTest.STATE.resolve("sandboxes/" + c.name()));
    }

    static LaunchPlanning planning(SandboxPolicies policies) {
        return new LaunchPlanning(policies, FakeKernel.debianHost(), PoolShapeTest.STATE, LAUNCHER);
    }

    /** Every poolable spec, and each with one walls input changed (the changes that keep it poolable). */
    static List<SandboxConfig> claims() {
        java.util.Set<SandboxConfig> all = new java.util.LinkedHashSet<>();
        for (NetworkMode net : NetworkMode.values()) {
            for (SandboxConfig c : PoolShapeTest.poolable(net)) {
                all.add(c);
                all.add(with(c, new SandboxConfig.Seccomp("Strict", List.of()), c.capabilitiesAdd(), c.landlock(), c.resources()));
                all.add(with(c, new SandboxConfig.Seccomp(c.seccomp().profile().equals("Unconfined") ? "Default" : c.seccomp().profile(),
                        List.of("ptrace")), c.capabilitiesAdd(), c.landlock(), c.resources()));
                all.add(with(c, c.seccomp(), Set.of("SYS_PTRACE"), c.landlock(), c.resources()));
                all.add(with(c, c.seccomp(), c.capabilitiesAdd(), new SandboxConfig.Landlock(true, List.of("/var"), List.of(),
                        List.of("/opt"), List.of(80), List.of()), c.resources()));
                all.add(with(c, c.seccomp(), c.capabilitiesAdd(), c.landlock(),
                        new SandboxConfig.Resources(c.resources().memoryBytes(), c.resources().cpuMillis(), c.resources().pids() + 7)));
                all.add(c.withTimeNamespace(!c.timeNamespace()));
            }
        }
        return List.copyOf(all);
    }

    static SandboxConfig with(SandboxConfig c, SandboxConfig.Seccomp seccomp, Set<String> caps, SandboxConfig.Landlock landlock,
                              SandboxConfig.Resources resources) {
        return new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), resources, c.uid(),
                c.gid(), c.userNamespace(), c.network(), seccomp, landlock, caps, c.timeoutSeconds(), c.hostname(), c.logLimitBytes(),
                c.timeNamespace());
    }

    /** The same spec under another name: everything that names the sandbox differs, its walls do not. */
    static SandboxConfig renamed(SandboxConfig c, String name) {
        return new SandboxConfig(name, List.of("/bin/" + name), Map.of("X", name), "/srv", c.rootfs(), c.volumes(), c.resources(),
                c.uid() + 1, c.gid() + 2, c.userNamespace(), c.network(), c.seccomp(), c.landlock(), c.capabilitiesAdd(),
                c.timeoutSeconds() + 3, "", c.logLimitBytes() + 4, c.timeNamespace());
    }

    /** The claim's plan as the planner makes it from the policies' answers, nothing reused. */
    static LaunchPlan fresh(SandboxConfig c) throws Exception {
        CountingPolicies p = new CountingPolicies();
        return new LaunchPlanner(FakeKernel.debianHost(), PoolShapeTest.STATE, LAUNCHER).planClaim(c, pathsOf(c),
                new LaunchPlanner.Policies(List.of(), p.seccomp(c).bpf(), p.landlock(c), -1));
    }

    static void assertSamePlan(LaunchPlan actual, LaunchPlan expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
        assertThat(PlanEncoder.encodeClaim(actual, Path.of("/l"))).isEqualTo(PlanEncoder.encodeClaim(expected, Path.of("/l")));
    }

    @Test
    void aClaimsPlanIsThePlanMadeAfreshWhetherItsWallsWereMadeOrReused() throws Exception {
        List<SandboxConfig> claims = claims();
        CountingPolicies policies = new CountingPolicies();
        LaunchPlanning planning = planning(policies);
        List<SandboxConfig> reversed = new ArrayList<>(claims);
        java.util.Collections.reverse(reversed);
        for (int round = 0; round < 3; round++) {  // more inputs than the 16 kept: evictions included
            for (SandboxConfig c : round == 1 ? reversed : claims) {
                LaunchPlanning.Planned planned = planning.planClaim(c, pathsOf(c));
                assertSamePlan(planned.plan(), fresh(c));
                assertThat(planned.seccomp()).usingRecursiveComparison().isEqualTo(new CountingPolicies().seccomp(c));
                SandboxConfig other = renamed(c, c.name() + "-again");
                assertSamePlan(planning.planClaim(other, pathsOf(other)).plan(), fresh(other));
            }
        }
        assertThat(claims).hasSizeGreaterThan(16);
        List<String> plans = new ArrayList<>();
        for (SandboxConfig c : claims) {
            plans.add(Arrays.toString(PlanEncoder.encode(fresh(c))));  // the shape records too: network modes differ there
        }
        assertThat(plans.stream().distinct()).as("the specs differ in their plans").hasSize(claims.size());
    }

    @Test
    void specsThatDifferOnlyInWhatNamesTheSandboxShareTheirWallsAndAnyOtherInputMakesNewOnes() throws Exception {
        CountingPolicies policies = new CountingPolicies();
        LaunchPlanning planning = planning(policies);
        SandboxConfig first = PoolShapeTest.poolable(NetworkMode.NONE).get(2);
        LaunchPlanning.Walled made = planning.walls(first);
        assertThat(planning.walls(renamed(first, "other"))).isSameAs(made);
        assertThat(policies.seccompCalls).isEqualTo(1);
        assertThat(policies.landlockCalls).isEqualTo(1);
        int calls = 1;
        for (SandboxConfig c : claims()) {
            boolean sameInputs = LaunchPlanning.WallsKey.of(c).equals(LaunchPlanning.WallsKey.of(first));
            LaunchPlanning.Walled w = planning.walls(c);
            if (!sameInputs) {
                calls++;
                assertThat(w).isNotSameAs(made);
            }
        }
        assertThat(policies.seccompCalls).as("one call per distinct input, at most 16 kept").isGreaterThanOrEqualTo(calls);
        // the cold launch's inputs beyond a claim's: user namespace and volumes
        SandboxConfig userns = new SandboxConfig("u", first.command(), first.env(), "/", new RootfsSource.Host(), List.of(),
                first.resources(), 0, 0, true, first.network(), first.seccomp(), first.landlock(), first.capabilitiesAdd(), 0);
        SandboxConfig volume = new SandboxConfig("v", first.command(), first.env(), "/", new RootfsSource.Host(),
                List.of(new Volume.Tmpfs("/scratch", 1 << 20)), first.resources(), 0, 0, false, first.network(), first.seccomp(),
                first.landlock(), first.capabilitiesAdd(), 0);
        assertThat(planning.walls(userns).walls().namespaces()).contains("user");
        assertThat(planning.walls(volume).walls().landlock().orElseThrow().paths())
                .contains(new LaunchPlan.LandlockRules.PathRule("/scratch", 3));
        assertThat(planning.walls(first).walls().landlock().orElseThrow().paths())
                .doesNotContain(new LaunchPlan.LandlockRules.PathRule("/scratch", 3));
    }

    @Test
    void theKeysHandWrittenEqualityIsTheRecordsComponentEquality() {
        List<LaunchPlanning.WallsKey> keys = new ArrayList<>();
        for (SandboxConfig c : claims()) {
            keys.add(LaunchPlanning.WallsKey.of(c));
            keys.add(LaunchPlanning.WallsKey.of(renamed(c, "x")));
        }
        keys.add(new LaunchPlanning.WallsKey(SandboxConfig.Seccomp.DEFAULT, Set.of(), SandboxConfig.Landlock.DEFAULT,
                List.of(new Volume.Tmpfs("/t", 1)), NetworkMode.NONE, true, false, 0));
        for (LaunchPlanning.WallsKey a : keys) {
            for (LaunchPlanning.WallsKey b : keys) {
                boolean components = a.seccomp().equals(b.seccomp()) && a.capabilitiesAdd().equals(b.capabilitiesAdd())
                        && a.landlock().equals(b.landlock()) && a.volumes().equals(b.volumes()) && a.network() == b.network()
                        && a.userNamespace() == b.userNamespace() && a.timeNamespace() == b.timeNamespace() && a.pids() == b.pids();
                assertThat(a.equals(b)).as("%s vs %s", a, b).isEqualTo(components);
                if (components) {
                    assertThat(a.hashCode()).isEqualTo(b.hashCode());
                }
            }
        }
    }

    @Test
    void aRefusalIsNeverKept() throws Exception {
        CountingPolicies policies = new CountingPolicies();
        LaunchPlanning planning = planning(policies);
        SandboxConfig c = PoolShapeTest.poolable(NetworkMode.NONE).get(0);
        policies.refuse = true;
        assertThatThrownBy(() -> planning.planClaim(c, pathsOf(c))).isInstanceOf(LaunchException.class);
        assertThatThrownBy(() -> planning.planClaim(c, pathsOf(c))).isInstanceOf(LaunchException.class);
        assertThat(policies.seccompCalls).isEqualTo(2);
        policies.refuse = false;
        assertThat(planning.walls(c).seccomp().profile()).isEqualTo(c.seccomp().profile());
        assertThat(policies.seccompCalls).isEqualTo(3);
    }
}
