package dev.nucleus.agent.checkpoint;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nucleus.agent.checkpoint.CriuConfig.FaultInjection;
import dev.nucleus.agent.state.DirectoryTrees;

/**
 * Runs the {@code criu} binary as a bounded subprocess: configured binary and environment, {@code CRIU_FAULT=130}
 * when this machine needs it, a timeout that kills the whole CRIU process tree, and the log tail and stats parsed
 * from every run.
 */
public final class CriuRunner {

    /** CRIU's FI_NO_BREAKPOINTS: parasite cure by ptrace stepping; needed where hardware breakpoints never fire. */
    public static final String FAULT_ENV = "CRIU_FAULT";
    public static final String FAULT_NO_BREAKPOINTS = "130";

    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(8);
    private static final Pattern VERSION = Pattern.compile("(?m)^Version:\\s*(\\S+)");
    private static final int LOG_TAIL_LINES = 15;
    /**
     * Full logs. Runs use criu's default level (errors and warnings: what a failed status shows), which keeps
     * criu's own work small; the service reruns a failed dump or restore at this level for the whole story.
     */
    public static final String VERBOSE = "-v4";
    private static final Pattern SEIZED = Pattern.compile("Seized task (\\d+),");
    private static final File DEV_NULL = new File("/dev/null");

    private final CriuConfig config;
    private volatile Boolean faultInjection;

    public CriuRunner(CriuConfig config) {
        this.config = config;
        if (config.faultInjection() != FaultInjection.AUTO) {
            faultInjection = config.faultInjection() == FaultInjection.ON;
        }
    }

    /** The same runner settings with another binary (tests, or an operator-provided path). */
    public CriuRunner withBinary(Path binary) {
        return new CriuRunner(new CriuConfig(binary, config.faultInjection(), config.extraEnv(), config.timeout()));
    }

    public CriuConfig config() {
        return config;
    }

    /** {@code criu dump} of the tree rooted at {@code request.pid()} into {@code request.imagesDir()}. */
    public CriuResult dump(CriuDump request) throws IOException {
        List<String> args = new ArrayList<>(List.of("dump", "--tree", Long.toString(request.pid()),
                "--images-dir", request.imagesDir().toString(), "--log-file", request.logFile().toString(),
                "--display-stats"));
        for (ExternalMount m : request.externalMounts()) {
            args.addAll(List.of("--external", m.dumpSpec()));
        }
        if (request.leaveRunning()) {
            args.add("--leave-running");
        }
        args.addAll(request.extraArgs());
        return run(args, request.logFile(), List.of(), config.timeout());
    }

    /**
     * {@code criu restore --restore-detached} from {@code request.imagesDir()}, run from this JVM (tests and probes;
     * sandboxes are restored under a {@link RestoreMonitor}); the new root PID lands in the pidfile.
     */
    public CriuResult restore(CriuRestore request) throws IOException {
        List<String> args = restoreArgs(request);
        args.add("--display-stats");
        return run(args, request.logFile(), request.joinCgroups(), config.timeout());
    }

    /**
     * The command line and environment of the same restore run by a monitor ({@link RestoreMonitor}): the monitor
     * joins the cgroups itself and hands criu the workload's new stdout/stderr pipes as fds 3 and 4.
     */
    public RestoreMonitor.Command monitoredRestore(CriuRestore request, CheckpointMetadata metadata, String digest) {
        List<String> argv = new ArrayList<>(List.of(config.binary().toString()));
        argv.addAll(restoreArgs(request));
        if (request.stdio() != null) {
            inheritStdio(argv, request.stdio(), RestoreMonitor.STDOUT_FD, RestoreMonitor.STDERR_FD);
        }
        List<String> env = new ArrayList<>();
        environment(isFaultInjectionEnabled()).forEach((k, v) -> env.add(k + "=" + v));
        return new RestoreMonitor.Command(argv, env, request.joinCgroups(), request.pidFile(), request.logFile(),
                config.timeout(), metadata, digest);
    }

