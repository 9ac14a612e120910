package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.seccomp.SeccompPolicy;
import dev.nucleus.agent.state.IdRangeAllocator;
import dev.nucleus.agent.state.SandboxPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Adversarial check of the launch caches ({@link LaunchPlanning#walls}, {@link IsolationCache}): for pairs of specs that
 * differ in exactly one field, the walls, plan and description a launch gets after the other spec warmed the caches are
 * the ones made afresh without any cache. The policies read what the node's do: the real Landlock planner
 * ({@link NodePolicies#landlock}) and the real seccomp policy normalization, so a key missing an input they read fails.
 */
class WallsReuseTest {

    private static final long HOST_ID = IdRangeAllocator.DEFAULT_BASE;

    /** The node's Landlock planning for real; seccomp answered from the {@link SeccompPolicy} the compiler would get. */
    static final class NodeLikePolicies implements CgrouplessPolicies {
        private final NodePolicies node = new NodePolicies(null, null, () -> 7);

        @Override
        public Compiled seccomp(SandboxConfig c) {
            SeccompPolicy p = SeccompPolicy.of(c.seccomp().profile(), c.seccomp().extraAllowed(), c.capabilitiesAdd());
            return p.profile().equals("Unconfined") ? new Compiled(new byte[0], "Unconfined", 0)
                    : new Compiled(p.toString().getBytes(StandardCharsets.UTF_8), p.profile(), p.toString().length());
        }

        @Override
        public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) throws LaunchException {
            return node.landlock(c);
        }
    }

    record Mutant(String field, SandboxConfig config) {
    }

    /** Specs that reach different branches: defaults; user namespace, host network, no Landlock; a directory rootfs. */
    static List<SandboxConfig> bases() {
        SandboxConfig a = SandboxConfig.defaults("a", List.of("/bin/true"));
        SandboxConfig b = new SandboxConfig("b", List.of("/bin/sh"), Map.of("K", "v"), "/tmp", new RootfsSource.Host(),
                List.of(new Volume.Tmpfs("/scratch", 1 << 20)), new SandboxConfig.Resources(64L << 20, 500, 16), 1000, 1000,
                true, NetworkMode.HOST, SandboxConfig.Seccomp.UNCONFINED, SandboxConfig.Landlock.DISABLED,
                Set.of("NET_BIND_SERVICE"), 30, "bee", 0, true);
        SandboxConfig c = new SandboxConfig("c", List.of("/bin/true"), Map.of(), "/", new RootfsSource.Directory(Path.of("/data"), true),
                List.of(new Volume.HostPath(Path.of("/opt"), "/mnt/opt", true)), new SandboxConfig.Resources(0, 0, 4), 65534, 65534,
                false, NetworkMode.NONE, new SandboxConfig.Seccomp("Strict", List.of("ptrace")), new SandboxConfig.Landlock(true,
                List.of("/srv"), List.of("/opt"), List.of("/usr/local/bin"), List.of(8080), List.of(443)), Set.of(), 0, "", 0, false);
        return List.of(a, b, c);
    }

    /** {@code c} with exactly one field changed, for every field of {@link SandboxConfig} (and every list of its records). */
    static List<Mutant> mutants(SandboxConfig c) {
        List<Mutant> m = new ArrayList<>();
        m.add(new Mutant("name", copy(c, "name", c.name() + "x")));
        m.add(new Mutant("command", copy(c, "command", List.of("/bin/echo", "hi"))));
        m.add(new Mutant("env", copy(c, "env", Map.of("OTHER", "1"))));
        m.add(new Mutant("workingDir", copy(c, "workingDir", "/var")));
        m.add(new Mutant("rootfs", copy(c, "rootfs", c.rootfs() instanceof RootfsSource.Host
                ? new RootfsSource.Directory(Path.of("/data"), true) : new RootfsSource.Host())));
        m.add(new Mutant("volumes +tmpfs", copy(c, "volumes", plus(c.volumes(), new Volume.Tmpfs("/work", 1 << 20)))));
        m.add(new Mutant("volumes +rw hostPath", copy(c, "volumes", plus(c.volumes(), new Volume.HostPath(Path.of("/data"), "/in", false)))));
        m.add(new Mutant("volumes +ro hostPath", copy(c, "volumes", plus(c.volumes(), new Volume.HostPath(Path.of("/data"), "/in", true)))));
        m.add(new Mutant("volumes none", copy(c, "volumes", List.of())));
        SandboxConfig.Resources r = c.resources();
        m.add(new Mutant("memory", copy(c, "resources", new SandboxConfig.Resources(r.memoryBytes() + 4096, r.cpuMillis(), r.pids()))));
        m.add(new Mutant("cpu", copy(c, "resources", new SandboxConfig.Resources(r.memoryBytes(), r.cpuMillis() + 100, r.pids()))));
        m.add(new Mutant("pids", copy(c, "resources", new SandboxConfig.Resources(r.memoryBytes(), r.cpuMillis(), r.pids() + 3))));
        m.add(new Mutant("pids off", copy(c, "resources", new SandboxConfig.Resources(r.memoryBytes(), r.cpuMillis(), 0))));
        m.add(new Mutant("uid", copy(c, "uid", c.uid() + 1)));
        m.add(new Mutant("gid", copy(c, "gid", c.gid() + 1)));
        m.add(new Mutant("userNamespace", copy(c, "userNamespace", !c.userNamespace())));
        m.add(new Mutant("network", copy(c, "network", c.network() == NetworkMode.NONE ? NetworkMode.HOST : NetworkMode.NONE)));
        for (String profile : List.of("Default", "Strict", "Unconfined")) {
            m.add(new Mutant("seccomp " + profile, copy(c, "seccomp", new SandboxConfig.Seccomp(profile, List.of()))));
        }
        m.add(new Mutant("seccomp extra", copy(c, "seccomp", new SandboxConfig.Seccomp("Default", List.of("bpf")))));
        m.add(new Mutant("seccomp extra order", copy(c, "seccomp", new SandboxConfig.Seccomp("Default", List.of("ptrace", "bpf")))));
        SandboxConfig.Landlock l = c.landlock();
        m.add(new Mutant("landlock enabled", copy(c, "landlock", new SandboxConfig.Landlock(!l.enabled(), l.readWrite(),
                l.readOnly(), l.execute(), l.tcpBind(), l.tcpConnect()))));
        m.add(new Mutant("landlock readWrite", copy(c, "landlock", new SandboxConfig.Landlock(true, plus(l.readWrite(), "/home"),
                l.readOnly(), l.execute(), l.tcpBind(), l.tcpConnect()))));
        m.add(new Mutant("landlock readOnly", copy(c, "landlock", new SandboxConfig.Landlock(true, l.readWrite(),
                plus(l.readOnly(), "/home"), l.execute(), l.tcpBind(), l.tcpConnect()))));
        m.add(new Mutant("landlock execute", copy(c, "landlock", new SandboxConfig.Landlock(true, l.readWrite(),
                l.readOnly(), plus(l.execute(), "/home"), l.tcpBind(), l.tcpConnect()))));
        m.add(new Mutant("landlock tcpBind", copy(c, "landlock", new SandboxConfig.Landlock(true, l.readWrite(),
                l.readOnly(), l.execute(), plus(l.tcpBind(), 9000), l.tcpConnect()))));
        m.add(new Mutant("landlock tcpConnect", copy(c, "landlock", new SandboxConfig.Landlock(true, l.readWrite(),
                l.readOnly(), l.execute(), l.tcpBind(), plus(l.tcpConnect(), 9000)))));
        m.add(new Mutant("capabilities", copy(c, "capabilitiesAdd", plus(c.capabilitiesAdd(), "SYS_PTRACE"))));
        m.add(new Mutant("capabilities none", copy(c, "capabilitiesAdd", Set.of())));
        m.add(new Mutant("timeoutSeconds", copy(c, "timeoutSeconds", c.timeoutSeconds() + 5)));
        m.add(new Mutant("hostname", copy(c, "hostname", "elsewhere")));
        m.add(new Mutant("logLimitBytes", copy(c, "logLimitBytes", c.logLimitBytes() + 4096)));
        m.add(new Mutant("timeNamespace", copy(c, "timeNamespace", !c.timeNamespace())));
        return m;
    }

    @Test
    void everyFieldsMutantGetsTheWallsPlanAndDescriptionMadeAfreshAfterTheOtherWarmedTheCaches() throws Exception {
        int pairs = 0;
        LaunchPlanning shared = planning();
        IsolationCache sharedDescriptions = new IsolationCache();
        for (SandboxConfig base : bases()) {
            for (Mutant mutant : mutants(base)) {
                for (SandboxConfig[] order : List.of(new SandboxConfig[] {base, mutant.config()},
                        new SandboxConfig[] {mutant.config(), base})) {
                    LaunchPlanning planning = planning();  // only this pair has been through it
                    IsolationCache descriptions = new IsolationCache();
                    for (SandboxConfig c : order) {
                        // a user-namespaced sandbox's own host id range: the one input of the description not in its spec
                        for (long hostId : c.userNamespace() ? List.of(HOST_ID, HOST_ID + IdRangeAllocator.RANGE_SIZE) : List.of(-1L)) {
                            assertReusedIsFresh(mutant.field(), c, hostId, planning, descriptions);
                            assertReusedIsFresh(mutant.field(), c, hostId, shared, sharedDescriptions);  // every earlier spec too
                        }
                    }
                    pairs++;
                }
            }
        }
        assertThat(pairs).isEqualTo(2 * bases().stream().mapToInt(b -> mutants(b).size()).sum()).isGreaterThan(150);
    }

    @Test
    void aMutableListTheCallerChangesAfterALaunchDoesNotLendThatLaunchsWallsToTheNextSpec() throws Exception {
        LaunchPlanning planning = planning();
        SandboxConfig base = bases().get(0);
        List<String> extra = new ArrayList<>(List.of("ptrace"));
        List<String> readWrite = new ArrayList<>(List.of("/srv"));
        SandboxConfig first = copy(copy(base, "seccomp", new SandboxConfig.Seccomp("Default", extra)), "landlock",
                new SandboxConfig.Landlock(true, readWrite, List.of(), List.of(), List.of()));
        assertWallsFresh("first", first, planning.walls(first));
        extra.set(0, "bpf");  // the caller reuses its lists for its next spec
        readWrite.set(0, "/home");
        SandboxConfig next = copy(copy(base, "seccomp", new SandboxConfig.Seccomp("Default", List.of("bpf"))), "landlock",
                new SandboxConfig.Landlock(true, List.of("/home"), List.of(), List.of(), List.of()));
        assertWallsFresh("next", next, planning.walls(next));
    }

    @Test
    void concurrentLaunchesOfDifferentSpecsEachGetTheirOwnWalls() throws Exception {
        LaunchPlanning planning = planning();
        List<SandboxConfig> specs = new ArrayList<>();
        for (SandboxConfig base : bases()) {
            mutants(base).forEach(m -> specs.add(m.config()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<SandboxConfig> mine = new ArrayList<>(specs);
                Collections.shuffle(mine, new java.util.Random(t));
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (SandboxConfig c : mine) {
                            assertWallsFresh(c.name(), c, planning.walls(c));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static LaunchPlanning planning() {
        return new LaunchPlanning(new NodeLikePolicies(), FakeKernel.debianHost(), PoolShapeTest.STATE, LaunchPlanningTest.LAUNCHER);
    }

    private static void assertWallsFresh(String field, SandboxConfig c, LaunchPlanning.Walled reused) throws LaunchException {
        NodeLikePolicies p = new NodeLikePolicies();
        SandboxPolicies.Compiled seccomp = p.seccomp(c);
        LaunchPlanner.Walls fresh = LaunchPlanner.Walls.of(c, seccomp.bpf(), p.landlock(c));
        assertThat(reused.seccomp()).as(field).usingRecursiveComparison().isEqualTo(seccomp);
        assertThat(reused.walls()).as(field).usingRecursiveComparison().isEqualTo(fresh);
    }

    /** The walls, the whole plan (as encoded for the launcher) and the status description, through the caches and afresh. */
    private static void assertReusedIsFresh(String field, SandboxConfig c, long hostId, LaunchPlanning planning,
                                            IsolationCache descriptions) throws Exception {
        LaunchPlanner planner = new LaunchPlanner(FakeKernel.debianHost(), PoolShapeTest.STATE, LaunchPlanningTest.LAUNCHER);
        SandboxPaths paths = LaunchPlanningTest.pathsOf(c);
        NodeLikePolicies p = new NodeLikePolicies();
        SandboxPolicies.Compiled seccomp = p.seccomp(c);
        LaunchPlan fresh = planner.plan(c, paths, new LaunchPlanner.Policies(List.of(), seccomp.bpf(), p.landlock(c), hostId));
        LaunchPlanning.Walled walled = planning.walls(c);
        assertWallsFresh(field, c, walled);
        LaunchPlan reused = planner.plan(c, paths, new LaunchPlanner.Policies(List.of(), new byte[0], Optional.empty(), hostId),
                walled.walls());
        assertThat(reused).as(field).usingRecursiveComparison().isEqualTo(fresh);
        assertThat(PlanEncoder.encode(reused)).as(field).isEqualTo(PlanEncoder.encode(fresh));
        for (boolean[] traits : new boolean[][] {{true, true}, {true, false}, {false, false}}) {
            Map<String, Object> described = EffectiveIsolation.describe(c, fresh, seccomp, traits[0], traits[1]);
            IsolationCache.Described d = descriptions.describe(c, reused, walled.seccomp(), traits[0], traits[1]);
            assertThat(d.isolation()).as(field).isEqualTo(described);
            assertThat(d.json()).as(field).isEqualTo(RecordJson.isolation(described));
        }
    }

    private static <T> List<T> plus(List<T> list, T more) {
        List<T> l = new ArrayList<>(list);
        l.add(more);
        return List.copyOf(l);
    }

    private static <T> Set<T> plus(Set<T> set, T more) {
        Set<T> s = new java.util.HashSet<>(set);
        s.add(more);
        return Set.copyOf(s);
    }

    /** {@code c} with the record component {@code field} replaced by {@code value} (every other one the same object). */
    static SandboxConfig copy(SandboxConfig c, String field, Object value) {
        try {
            var components = SandboxConfig.class.getRecordComponents();
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            boolean found = false;
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                found |= components[i].getName().equals(field);
                args[i] = components[i].getName().equals(field) ? value : components[i].getAccessor().invoke(c);
            }
            assertThat(found).as("a component named " + field).isTrue();
            return SandboxConfig.class.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
