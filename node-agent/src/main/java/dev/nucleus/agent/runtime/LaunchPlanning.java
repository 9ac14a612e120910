package dev.nucleus.agent.runtime;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.state.SandboxPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A launch's plan: for a cold launch, the part a helper thread computes while the launching thread creates the cgroups
 * and the launcher is forked (the plan without its cgroups, the root directories); for a warm-pool claim, the plan on
 * the launching thread. Either way the plan's walls come from the {@link #walls} of a recent spec with the same inputs.
 */
final class LaunchPlanning {

    private static final int RECENT = 16;

    private final SandboxPolicies policies;
    private final LaunchPlanner planner;
    /**
     * Walls made for the 16 most recently used {@link WallsKey}s. Per claim, seccomp's policy lookup, the Landlock plan
     * and the walls cost ~0.6 ms of CPU in a JVM that has not compiled them yet (bench, 200 launches), the whole plan
     * ~0.9 ms, too much to run on the launching thread; reused, the plan is the few parts that name the sandbox.
     */
    private final RecentCache<WallsKey, Walled> recent = new RecentCache<>(RECENT);

    LaunchPlanning(SandboxPolicies policies, Kernel kernel, Path stateRoot, Path launcher) {
        this.policies = policies;
        this.planner = new LaunchPlanner(kernel, stateRoot, launcher);
    }

