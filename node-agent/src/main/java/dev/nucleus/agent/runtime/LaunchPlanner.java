package dev.nucleus.agent.runtime;

import dev.nucleus.agent.landlock.LandlockAccess;
import dev.nucleus.agent.rootfs.HostFiles;
import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.rootfs.MountPlanner;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.rootfs.VolumeValidator;
import dev.nucleus.agent.state.IdRangeAllocator;
import dev.nucleus.agent.state.SandboxPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Computes a sandbox's {@link LaunchPlan} from its normalized config; pure apart from the host facts it is given. */
public final class LaunchPlanner {

    static final long TMP_BYTES = 64L << 20;
    static final long LOG_LIMIT_BYTES = 16L << 20;

    private final HostFiles host;
    private final Path stateRoot;
    private final Path launcher;

    /** {@code launcher} is the binary the sandbox's init runs from (bound read-only into the sandbox). */
    public LaunchPlanner(HostFiles host, Path stateRoot, Path launcher) {
        this.host = host;
        this.stateRoot = stateRoot;
        this.launcher = launcher;
    }

    /**
     * The policy parts computed elsewhere: cgroup files to join, a compiled seccomp filter, a Landlock ruleset, and the
     * first host id of the range allocated to a user-namespaced sandbox (-1: none).
     */
    public record Policies(List<Path> cgroupProcsFiles, byte[] seccompBpf, Optional<LaunchPlan.LandlockRules> landlock,
                           long userNamespaceHostId, Optional<Path> cgroupInto) {
        public static final Policies NONE = new Policies(List.of(), new byte[0], Optional.empty());

        public Policies(List<Path> cgroupProcsFiles, byte[] seccompBpf, Optional<LaunchPlan.LandlockRules> landlock,
                        long userNamespaceHostId) {
            this(cgroupProcsFiles, seccompBpf, landlock, userNamespaceHostId, Optional.empty());
        }

        public Policies(List<Path> cgroupProcsFiles, byte[] seccompBpf, Optional<LaunchPlan.LandlockRules> landlock) {
            this(cgroupProcsFiles, seccompBpf, landlock, -1);
        }
    }

    public LaunchPlan plan(SandboxConfig c, SandboxPaths paths, Policies policies) throws InvalidMountException {
        return plan(c, paths, policies, Walls.of(c, policies.seccompBpf(), policies.landlock()), true);
    }

    /** {@link #plan} with {@code walls} made for the same isolation inputs ({@link Walls}); the policies' own are unused. */
    LaunchPlan plan(SandboxConfig c, SandboxPaths paths, Policies policies, Walls walls) throws InvalidMountException {
        return plan(c, paths, policies, walls, true);
    }

    /**
     * The plan of a spec that claims a warm-pool member: the same plan without its mount ops, which the member applied
     * already (they are a function of its {@link PoolShape} alone; {@code PoolShapeTest} proves it).
     */
    public LaunchPlan planClaim(SandboxConfig c, SandboxPaths paths, Policies policies) throws InvalidMountException {
        return planClaim(c, paths, policies, Walls.of(c, policies.seccompBpf(), policies.landlock()));
    }

    /** {@link #planClaim} with {@code walls} made for the same isolation inputs; the policies' own are unused. */
    LaunchPlan planClaim(SandboxConfig c, SandboxPaths paths, Policies policies, Walls walls) throws InvalidMountException {
        if (PoolShape.of(c).isEmpty()) {
            throw new IllegalArgumentException(c.name() + " cannot claim a warm-pool member: " + PoolShape.mismatch(c).orElseThrow());
        }
        return plan(c, paths, policies, walls, false);
    }

    /**
     * The parts of a plan that are a function of the spec's isolation inputs alone (network, user namespace, pids,
     * capabilities) and of its seccomp program and Landlock rules: made once, they serve every later spec with the
     * same inputs ({@link LaunchPlanning}), so a launch builds only the parts that name its sandbox.
     */
    record Walls(List<String> namespaces, List<LaunchPlan.Rlimit> rlimits, long capabilities,
                 Optional<LaunchPlan.LandlockRules> landlock, byte[] seccompBpf) {
        Walls {
            namespaces = List.copyOf(namespaces);
            rlimits = List.copyOf(rlimits);
        }

        /** {@code landlock} as the policies planned it: the init's executable is added here. */
        static Walls of(SandboxConfig c, byte[] seccompBpf, Optional<LaunchPlan.LandlockRules> landlock) {
            return new Walls(LaunchPlanner.namespaces(c), LaunchPlanner.rlimits(c), Capabilities.mask(c.capabilitiesAdd()),
                    landlock.map(LaunchPlanner::withInitExecutable), seccompBpf);
        }
    }

