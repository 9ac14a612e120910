package dev.nucleus.agent.cli;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.api.v1alpha1.Quantities;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRuntime;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code nucleus run}: start a sandbox from flags or a NucleusSandbox manifest, in the foreground or detached. */
@Command(name = "run", description = "Run a command in a new sandbox.", sortOptions = false)
final class RunCommand implements Callable<Integer> {

    @ParentCommand
    NucleusCli cli;

    @Option(names = {"-d", "--detach"}, description = "Start and print the name; do not wait.")
    boolean detach;
    @Option(names = "--rm", description = "Remove the sandbox when it ends (foreground only).")
    boolean remove;
    @Option(names = "--name", description = "Sandbox name (DNS label); generated when omitted.")
    String name;
    @Option(names = {"-f", "--file"}, description = "A NucleusSandbox manifest (the YAML kubectl takes).")
    Path file;
    @Option(names = "--memory", description = "Memory limit, e.g. 256Mi.")
    String memory;
    @Option(names = "--cpus", description = "CPU limit, e.g. 0.5 or 500m.")
    String cpus;
    @Option(names = "--pids", description = "Maximum number of processes.")
    Long pids;
    @Option(names = "--rootfs", description = "Root filesystem: 'host' (default) or a directory on this machine.")
    String rootfs;
    @Option(names = "--rootfs-writable", description = "With a directory rootfs: writable through an overlay.")
    boolean rootfsWritable;
    @Option(names = {"-v", "--volume"}, description = "Host path volume SRC:DST[:ro|:rw] (read-only unless :rw).")
    List<String> volumes = new ArrayList<>();
    @Option(names = "--tmpfs", description = "tmpfs volume DST[:SIZE], e.g. /scratch:64Mi.")
    List<String> tmpfs = new ArrayList<>();
    @Option(names = {"-e", "--env"}, description = "Environment variable NAME=VALUE.")
    List<String> env = new ArrayList<>();
    @Option(names = {"-u", "--user"}, description = "UID[:GID] to run as (default 0, without capabilities).")
    String user;
    @Option(names = "--userns", description = "Run in a user namespace mapped to an unprivileged id range.")
    boolean userns;
    @Option(names = "--timens", description = "Run in a time namespace: a checkpoint restored elsewhere keeps its monotonic clocks.")
    boolean timens;
    @Option(names = "--network", defaultValue = "none", description = "none (default) or host.")
    String network;
    @Option(names = "--seccomp", defaultValue = "Default", description = "Default, Strict or Unconfined.")
    String seccomp;
    @Option(names = "--landlock-rw", description = "Extra path the sandbox may write (inside its view).")
    List<String> landlockRw = new ArrayList<>();
    @Option(names = "--landlock-ro", description = "Extra path the sandbox may read.")
    List<String> landlockRo = new ArrayList<>();
    @Option(names = "--no-landlock", description = "Run without Landlock (reported by inspect).")
    boolean noLandlock;
    @Option(names = "--cap-add", description = "Capability to keep, e.g. NET_BIND_SERVICE.")
    List<String> capAdd = new ArrayList<>();
    @Option(names = "--timeout", description = "Seconds before the sandbox is killed (reason DeadlineExceeded).")
    long timeout;
    @Option(names = "--log-limit", description = "Size cap of each of stdout.log and stderr.log per run, e.g. 1Mi (default 16Mi).")
    String logLimit;
    @Parameters(description = "Command and arguments (after --).")
    List<String> command = new ArrayList<>();

    private CliLifecycle lifecycle = CliLifecycle.DEFAULTS;

