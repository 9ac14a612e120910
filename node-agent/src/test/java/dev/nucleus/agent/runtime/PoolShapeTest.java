package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.MountOp;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.state.SandboxPaths;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shape key is exact: a member's plan up to pivot_root is the plan of every spec of its shape (pure, fake kernel). */
class PoolShapeTest {

    static final Path STATE = Path.of("/state");
    final LaunchPlanner planner = new LaunchPlanner(FakeKernel.debianHost(), STATE, Path.of("/state/bin/nucleus-launcher"));

    static SandboxConfig spec(String name, NetworkMode net, long uid, Set<String> caps, SandboxConfig.Seccomp seccomp,
                              SandboxConfig.Landlock landlock, SandboxConfig.Resources res, String hostname, String cwd) {
        return new SandboxConfig(name, List.of("/bin/sh", "-c", "echo " + name), Map.of("A", name), cwd, new RootfsSource.Host(),
                List.of(), res, uid, uid, false, net, seccomp, landlock, caps, 30, hostname);
    }

    static List<SandboxConfig> poolable(NetworkMode net) {
        return List.of(
                spec("a", net, 0, Set.of(), SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DEFAULT,
                        SandboxConfig.Resources.UNLIMITED, "a", "/"),
                spec("bee", net, 1000, Set.of("NET_BIND_SERVICE"), SandboxConfig.Seccomp.UNCONFINED,
                        SandboxConfig.Landlock.DISABLED, new SandboxConfig.Resources(64L << 20, 500, 16), "other-host", "/tmp"),
                spec("c", net, 65534, Set.of(), new SandboxConfig.Seccomp("Strict", List.of()), new SandboxConfig.Landlock(true,
                        List.of("/srv"), List.of("/opt"), List.of(8080), List.of(443)), new SandboxConfig.Resources(0, 0, 4), "", "/usr"));
    }

    /** Mount ops with the plan's own root path replaced, so plans of different directories compare. */
    static List<String> setup(LaunchPlan p) {
        return p.mounts().stream().map(op -> op.toString().replace(p.root(), "<root>")).toList();
    }

    @Test
    void everySpecOfAShapeHasTheMembersPlanUpToPivotRoot() throws Exception {
        for (PoolShape shape : List.of(new PoolShape(NetworkMode.NONE), new PoolShape(NetworkMode.HOST),
                new PoolShape(NetworkMode.NONE, true), new PoolShape(NetworkMode.HOST, true))) {
            LaunchPlan member = planner.plan(shape.template("1-2-3"), new SandboxPaths(STATE.resolve("pool/1-2-3")),
                    LaunchPlanner.Policies.NONE);
            assertThat(member.namespaces().contains("time")).isEqualTo(shape.timeNamespace());
            for (SandboxConfig c : poolable(shape.network()).stream().map(c -> c.withTimeNamespace(shape.timeNamespace())).toList()) {
                assertThat(PoolShape.of(c)).contains(shape);
                LaunchPlan cold = planner.plan(c, new SandboxPaths(STATE.resolve("sandboxes/" + c.name())), LaunchPlanner.Policies.NONE);
                assertThat(cold.namespaces()).isEqualTo(member.namespaces());
                assertThat(cold.loopbackUp()).isEqualTo(member.loopbackUp());
                assertThat(cold.uidMap()).isEqualTo(member.uidMap()).isEmpty();
                assertThat(setup(cold)).isEqualTo(setup(member));
                // and the spec's own part is all after pivot_root, in the sandbox's view
                assertThat(cold.finish()).contains(new MountOp.File("/etc/hostname", 0644, c.hostname() + "\n"));
            }
        }
    }

    @Test
    void specsOfAnotherShapeLaunchCold() {
        SandboxConfig base = poolable(NetworkMode.NONE).get(0);
        SandboxConfig volume = new SandboxConfig("v", base.command(), base.env(), "/", base.rootfs(),
                List.of(new Volume.Tmpfs("/data", 1 << 20)), base.resources(), 0, 0, false, NetworkMode.NONE, base.seccomp(),
                base.landlock(), Set.of(), 0);
        SandboxConfig path = new SandboxConfig("p", base.command(), base.env(), "/", new RootfsSource.Directory(Path.of("/srv/r")),
                List.of(), base.resources(), 0, 0, false, NetworkMode.NONE, base.seccomp(), base.landlock(), Set.of(), 0);
        SandboxConfig userns = new SandboxConfig("u", base.command(), base.env(), "/", base.rootfs(), List.of(),
                base.resources(), 0, 0, true, NetworkMode.NONE, base.seccomp(), base.landlock(), Set.of(), 0);
        for (SandboxConfig c : List.of(volume, path, userns)) {
            assertThat(PoolShape.of(c)).as(c.name()).isEmpty();
            assertThat(PoolShape.mismatch(c)).as(c.name()).isPresent();
        }
        assertThat(PoolShape.of(base)).isEqualTo(Optional.of(PoolShape.NETWORK_NONE));
        // a time namespace is a shape of its own: a member without one cannot serve it, nor one with it a spec without
        assertThat(PoolShape.of(base.withTimeNamespace(true))).contains(new PoolShape(NetworkMode.NONE, true))
                .isNotEqualTo(Optional.of(PoolShape.NETWORK_NONE));
        assertThat(PoolShape.of(poolable(NetworkMode.HOST).get(0))).isNotEqualTo(Optional.of(PoolShape.NETWORK_NONE));
    }

    @Test
    void aMemberPlanCarriesNoClaimKeyAndAClaimOnlyClaimKeys() {
        LaunchPlan cold = PlanEncoderTest.plan(List.of("sh"), new byte[8]);
        String member = new String(PlanEncoder.encodeMember(cold, new byte[16]), java.nio.charset.StandardCharsets.ISO_8859_1);
        String claim = new String(PlanEncoder.encodeClaim(cold, Path.of("/s/launcher.log")), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(member).startsWith("member 1\n").contains("op ", "root ", "init ", "ns ").endsWith("init-seccomp 16\n" + "\0".repeat(16) + "\n")
                .doesNotContain("hostname ", "fin ", "arg ", "env ", "\nseccomp ", "landlock", "uid ", "stdout ", "end 0");
        assertThat(claim).contains("hostname 3\nbox\n", "fin ", "arg 2\nsh\n", "seccomp 8\n", "uid 4\n1000\n", "log 15\n/s/launcher.log\n")
                .endsWith("end 0\n\n").doesNotContain("op ", "root ", "ns ", "cgroup", "member");
        // together they are the cold plan's records (the claim adds its launcher log and the end)
        String cold2 = new String(PlanEncoder.encode(cold), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(member.substring("member 1\n1\n".length(), member.indexOf("init-seccomp ")) + claim.substring(0, claim.indexOf("log 15\n")))
                .isEqualTo(cold2);
    }
}