    private LaunchPlan plan(SandboxConfig c, SandboxPaths paths, Policies policies, Walls walls, boolean mountOps)
            throws InvalidMountException {
        if (c.command().isEmpty()) {
            throw new InvalidMountException("command", "no command given; pass one after '--' or set spec.command");
        }
        List<Volume> volumes = validated(c.volumes());
        String cwd = c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir();
        if (!cwd.startsWith("/")) {
            throw new InvalidMountException("workingDir", "must be an absolute path inside the sandbox, got " + cwd);
        }
        var mounts = !mountOps ? List.<dev.nucleus.agent.rootfs.MountOp>of() : new MountPlanner(host).plan(new MountPlanner.Request(
                c.rootfs(), paths.rootMount(), paths.overlayUpper(), paths.overlayWork(), c.userNamespace(), TMP_BYTES, volumes, launcher));
        List<String> env = EnvFilter.entries(c.env(), c.hostname(), c.uid());
        if (c.userNamespace() && policies.userNamespaceHostId() < IdRangeAllocator.DEFAULT_BASE) {
            throw new IllegalArgumentException("user namespace requested for " + c.name() + " without an allocated host id range");
        }
        Optional<String> idMap = c.userNamespace()
                ? Optional.of("0 " + policies.userNamespaceHostId() + " " + IdRangeAllocator.RANGE_SIZE + "\n") : Optional.empty();
        return new LaunchPlan(
                strings(policies.cgroupProcsFiles()),
                walls.namespaces(),
                idMap, idMap,
                c.hostname(),
                c.network().loopbackUp(),
                mounts,
                paths.rootMount().toString(),
                MountPlanner.finish(c.rootfs(), c.hostname()),
                cwd,
                walls.rlimits(),
                walls.capabilities(),
                c.uid(), c.gid(),
                walls.landlock(),
                walls.seccompBpf(),
                env,
                c.command(),
                paths.stdoutLog().toString(),
                paths.stderrLog().toString(),
                paths.exitStatus().toString(),
                c.logLimitBytes() > 0 ? c.logLimitBytes() : LOG_LIMIT_BYTES,
                c.timeoutSeconds(),
                policies.cgroupInto().map(Path::toString));
    }

    private List<Volume> validated(List<Volume> specs) throws InvalidMountException {
        if (specs.isEmpty()) {
            return List.of();  // a claim's: its launch is on the critical path, and a validator costs even unused
        }
        VolumeValidator validator = new VolumeValidator(host, stateRoot);
        List<Volume> volumes = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            volumes.add(validator.validate(specs.get(i), "volumes[" + i + "]"));
        }
        return volumes;
    }

    private static List<String> strings(List<Path> paths) {
        List<String> s = new ArrayList<>(paths.size());
        for (Path p : paths) {
            s.add(p.toString());
        }
        return s;
    }

    /**
     * The sandbox's pid 1 execs the launcher from {@link MountPlanner#INIT_PATH} after Landlock is in force, so the
     * ruleset must let exactly that file be read and executed (only the rights the ruleset handles may be named).
     */
    static LaunchPlan.LandlockRules withInitExecutable(LaunchPlan.LandlockRules r) {
        long access = r.handledFs() & (LandlockAccess.FS_EXECUTE | LandlockAccess.FS_READ_FILE);
        if (access == 0) {
            return r;
        }
        List<LaunchPlan.LandlockRules.PathRule> paths = new ArrayList<>(r.paths());
        paths.add(new LaunchPlan.LandlockRules.PathRule(MountPlanner.INIT_PATH, access));
        return new LaunchPlan.LandlockRules(r.abi(), r.handledFs(), r.handledNet(), r.scoped(), paths, r.ports());
    }

    static List<String> namespaces(SandboxConfig c) {
        List<String> ns = new ArrayList<>(List.of("mnt", "pid", "uts", "ipc", "cgroup"));
        if (c.network().newNamespace()) {
            ns.add("net");
        }
        if (c.userNamespace()) {
            ns.add("user");
        }
        if (c.timeNamespace()) {
            ns.add("time");
        }
        return ns;
    }

    static List<LaunchPlan.Rlimit> rlimits(SandboxConfig c) {
        List<LaunchPlan.Rlimit> r = new ArrayList<>();
        r.add(new LaunchPlan.Rlimit(LaunchPlan.Rlimit.NOFILE, 1024, 4096));
        r.add(new LaunchPlan.Rlimit(LaunchPlan.Rlimit.CORE, 0, 0));
        r.add(new LaunchPlan.Rlimit(LaunchPlan.Rlimit.MEMLOCK, 64 << 10, 64 << 10));
        if (c.resources().pids() > 0) {
            // RLIMIT_NPROC counts per user, not per sandbox: the cgroup pids limit is the real wall, this a second one.
            r.add(new LaunchPlan.Rlimit(LaunchPlan.Rlimit.NPROC, c.resources().pids(), c.resources().pids()));
        }
        return r;
    }
}
