package dev.nucleus.agent.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The runtime's seam to the policy engines (cgroups, seccomp, Landlock), so the runtime depends on what it needs
 * and tests can substitute them. {@link #unavailable()} fails closed for anything that asks for a layer.
 */
public interface SandboxPolicies {

    /** Creates the sandbox's cgroups, or returns empty when neither limits nor tracking are available. */
    Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources resources) throws LaunchException;

    /** The cgroup of an existing sandbox (after an agent restart), if any. */
    Optional<CgroupHandle> findCgroup(String id);

    /**
     * Compiled seccomp BPF; an empty array only for the Unconfined profile. A function of the config's seccomp request
     * and added capabilities on this node: a runtime reuses the answer for specs equal in those
     * ({@code LaunchPlanning.WallsKey}).
     */
    Compiled seccomp(SandboxConfig config) throws LaunchException;

    /**
     * The Landlock ruleset, if any. A function of the config's Landlock request, volumes and network on this node (its
     * Landlock ABI): a runtime reuses the answer for specs equal in those ({@code LaunchPlanning.WallsKey}).
     */
    Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig config) throws LaunchException;

    /**
     * The seccomp BPF a warm-pool member's pid 1 applies to itself before any claim (docs/security-model.md, "Warm
     * pool"); without a compiler there is none, and no member can be made (fail closed).
     */
    default byte[] reaperSeccomp() throws LaunchException {
        throw new LaunchException("SeccompUnavailable", "a warm-pool member's init needs its own seccomp filter, and no"
                + " seccomp compiler is available");
    }

    /** A compiled filter and what to report about it. */
    record Compiled(byte[] bpf, String profile, int allowedSyscalls) {
    }

    /** One sandbox's cgroup(s). */
    interface CgroupHandle {
        List<Path> procsFiles();

        /** Every cgroup directory of the sandbox (one per v1 hierarchy, plus v2). */
        default List<Path> directories() {
            return procsFiles().stream().map(Path::getParent).toList();
        }

        boolean oomKilled();

        /** Writes the limits into these (unlimited) cgroups: a warm-pool member's, at its claim. */
        default void limit(SandboxConfig.Resources resources) throws LaunchException {
            if (!resources.equals(SandboxConfig.Resources.UNLIMITED)) {
                throw new LaunchException("CgroupsUnavailable", "these cgroups cannot take limits");
            }
        }

        /**
         * Made ahead of its limits (a warm-pool member's): reads what the files a limit writes hold, so that its
         * {@link #limit} skips writing a value already there. A no-op where that is not known.
         */
        default void rememberLimitFiles() {
        }

        void kill() throws IOException;

        void remove() throws IOException;

        String version();

        /** The cgroup v2 directory, if the sandbox has one: the launcher creates the init in it where the kernel can. */
        default Optional<Path> v2Directory() {
            return Optional.empty();
        }
    }

    /** Policies for a node where no engine is wired: every requested layer fails with a precise reason. */
    static SandboxPolicies unavailable() {
        return new SandboxPolicies() {
            @Override
            public Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources r) throws LaunchException {
                if (r.memoryBytes() > 0 || r.cpuMillis() > 0 || r.pids() > 0) {
                    throw new LaunchException("CgroupsUnavailable", "resource limits requested but no cgroup manager is available");
                }
                return Optional.empty();
            }

            @Override
            public Optional<CgroupHandle> findCgroup(String id) {
                return Optional.empty();
            }

            @Override
            public Compiled seccomp(SandboxConfig c) throws LaunchException {
                if (!c.seccomp().unconfined()) {
                    throw new LaunchException("SeccompUnavailable", "seccomp profile " + c.seccomp().profile()
                            + " requested but no seccomp compiler is available; use --seccomp Unconfined to run without");
                }
                return new Compiled(new byte[0], "Unconfined", 0);
            }

            @Override
            public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) throws LaunchException {
                if (c.landlock().enabled()) {
                    throw new LaunchException("LandlockUnsupported", "Landlock requested but no Landlock planner is available");
                }
                return Optional.empty();
            }
        };
    }
}
