package dev.nucleus.agent.runtime;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One sandbox's normalized configuration: what the CLI flags or a NucleusSandbox spec mean, independent of both.
 * Values are already defaulted; 0 means unlimited for resource fields, and the node's default for {@code logLimitBytes}.
 */
public record SandboxConfig(
        String name,
        List<String> command,
        Map<String, String> env,
        String workingDir,
        RootfsSource rootfs,
        List<Volume> volumes,
        Resources resources,
        long uid,
        long gid,
        boolean userNamespace,
        NetworkMode network,
        Seccomp seccomp,
        Landlock landlock,
        Set<String> capabilitiesAdd,
        long timeoutSeconds,
        String hostname,
        long logLimitBytes,
        boolean timeNamespace) {

    /** A config without a time namespace. */
    public SandboxConfig(String name, List<String> command, Map<String, String> env, String workingDir, RootfsSource rootfs,
                         List<Volume> volumes, Resources resources, long uid, long gid, boolean userNamespace,
                         NetworkMode network, Seccomp seccomp, Landlock landlock, Set<String> capabilitiesAdd,
                         long timeoutSeconds, String hostname, long logLimitBytes) {
        this(name, command, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network, seccomp, landlock,
                capabilitiesAdd, timeoutSeconds, hostname, logLimitBytes, false);
    }

    /** A config with the node's default log size cap. */
    public SandboxConfig(String name, List<String> command, Map<String, String> env, String workingDir, RootfsSource rootfs,
                         List<Volume> volumes, Resources resources, long uid, long gid, boolean userNamespace,
                         NetworkMode network, Seccomp seccomp, Landlock landlock, Set<String> capabilitiesAdd,
                         long timeoutSeconds, String hostname) {
        this(name, command, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network, seccomp, landlock,
                capabilitiesAdd, timeoutSeconds, hostname, 0);
    }

    /** A config whose hostname is its name. */
    public SandboxConfig(String name, List<String> command, Map<String, String> env, String workingDir, RootfsSource rootfs,
                         List<Volume> volumes, Resources resources, long uid, long gid, boolean userNamespace,
                         NetworkMode network, Seccomp seccomp, Landlock landlock, Set<String> capabilitiesAdd,
                         long timeoutSeconds) {
        this(name, command, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network, seccomp, landlock,
                capabilitiesAdd, timeoutSeconds, name);
    }

    public SandboxConfig {
        hostname = hostname == null || hostname.isEmpty() ? name : hostname;
        command = List.copyOf(command);
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
        capabilitiesAdd = Set.copyOf(capabilitiesAdd);
        if (logLimitBytes < 0) {
            throw new IllegalArgumentException("log size limit must not be negative, got " + logLimitBytes);
        }
    }

    /** Resource limits; 0 = unlimited. */
    public record Resources(long memoryBytes, long cpuMillis, long pids) {
        public static final Resources UNLIMITED = new Resources(0, 0, 0);
    }

    /** seccomp profile name ("Default", "Strict", "Unconfined") and extra allowed syscalls. */
    public record Seccomp(String profile, List<String> extraAllowed) {
        /** The list is the config's own: a launch's caches key on it (LaunchPlanning.WallsKey), long after the caller. */
        public Seccomp {
            extraAllowed = List.copyOf(extraAllowed);
        }

        public static final Seccomp DEFAULT = new Seccomp("Default", List.of());
        public static final Seccomp UNCONFINED = new Seccomp("Unconfined", List.of());

        public boolean unconfined() {
            return "Unconfined".equals(profile);
        }
    }

    /** Landlock request: enabled with the default rules plus extra paths, or off. Paths are inside the sandbox. */
    public record Landlock(boolean enabled, List<String> readWrite, List<String> readOnly, List<String> execute,
                           List<Integer> tcpBind, List<Integer> tcpConnect) {
        /** The lists are the config's own, as {@link Seccomp}'s. */
        public Landlock {
            readWrite = List.copyOf(readWrite);
            readOnly = List.copyOf(readOnly);
            execute = List.copyOf(execute);
            tcpBind = List.copyOf(tcpBind);
            tcpConnect = List.copyOf(tcpConnect);
        }

        public Landlock(boolean enabled, List<String> readWrite, List<String> readOnly, List<Integer> tcpBind,
                        List<Integer> tcpConnect) {
            this(enabled, readWrite, readOnly, List.of(), tcpBind, tcpConnect);
        }

        public static final Landlock DEFAULT = new Landlock(true, List.of(), List.of(), List.of(), List.of());
        public static final Landlock DISABLED = new Landlock(false, List.of(), List.of(), List.of(), List.of());
    }

    /** A config for {@code command} with every default: host rootfs, no network, Default seccomp, Landlock on. */
    public static SandboxConfig defaults(String name, List<String> command) {
        return new SandboxConfig(name, command, Map.of(), "/", new RootfsSource.Host(), List.of(), Resources.UNLIMITED,
                0, 0, false, NetworkMode.NONE, Seccomp.DEFAULT, Landlock.DEFAULT, Set.of(), 0);
    }

    public SandboxConfig withCommand(List<String> c) {
        return new SandboxConfig(name, c, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network,
                seccomp, landlock, capabilitiesAdd, timeoutSeconds, hostname, logLimitBytes, timeNamespace);
    }

    /** The same config with a log size cap per stream (0: the node's default). */
    public SandboxConfig withLogLimit(long bytes) {
        return new SandboxConfig(name, command, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network,
                seccomp, landlock, capabilitiesAdd, timeoutSeconds, hostname, bytes, timeNamespace);
    }

    /** The same config in its own time namespace or not (spec.security.timeNamespace, {@code --timens}). */
    public SandboxConfig withTimeNamespace(boolean on) {
        return new SandboxConfig(name, command, env, workingDir, rootfs, volumes, resources, uid, gid, userNamespace, network,
                seccomp, landlock, capabilitiesAdd, timeoutSeconds, hostname, logLimitBytes, on);
    }
}