    private List<String> restoreArgs(CriuRestore request) {
        List<String> args = new ArrayList<>(List.of("restore", "--images-dir", request.imagesDir().toString(),
                "--log-file", request.logFile().toString(), "--pidfile", request.pidFile().toString(),
                "--restore-detached"));
        // criu writes stats-restore into its work dir, by default the images: a signed checkpoint stays untouched.
        args.addAll(List.of("--work-dir", request.logFile().getParent().toString()));
        if (request.root() != null) {
            args.addAll(List.of("--root", request.root().toString()));
        }
        for (ExternalMount m : request.externalMounts()) {
            args.addAll(List.of("--external", m.restoreSpec()));
        }
        if (!request.joinCgroups().isEmpty()) {
            // The restored tree is forked by criu, so it is born in the cgroups criu runs in (see run()).
            args.add("--manage-cgroups=ignore");
        }
        args.addAll(request.extraArgs());
        return args;
    }

    private static void inheritStdio(List<String> args, CriuRestore.Stdio stdio, int outFd, int errFd) {
        if (stdio.stdoutPipe() != null) {
            args.addAll(List.of("--inherit-fd", "fd[" + outFd + "]:" + stdio.stdoutPipe()));
        }
        if (stdio.stderrPipe() != null) {
            args.addAll(List.of("--inherit-fd", "fd[" + errFd + "]:" + stdio.stderrPipe()));
        }
    }