    @Override
    public Integer call() throws Exception {
        SandboxConfig config = file != null ? fromFile() : fromFlags();
        if (logLimit != null) {
            long bytes = Quantities.bytes("--log-limit", logLimit);
            if (bytes <= 0) {
                throw new IllegalArgumentException("--log-limit: must be positive, e.g. 1Mi");
            }
            config = config.withLogLimit(bytes);
            lifecycle = lifecycle.withLogLimit(bytes);
        }
        if (detach && remove) {
            throw new IllegalArgumentException("--rm: only for foreground runs; use ttlSecondsAfterFinished in a manifest for -d");
        }
        SandboxRuntime runtime = cli.runtime();
        runtime.launch(config);
        lifecycle.save(runtime, config.name());
        try {
            CheckpointCommands.rememberVolumes(runtime, config);
        } catch (java.io.IOException e) {
            System.err.println("nucleus: warning: " + config.name() + " cannot be checkpointed: " + e.getMessage());
        }
        if (detach) {
            if (lifecycle.restartOnFailure()) {
                SuperviseCommand.startDetached(cli, runtime, config.name(), file);
            }
            System.out.println(config.name());
            return 0;
        }
        String sandbox = config.name();
        Thread stopper = new Thread(() -> {
            try {
                runtime.stop(sandbox, lifecycle.grace());
            } catch (Exception e) {
                System.err.println("nucleus: stop failed: " + e.getMessage());
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        var paths = runtime.stateDirectory().open(sandbox);
        long[] offsets = {0, 0};
        ExitStatus exit = new RestartSupervisor(runtime, lifecycle).supervise(config,
                n -> LogFollower.follow(paths.stdoutLog(), paths.stderrLog(), () -> runtime.exitStatus(n), offsets)).orElseThrow();
        Runtime.getRuntime().removeShutdownHook(stopper);
        if (remove) {
            runtime.remove(sandbox);
        }
        if (!exit.reason().equals(ExitStatus.COMPLETED) && !exit.reason().equals(ExitStatus.ERROR)) {
            System.err.println("nucleus: " + config.name() + " ended: " + exit.reason()
                    + (exit.signal() != 0 ? " (signal " + exit.signal() + ")" : ""));
        }
        return exit.shellCode();
    }

    private SandboxConfig fromFile() throws Exception {
        if (!command.isEmpty() || memory != null || cpus != null || pids != null || rootfs != null || !volumes.isEmpty()
                || !tmpfs.isEmpty() || !env.isEmpty() || user != null || userns || timens || !capAdd.isEmpty() || timeout != 0) {
            throw new IllegalArgumentException("--file: cannot be combined with sandbox flags or a command; put them in the manifest");
        }
        var sandbox = SpecMapper.parse(file);
        SandboxConfig c = SpecMapper.map(sandbox.getMetadata().getName(), sandbox.getSpec());
        if (name != null) {
            throw new IllegalArgumentException("--name: the manifest's metadata.name is the name; drop --name");
        }
        lifecycle = CliLifecycle.from(sandbox.getSpec().getLifecycle());
        return c;
    }

    private SandboxConfig fromFlags() {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command: missing; usage: nucleus run [flags] -- CMD [ARGS...]");
        }
        String n = name != null ? name : "sbx-" + HexFormat.of().formatHex(SecureRandom.getSeed(3));
        Map<String, String> environment = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0 || !e.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("--env: '" + e + "' must be NAME=VALUE with NAME made of letters, digits and _");
            }
            environment.put(e.substring(0, eq), e.substring(eq + 1));
        }
        List<Volume> vols = new ArrayList<>();
        for (String v : volumes) {
            String[] p = v.split(":");
            if (p.length < 2 || p.length > 3 || p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw")) {
                throw new IllegalArgumentException("--volume: '" + v + "' must be SRC:DST, SRC:DST:ro or SRC:DST:rw");
            }
            vols.add(new Volume.HostPath(Path.of(p[0]), p[1], !(p.length == 3 && p[2].equals("rw"))));
        }
        for (String t : tmpfs) {
            int colon = t.indexOf(':');
            String dst = colon < 0 ? t : t.substring(0, colon);
            long size = colon < 0 ? 64L << 20 : Quantities.bytes("--tmpfs", t.substring(colon + 1));
            vols.add(new Volume.Tmpfs(dst, size));
        }
        long uid = 0;
        long gid = 0;
        if (user != null) {
            String[] p = user.split(":");
            try {
                uid = Long.parseLong(p[0]);
                gid = p.length > 1 ? Long.parseLong(p[1]) : uid;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--user: '" + user + "' must be numeric UID or UID:GID");
            }
        }
        if (!List.of("Default", "Strict", "Unconfined").contains(seccomp)) {
            throw new IllegalArgumentException("--seccomp: '" + seccomp + "' must be Default, Strict or Unconfined");
        }
        NetworkMode net;
        try {
            net = NetworkMode.parse(network);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--network: '" + network + "' must be none or host");
        }
        RootfsSource root = rootfs == null || rootfs.equals("host") ? new RootfsSource.Host()
                : new RootfsSource.Directory(Path.of(rootfs).toAbsolutePath().normalize(), rootfsWritable);
        SandboxConfig.Landlock ll = noLandlock ? SandboxConfig.Landlock.DISABLED
                : new SandboxConfig.Landlock(true, landlockRw, landlockRo, List.of(), List.of());
        var res = new SandboxConfig.Resources(memory == null ? 0 : Quantities.bytes("--memory", memory),
                cpus == null ? 0 : Quantities.millicores("--cpus", cpus), pids == null ? 0 : pids);
        for (String c : capAdd) {
            try {
                dev.nucleus.agent.runtime.Capabilities.number(c);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--cap-add: " + e.getMessage());
            }
        }
        return new SandboxConfig(n, command, environment, "/", root, vols, res, uid, gid, userns, net,
                new SandboxConfig.Seccomp(seccomp, List.of()), ll, new LinkedHashSet<>(capAdd), timeout).withTimeNamespace(timens);
    }
}