    /**
     * Everything of a spec that {@link SandboxPolicies#seccomp}, {@link SandboxPolicies#landlock} (whose contract says
     * so) and {@link LaunchPlanner.Walls#of} read: specs equal in these get equal walls. The node's Landlock ABI is read
     * too, once: it is the running kernel's, fixed from its boot (the LSM list cannot change at run time). A key
     * outlives its launch: its lists are the config's own immutable copies, so no caller can change it afterwards.
     */
    record WallsKey(SandboxConfig.Seccomp seccomp, Set<String> capabilitiesAdd, SandboxConfig.Landlock landlock,
                    List<Volume> volumes, NetworkMode network, boolean userNamespace, boolean timeNamespace, long pids) {
        static WallsKey of(SandboxConfig c) {
            return new WallsKey(c.seccomp(), c.capabilitiesAdd(), c.landlock(), c.volumes(), c.network(), c.userNamespace(),
                    c.timeNamespace(), c.resources().pids());
        }

        /*
         * Written out, field by field, instead of a record's generated methods: those run through method handles, which
         * cost tens of microseconds on a launch's path when the CPU's caches are cold (a node between launches).
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof WallsKey k && network == k.network && userNamespace == k.userNamespace
                    && timeNamespace == k.timeNamespace && pids == k.pids
                    && seccomp.profile().equals(k.seccomp.profile()) && seccomp.extraAllowed().equals(k.seccomp.extraAllowed())
                    && capabilitiesAdd.equals(k.capabilitiesAdd) && volumes.equals(k.volumes) && sameLandlock(landlock, k.landlock);
        }

        private static boolean sameLandlock(SandboxConfig.Landlock a, SandboxConfig.Landlock b) {
            return a == b || a.enabled() == b.enabled() && a.readWrite().equals(b.readWrite()) && a.readOnly().equals(b.readOnly())
                    && a.execute().equals(b.execute()) && a.tcpBind().equals(b.tcpBind()) && a.tcpConnect().equals(b.tcpConnect());
        }

        @Override
        public int hashCode() {  // the cheap fields; equals decides
            return ((seccomp.profile().hashCode() * 31 + network.ordinal()) * 31 + Long.hashCode(pids)) * 31
                    + (landlock.enabled() ? 1 : 0) + (userNamespace ? 2 : 0) + (timeNamespace ? 4 : 0) + 8 * volumes.size()
                    + 128 * capabilitiesAdd.size();
        }
    }

    /** A spec's compiled seccomp program (what the record reports of it) and its plan's walls. */
    record Walled(SandboxPolicies.Compiled seccomp, LaunchPlanner.Walls walls) {
    }

    /**
     * The walls of {@code config}: made now, or by a recent launch of a spec with the same {@link WallsKey}. A policy
     * that refuses the spec throws, every time (a failure is never kept).
     */
    Walled walls(SandboxConfig config) throws LaunchException {
        return recent.get(WallsKey.of(config), key -> {  // the key is config's: equal inputs make equal walls
            SandboxPolicies.Compiled seccomp = policies.seccomp(config);
            Optional<LaunchPlan.LandlockRules> landlock = policies.landlock(config);
            return new Walled(seccomp, LaunchPlanner.Walls.of(config, seccomp.bpf(), landlock));
        });
    }

    /** What the helper thread computes while the caller creates the cgroups: the plan minus its cgroups. */
    record Planned(LaunchPlan plan, SandboxPolicies.Compiled seccomp, long nanos) {
    }

    /** The helper thread's part: the walls, the plan, the root (and overlay) directories. */
    Planned plan(SandboxConfig config, SandboxPaths paths, long hostIds) throws LaunchException, InvalidMountException,
            IOException {
        long t0 = System.nanoTime();
        Walled w = walls(config);
        // seccomp and Landlock come with the walls
        LaunchPlan plan = planner.plan(config, paths, new LaunchPlanner.Policies(List.of(), new byte[0], Optional.empty(), hostIds),
                w.walls());
        prepareDirectories(config, paths, hostIds);
        Files.deleteIfExists(paths.exitStatus());  // a restart's previous status; the new monitor writes the next one
        return new Planned(plan, w.seccomp(), System.nanoTime() - t0);
    }

    /** A warm-pool claim's plan: the walls, and the plan without the member's mount ops. */
    Planned planClaim(SandboxConfig config, SandboxPaths paths) throws LaunchException, InvalidMountException {
        long t0 = System.nanoTime();
        Walled w = walls(config);
        LaunchPlan plan = planner.planClaim(config, paths, LaunchPlanner.Policies.NONE, w.walls());
        return new Planned(plan, w.seccomp(), System.nanoTime() - t0);
    }

    /** The helper's result, or its failure as the exception it threw. */
    static Planned joinPlanning(java.util.concurrent.Future<Planned> planning)
            throws LaunchException, InvalidMountException, IOException {
        try {
            return planning.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("LaunchFailed", "interrupted while the launch plan was computed", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof LaunchException le) {
                throw le;
            }
            if (c instanceof InvalidMountException im) {
                throw im;
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
        }
    }

    /**
     * After a failure before the plan was sent: the helper is waited for (it may still be creating directories that
     * the cleanup deletes) and the waiting launcher is given an empty plan, which it refuses before any step.
     */
    static void abandon(java.util.concurrent.Future<Planned> planning, Kernel.PendingLauncher pending) {
        if (planning != null) {
            try {
                planning.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // its failure, if it is the launch's, was already thrown; else the cgroup's is the one reported
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pending != null) {
            try {
                pending.close();
            } catch (IOException e) {
                // the launcher then reads a closed pipe: an empty plan all the same
            }
        }
    }

    /** The root mount point and overlay layers belong to the sandbox's root: host root, or its mapped uid. */
    private static void prepareDirectories(SandboxConfig c, SandboxPaths paths, long hostRoot) throws IOException {
        var mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        Files.createDirectory(paths.rootMount(), mode);
        List<Path> owned = new ArrayList<>(List.of(paths.rootMount()));
        if (c.rootfs() instanceof RootfsSource.Directory && !Files.isDirectory(paths.overlay(), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(paths.overlay(), mode);
            Files.createDirectory(paths.overlayUpper(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Files.createDirectory(paths.overlayWork(), mode);
        }
        if (c.rootfs() instanceof RootfsSource.Directory) {  // created above, or kept from the previous run by a restart
            owned.addAll(List.of(paths.overlay(), paths.overlayUpper(), paths.overlayWork()));
        }
        if (c.userNamespace()) {
            for (Path p : owned) {
                Files.setAttribute(p, "unix:uid", (int) hostRoot, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) hostRoot, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