    /**
     * Runs criu with {@code args}, bounded by {@code timeout}. When {@code joinCgroups} (cgroup.procs files) is not
     * empty, a tiny shell joins them and then execs criu, so whatever criu forks starts inside those cgroups.
     */
    public CriuResult run(List<String> args, Path logFile, List<Path> joinCgroups, Duration timeout)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (!joinCgroups.isEmpty()) {
            command.addAll(List.of("/bin/sh", "-c",
                    "for f; do [ \"$f\" = -- ] && break; echo $$ > \"$f\" || exit 126; shift; done; shift; exec \"$@\"",
                    "criu-cgroup-join"));
            joinCgroups.forEach(p -> command.add(p.toString()));
            command.add("--");
        }
        command.add(config.binary().toString());
        command.addAll(args);
        return execute(command, logFile, environment(isFaultInjectionEnabled()), timeout);
    }

    /** The version {@code criu --version} reports, if the binary runs at all. */
    public Optional<String> version() {
        try {
            CriuResult r = execute(List.of(config.binary().toString(), "--version"), null,
                    environment(false), Duration.ofSeconds(20));
            Matcher m = VERSION.matcher(r.output());
            return r.succeeded() && m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether CRIU is usable here: root, a trustworthy binary, version 4 or later, and {@code criu check} passing. */
    public CriuCheck check() {
        Path bin = config.binary();
        String problem = binaryProblem(bin);
        if (problem != null) {
            return CriuCheck.unusable(bin, null, problem);
        }
        String version = version().orElse(null);
        if (version == null) {
            return CriuCheck.unusable(bin, null, bin + " --version fails; the binary does not run on this machine");
        }
        if (!version.matches("([4-9]|\\d{2,})\\..*")) {
            return CriuCheck.unusable(bin, version, "criu " + version
                    + " is too old for this kernel (3.x fails on the vDSO layout of kernels >= 6.13); run scripts/install-criu.sh");
        }
        try {
            CriuResult r = execute(List.of(bin.toString(), "check"), null, environment(false), Duration.ofSeconds(60));
            if (!r.succeeded()) {
                return CriuCheck.unusable(bin, version, "criu check failed: " + lastLines(r.output(), 3));
            }
        } catch (IOException e) {
            return CriuCheck.unusable(bin, version, "cannot run criu check: " + e.getMessage());
        }
        return new CriuCheck(true, "criu check passed", bin, version, isFaultInjectionEnabled());
    }

    /** Whether runs get {@code CRIU_FAULT=130}; in AUTO mode decided once by a short probe dump. */
    public boolean isFaultInjectionEnabled() {
        Boolean known = faultInjection;
        if (known == null) {
            synchronized (this) {
                if (faultInjection == null) {
                    faultInjection = probeNeedsFaultInjection();
                }
                known = faultInjection;
            }
        }
        return known;
    }

    // Dumps a throwaway `sleep` without CRIU_FAULT: where hardware breakpoints never fire (PVM guests) criu hangs
    // in "Waiting for PID to trap" and the probe times out. Any failure turns the workaround on: it only costs speed.
    private boolean probeNeedsFaultInjection() {
        Process target = null;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nucleus-criu-probe");
            target = new ProcessBuilder("setsid", "sleep", "120").redirectInput(DEV_NULL)
                    .redirectOutput(DEV_NULL).redirectErrorStream(true).start();
            Path log = dir.resolve("probe.log");
            CriuResult r = execute(List.of(config.binary().toString(), "dump", "--tree", Long.toString(target.pid()),
                    "--images-dir", dir.toString(), "--log-file", log.toString(), "--leave-running"),
                    log, environment(false), PROBE_TIMEOUT);
            return !r.succeeded();
        } catch (IOException e) {
            return true;
        } finally {
            if (target != null) {
                target.destroyForcibly();
            }
            if (dir != null) {
                DirectoryTrees.deleteQuietly(dir);
            }
        }
    }

    private Map<String, String> environment(boolean fault) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove(FAULT_ENV);
        if (fault) {
            env.put(FAULT_ENV, FAULT_NO_BREAKPOINTS);
        }
        env.putAll(config.extraEnv());
        return env;
    }

    /** stdout and stderr are captured together (criu prints its stats there). */
    private static CriuResult execute(List<String> command, Path logFile, Map<String, String> env, Duration timeout)
            throws IOException {
        Path out = Files.createTempFile("nucleus-criu", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectInput(DEV_NULL).redirectOutput(out.toFile())
                    .redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            boolean finished = waitFor(p, timeout);
            if (!finished) {
                // Kill criu and anything it forked (a half-restored tree must not survive a timeout).
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                waitFor(p, Duration.ofSeconds(10));
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            String output = Files.readString(out, StandardCharsets.UTF_8);
            return new CriuResult(command, finished ? p.exitValue() : -1, !finished, elapsed, output,
                    logTail(logFile), CriuStats.parse(output));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The host PIDs a dump froze, from its log ("Seized task N"): a same-PID restore needs them all free. */
    public static List<Long> seizedPids(Path dumpLog) throws IOException {
        List<Long> pids = new ArrayList<>();
        Matcher m = SEIZED.matcher(Files.readString(dumpLog, StandardCharsets.UTF_8));
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    /** Error lines first (minus the RLIMIT_NOFILE one every run logs here), then the last lines of the log. */
    static List<String> logTail(Path logFile) {
        if (logFile == null || !Files.isRegularFile(logFile)) {
            return List.of();
        }
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            Set<String> tail = new LinkedHashSet<>();
            lines.stream().filter(l -> l.contains("Error") && !l.contains("RLIMIT_NOFILE for self"))
                    .limit(LOG_TAIL_LINES).forEach(tail::add);
            tail.addAll(lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
            return List.copyOf(tail);
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(cannot read " + logFile + ": " + e.getMessage() + ")");
        }
    }

    // The original's rule: a binary run as root must not be replaceable by anyone but root.
    private static String binaryProblem(Path bin) {
        try {
            if (!Files.exists(bin)) {
                return bin + " does not exist; run scripts/install-criu.sh or set NUCLEUS_CRIU";
            }
            Path real = bin.toRealPath();
            PosixFileAttributes attrs = Files.readAttributes(real, PosixFileAttributes.class);
            if (!attrs.isRegularFile() || !Files.isExecutable(real)) {
                return real + " is not an executable file";
            }
            Set<PosixFilePermission> perms = attrs.permissions();
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return real + " is group- or world-writable";
            }
            if (!"root".equals(attrs.owner().getName())) {
                return real + " is owned by " + attrs.owner().getName() + ", not root";
            }
            String uids = SandboxProcesses.statusField(-1, "Uid");
            if (uids == null) {
                throw new IOException("no Uid in /proc/self/status");
            }
            if (!"0".equals(uids.split("\\s+")[1])) {  // real, effective, saved, filesystem: privilege is the effective one
                return "checkpoint/restore needs root (effective uid is not 0)";
            }
            return null;
        } catch (IOException e) {
            return "cannot inspect " + bin + ": " + e.getMessage();
        }
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.strip().split("\n");
        return String.join(" | ", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - n), lines.length));
    }
}
