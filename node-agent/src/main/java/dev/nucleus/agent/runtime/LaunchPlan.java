package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.MountOp;
import java.util.List;
import java.util.Optional;

/**
 * Everything the C launcher applies for one sandbox, fully resolved: the launcher makes no policy decision.
 * Encoded by {@link PlanEncoder}; the field order here follows the launcher's order of steps.
 */
public record LaunchPlan(
        List<String> cgroupProcsFiles,
        List<String> namespaces,
        Optional<String> uidMap,
        Optional<String> gidMap,
        String hostname,
        boolean loopbackUp,
        List<MountOp> mounts,
        String root,
        List<MountOp> finish,
        String cwd,
        List<Rlimit> rlimits,
        long capabilities,
        long uid,
        long gid,
        Optional<LandlockRules> landlock,
        byte[] seccompBpf,
        List<String> env,
        List<String> argv,
        String stdoutLog,
        String stderrLog,
        String statusFile,
        long logLimitBytes,
        long deadlineSeconds,
        Optional<String> cgroupInto) {

    /** A plan whose init joins every cgroup by a cgroup.procs write. */
    public LaunchPlan(List<String> cgroupProcsFiles, List<String> namespaces, Optional<String> uidMap, Optional<String> gidMap,
                      String hostname, boolean loopbackUp, List<MountOp> mounts, String root, List<MountOp> finish, String cwd,
                      List<Rlimit> rlimits, long capabilities, long uid, long gid, Optional<LandlockRules> landlock,
                      byte[] seccompBpf, List<String> env, List<String> argv, String stdoutLog, String stderrLog, String statusFile,
                      long logLimitBytes, long deadlineSeconds) {
        this(cgroupProcsFiles, namespaces, uidMap, gidMap, hostname, loopbackUp, mounts, root, finish, cwd, rlimits, capabilities, uid,
                gid, landlock, seccompBpf, env, argv, stdoutLog, stderrLog, statusFile, logLimitBytes, deadlineSeconds,
                Optional.empty());
    }

    public LaunchPlan {
        cgroupProcsFiles = List.copyOf(cgroupProcsFiles);
        namespaces = List.copyOf(namespaces);
        mounts = List.copyOf(mounts);
        finish = List.copyOf(finish);
        rlimits = List.copyOf(rlimits);
        env = List.copyOf(env);
        argv = List.copyOf(argv);
        seccompBpf = seccompBpf.clone();
    }

    /** This plan with the cgroups it joins, known once they were created (in parallel with the rest of the plan). */
    public LaunchPlan withCgroups(List<String> procsFiles, Optional<String> into) {
        return new LaunchPlan(procsFiles, namespaces, uidMap, gidMap, hostname, loopbackUp, mounts, root, finish, cwd, rlimits,
                capabilities, uid, gid, landlock, seccompBpf, env, argv, stdoutLog, stderrLog, statusFile, logLimitBytes,
                deadlineSeconds, into);
    }

    @Override
    public byte[] seccompBpf() {
        return seccompBpf.clone();
    }

    /** setrlimit(resource, soft, hard). */
    public record Rlimit(int resource, long soft, long hard) {
        public static final int CORE = 4;
        public static final int NPROC = 6;
        public static final int NOFILE = 7;
        public static final int MEMLOCK = 8;
    }

    /** A Landlock ruleset as the kernel takes it; paths are inside the sandbox's view. */
    public record LandlockRules(int abi, long handledFs, long handledNet, long scoped, List<PathRule> paths, List<PortRule> ports) {
        public record PathRule(String path, long access) {
        }

        public record PortRule(int port, long access) {
        }
    }
}
