package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.state.SandboxPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The part of a launch that a helper thread computes while the launching thread creates the cgroups and the
 * launcher is forked: seccomp and Landlock from their caches, the plan without its cgroups, the root directories.
 */
final class LaunchPlanning {

    private final SandboxPolicies policies;
    private final Kernel kernel;
    private final Path stateRoot;
    private final Path launcher;

    LaunchPlanning(SandboxPolicies policies, Kernel kernel, Path stateRoot, Path launcher) {
        this.policies = policies;
        this.kernel = kernel;
        this.stateRoot = stateRoot;
        this.launcher = launcher;
    }

    /** What the helper thread computes while the caller creates the cgroups: the plan minus its cgroups. */
    record Planned(LaunchPlan plan, SandboxPolicies.Compiled seccomp, long nanos) {
    }

    /** The helper thread's part: seccomp and Landlock from their caches, the plan, the root (and overlay) directories. */
    Planned plan(SandboxConfig config, SandboxPaths paths, long hostIds) throws LaunchException, InvalidMountException,
            IOException {
        long t0 = System.nanoTime();
        SandboxPolicies.Compiled seccomp = policies.seccomp(config);
        Optional<LaunchPlan.LandlockRules> landlock = policies.landlock(config);
        LaunchPlan plan = new LaunchPlanner(kernel, stateRoot, launcher)
                .plan(config, paths, new LaunchPlanner.Policies(List.of(), seccomp.bpf(), landlock, hostIds));
        prepareDirectories(config, paths, hostIds);
        Files.deleteIfExists(paths.exitStatus());  // a restart's previous status; the new monitor writes the next one
        return new Planned(plan, seccomp, System.nanoTime() - t0);
    }

    /** A warm-pool claim's part: seccomp and Landlock from their caches, the plan without the member's mount ops. */
    Planned planClaim(SandboxConfig config, SandboxPaths paths) throws LaunchException, InvalidMountException {
        long t0 = System.nanoTime();
        SandboxPolicies.Compiled seccomp = policies.seccomp(config);
        Optional<LaunchPlan.LandlockRules> landlock = policies.landlock(config);
        LaunchPlan plan = new LaunchPlanner(kernel, stateRoot, launcher)
                .planClaim(config, paths, new LaunchPlanner.Policies(List.of(), seccomp.bpf(), landlock, -1));
        return new Planned(plan, seccomp, System.nanoTime() - t0);
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
