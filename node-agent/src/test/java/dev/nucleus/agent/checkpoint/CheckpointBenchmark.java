package dev.nucleus.agent.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;

/**
 * Benchmark (not a test; run by hand, see docs/checkpoint.md): checkpoint and restore of the same launcher sandbox
 * through {@link CheckpointService} versus the raw {@code criu dump}/{@code criu restore} commands it wraps, for a
 * small shell counter and a process holding 256 MiB of resident random data. Prints a Markdown table of medians.
 */
public final class CheckpointBenchmark {

    private static final String SMALL = "i=0; while true; do i=$((i+1)); echo $i > /data/count.tmp; mv -f /data/count.tmp /data/count; sleep 0.05; done";
    /** Phase key of the restore of a copied checkpoint (the full page check), beside the own checkpoint's restore. */
    private static final String COPY_RESTORE = "restore of a copy (ms)";
    private static final String BIG = "import os,time\nb=os.urandom(256<<20)\ni=0\n"
            + "while True:\n i+=1\n open('/data/count','w').write(str(i))\n time.sleep(0.05)\n";

    /**
     * One side's iteration. For raw, {@code rootDumpMs}/{@code rootRestoreMs} are what its root layout costs (the
     * archive of the sandbox's root with its fdatasync, and the extraction before the restore): work the Nucleus
     * side does inside its timing (root archive, root phase) and raw does outside its criu timings.
     */
    private record Sample(double dumpMs, double restoreMs, long imageBytes, Map<String, Long> phases, double syncMs,
            double frozenMs, double rootDumpMs, double rootRestoreMs) {
    }

    public static void main(String[] args) throws Exception {
        // An even count: the order alternates per round, and whichever side runs first pays ~50 ms more on a small dump
        // here (session 7), so an odd count tilts the medians against the side that starts.
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        Path tmp = Files.createTempDirectory("nucleus-ckpt-bench");
        List<String> rows = new ArrayList<>();
        List<String> phaseRows = new ArrayList<>();
        List<String> cold = new ArrayList<>();
        List<String> perIteration = new ArrayList<>();
        try (LauncherSandboxes sandboxes = new LauncherSandboxes()) {
            byte[] key = new byte[32];
            Arrays.fill(key, (byte) 5);
            CriuRunner criu = new CriuRunner(CriuConfig.fromEnvironment());
            CheckpointService service = new CheckpointService(criu, CheckpointKey.of(key),
                    RestoreCgroups.of(sandboxes.cgroups), "bench", "bench");
            for (String[] w : new String[][] {{"small (sh counter)", "sh"}, {"256 MiB resident (python3)", "py"}}) {
                List<Sample> nucleus = new ArrayList<>();
                List<Sample> raw = new ArrayList<>();
                // One uncounted round first: the agent is a long-running JVM, so class loading, the first JIT
                // compilations (which run beside criu on the same 2 cores) and criu's probe are not what is measured.
                Sample coldNucleus = runNucleus(sandboxes, service, tmp, w[1], -1);
                Sample coldRaw = runRaw(sandboxes, criu, tmp, w[1], -1);
                cold.add(String.format(Locale.ROOT, "* %s, warm-up round (not counted): Nucleus dump %.0f / restore %.0f ms,"
                        + " raw criu dump %.0f (+ fdatasync %.0f) / restore %.0f ms", w[0], coldNucleus.dumpMs(),
                        coldNucleus.restoreMs(), coldRaw.dumpMs(), coldRaw.dumpMs() + coldRaw.syncMs(), coldRaw.restoreMs()));
                // The order alternates, so neither side always runs right after the other's teardown (the kernel
                // tears a dead sandbox's namespaces down asynchronously, which may slow whatever comes next).
                for (int i = 0; i < runs; i++) {
                    if (i % 2 == 0) {
                        nucleus.add(runNucleus(sandboxes, service, tmp, w[1], i));
                        raw.add(runRaw(sandboxes, criu, tmp, w[1], i));
                    } else {
                        raw.add(runRaw(sandboxes, criu, tmp, w[1], i));
                        nucleus.add(runNucleus(sandboxes, service, tmp, w[1], i));
                    }
                }
                for (int i = 0; i < runs; i++) {
                    Sample n = nucleus.get(i);
                    Sample r = raw.get(i);
                    perIteration.add(String.format(Locale.ROOT, "* %s #%d (%s first): Nucleus dump %.0f (criu phase %d,"
                            + " criu process %d, frozen %.0f) / restore %.0f (criu restore phase %d); raw dump %.0f (frozen"
                            + " %.0f, + fdatasync %.0f, + root archive %.0f) / restore %.0f (+ root extraction %.0f)", w[0],
                            i, i % 2 == 0 ? "Nucleus" : "raw", n.dumpMs(), n.phases().getOrDefault("dump: criu dump", -1L),
                            n.phases().getOrDefault("dump: criu process", -1L), n.frozenMs(), n.restoreMs(),
                            n.phases().getOrDefault("restore: criu restore", -1L), r.dumpMs(), r.frozenMs(),
                            r.dumpMs() + r.syncMs(), r.dumpMs() + r.syncMs() + r.rootDumpMs(), r.restoreMs(),
                            r.restoreMs() + r.rootRestoreMs()) + String.format(Locale.ROOT, "; Nucleus restore of a copy"
                            + " %d (pages hashed in %d ms; own checkpoint: %d page images unchanged since the dump)",
                            n.phases().get(COPY_RESTORE), n.phases().getOrDefault("restore of the copy: pages (parallel)", -1L),
                            n.phases().getOrDefault("restore: page images unchanged since this node's dump", -1L)));
                }
                rows.add(row(w[0] + ", Nucleus (its own checkpoint)", nucleus));
                rows.add(row(w[0] + ", Nucleus restoring a COPY of its checkpoint (full page check)", nucleus.stream()
                        .map(x -> new Sample(x.dumpMs(), x.phases().get(COPY_RESTORE), x.imageBytes(), x.phases(), 0,
                                x.frozenMs(), 0, 0)).toList()));
                rows.add(row(w[0] + ", raw criu", raw));
                rows.add(row(w[0] + ", raw criu + fdatasync of the images", raw.stream().map(x -> new Sample(
                        x.dumpMs() + x.syncMs(), x.restoreMs(), x.imageBytes(), x.phases(), 0, x.frozenMs(), 0, 0)).toList()));
                rows.add(row(w[0] + ", raw criu + fdatasync + root archive (restore: + extraction)", raw.stream()
                        .map(x -> new Sample(x.rootDumpMs() + x.dumpMs() + x.syncMs(), x.rootRestoreMs() + x.restoreMs(),
                                x.imageBytes(), x.phases(), 0, x.frozenMs(), 0, 0)).toList()));
                cold.add(String.format(Locale.ROOT, "* %s, criu's own frozen time (its stats), median: Nucleus %.0f ms,"
                        + " raw %.0f ms", w[0], median(nucleus.stream().mapToDouble(Sample::frozenMs).toArray()),
                        median(raw.stream().mapToDouble(Sample::frozenMs).toArray())));
                phaseRows.add(phaseRow(w[0], nucleus));
            }
        } finally {
            dev.nucleus.agent.state.DirectoryTrees.deleteQuietly(tmp);
        }
        System.out.println("Load average before: " + loadBefore + "; after: "
                + Files.readString(Path.of("/proc/loadavg")).strip() + "; " + runs + " iterations per row after one warm-up round");
        System.out.println();
        System.out.println("| workload | dump median (ms) | restore median (ms) | image size | dump MiB/s | restore MiB/s |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        cold.forEach(System.out::println);
        System.out.println();
        System.out.println("Each iteration, ms:");
        System.out.println();
        perIteration.forEach(System.out::println);
        System.out.println();
        System.out.println("Nucleus phases, median ms (dump: ... | restore: ...; \"(parallel)\" ran alongside criu):");
        System.out.println();
        phaseRows.forEach(System.out::println);
    }

    static SandboxRecord start(LauncherSandboxes s, Path data, String kind, String name) throws Exception {
        List<String> cmd = kind.equals("sh") ? List.of("/bin/sh", "-c", SMALL) : List.of("/usr/bin/python3", "-c", BIG);
        SandboxConfig d = SandboxConfig.defaults(name, cmd);
        SandboxConfig c = new SandboxConfig(name, cmd, d.env(), d.workingDir(), d.rootfs(),
                List.of(new Volume.HostPath(data, "/data", false)), new SandboxConfig.Resources(768L << 20, 0, 64),
                0, 0, false, d.network(), SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, Set.of(), 0);
        SandboxRecord r = s.runtime.launch(c);
        // 256 MiB from /dev/urandom takes a few seconds on these VMs before the first count.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(data.resolve("count")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (!Files.exists(data.resolve("count"))) {
            throw new IllegalStateException(name + " never counted; stderr: "
                    + Files.readString(s.runtime.stateDirectory().open(name).stderrLog()));
        }
        CheckpointServiceNativeTest.CounterFile counter = new CheckpointServiceNativeTest.CounterFile(data.resolve("count"));
        counter.await(v -> v >= 3);
        return r;
    }

    private static Sample runNucleus(LauncherSandboxes s, CheckpointService service, Path tmp, String kind, int i)
            throws Exception {
        String name = "bn-" + kind + "-" + (i < 0 ? "warm" : i);
        Path data = Files.createDirectories(tmp.resolve(name + "-data"));
        SandboxRecord r = start(s, data, kind, name);
        CheckpointTarget t = new CheckpointTarget(name, name, r.initPid(), r.command(), ResourceLimits.of(768L << 20, 0, 64, null),
                List.of(new ExternalMount("data", "/data", data.toString())), null, false, false, false);
        long t0 = System.nanoTime();
        CheckpointService.Checkpoint c = service.checkpoint(t, tmp.resolve(name + "-ckpt"), false);
        double dumpMs = (System.nanoTime() - t0) / 1e6;
        s.runtime.await(name, Duration.ofSeconds(30));
        // The same checkpoint copied (new inodes, as one from another node or a backup): it gets the full page check,
        // where this node's own unchanged checkpoint skips it. Its restore gets a copy of the volume as at the dump.
        Path copy = tmp.resolve(name + "-copy");
        Path copyData = tmp.resolve(name + "-copy-data");
        exec(0, List.of("cp", "-a", c.location().toString(), copy.toString()));
        exec(0, List.of("cp", "-a", data.toString(), copyData.toString()));
        // Written out before the restores: 259 MiB of dirty copy left to the kernel's writeback would be flushed
        // during whichever restore came next (and only on the Nucleus side).
        syncTree(copy.resolve(CheckpointService.IMAGES));
        syncTree(copy);
        CheckpointService.Restored fromCopy = null;
        double copyMs = 0;
        if (i % 2 != 0) {
            t0 = System.nanoTime();
            fromCopy = RuntimeRestoreMonitor.restoreInto(service, s.runtime, name + "-c", copy,
                    Map.of("data", copyData.toString()), false);
            copyMs = (System.nanoTime() - t0) / 1e6;
            s.runtime.remove(name + "-c");
        }
        t0 = System.nanoTime();
        CheckpointService.Restored restored = RuntimeRestoreMonitor.restoreInto(service, s.runtime, name + "-r",
                c.location(), Map.of("data", data.toString()), false);
        double restoreMs = (System.nanoTime() - t0) / 1e6;
        s.runtime.remove(name + "-r");
        if (i % 2 == 0) {
            t0 = System.nanoTime();
            fromCopy = RuntimeRestoreMonitor.restoreInto(service, s.runtime, name + "-c", copy,
                    Map.of("data", copyData.toString()), false);
            copyMs = (System.nanoTime() - t0) / 1e6;
            s.runtime.remove(name + "-c");
        }
        dev.nucleus.agent.state.DirectoryTrees.deleteQuietly(copy);
        s.runtime.remove(name);
        Map<String, Long> phases = new java.util.LinkedHashMap<>();
        c.phaseMillis().forEach((k, v) -> phases.put("dump: " + k, v));
        restored.phaseMillis().forEach((k, v) -> phases.put("restore: " + k, v));
        phases.put(COPY_RESTORE, Math.round(copyMs));
        fromCopy.phaseMillis().forEach((k, v) -> phases.put("restore of the copy: " + k, v));
        return new Sample(dumpMs, restoreMs, imageBytes(c.location().resolve(CheckpointService.IMAGES)), phases, 0,
                c.frozenMicros().orElse(-1000) / 1000.0, 0, 0);
    }

    /**
     * The same sandbox, the same externals, just the two commands; the root layout (a tar of the sandbox's root,
     * extracted for the restore) is prepared before the dump, timed apart from it.
     */
    private static Sample runRaw(LauncherSandboxes s, CriuRunner criu, Path tmp, String kind, int i) throws Exception {
        String name = "br-" + kind + "-" + (i < 0 ? "warm" : i);
        Path data = Files.createDirectories(tmp.resolve(name + "-data"));
        SandboxRecord r = start(s, data, kind, name);
        Path images = Files.createDirectories(tmp.resolve(name + "-img"));
        Path root = Files.createDirectories(tmp.resolve(name + "-root"));
        long t0 = System.nanoTime();
        exec(1, List.of("tar", "--one-file-system", "-C", "/proc/" + r.initPid() + "/root", "-cf",
                tmp.resolve(name + ".tar").toString(), "."));
        try (var ch = java.nio.channels.FileChannel.open(tmp.resolve(name + ".tar"), java.nio.file.StandardOpenOption.READ)) {
            ch.force(false);
        }
        double rootDumpMs = (System.nanoTime() - t0) / 1e6;
        t0 = System.nanoTime();
        exec(0, List.of("tar", "-C", root.toString(), "-xpf", tmp.resolve(name + ".tar").toString()));
        double rootRestoreMs = (System.nanoTime() - t0) / 1e6;
        List<String> env = criu.isFaultInjectionEnabled() ? List.of("env", "CRIU_FAULT=130") : List.of("env");
        String bin = criu.config().binary().toString();
        Path stats = tmp.resolve(name + ".stats");
        t0 = System.nanoTime();
        exec(0, concat(env, bin, "dump", "-t", Long.toString(r.initPid()), "-D", images.toString(), "-o", "dump.log",
                "--external", "mnt[/data]:data", "--external", "mnt[]", "--display-stats"), stats);
        double dumpMs = (System.nanoTime() - t0) / 1e6;
        double frozenMs = CriuStats.parse(Files.readString(stats)).frozenMicros().orElse(-1000) / 1000.0;
        // The peer with durability: what it takes to get raw criu's images onto the disk (Nucleus syncs its own).
        t0 = System.nanoTime();
        syncTree(images);
        double syncMs = (System.nanoTime() - t0) / 1e6;
        s.runtime.await(name, Duration.ofSeconds(30));
        Path pid = tmp.resolve(name + ".pid");
        t0 = System.nanoTime();
        exec(0, concat(env, bin, "restore", "-D", images.toString(), "-o", "restore.log", "-d", "--root", root.toString(),
                "--external", "mnt[data]:" + data, "--ext-mount-map", "auto", "--pidfile", pid.toString()));
        double restoreMs = (System.nanoTime() - t0) / 1e6;
        long imageBytes = imageBytes(images);
        long restored = Long.parseLong(Files.readString(pid).trim());
        CounterProcess.killTree(restored);
        // Raw criu restored the tree into the original cgroups; they can only go once it is dead.
        CounterProcess.awaitGone(restored, Duration.ofSeconds(10));
        s.runtime.remove(name);
        return new Sample(dumpMs, restoreMs, imageBytes, Map.of(), syncMs, frozenMs, rootDumpMs, rootRestoreMs);
    }

    /** fdatasync of every file, then fsync of the directory: raw criu's images made durable. */
    private static void syncTree(Path images) throws Exception {
        try (var files = Files.list(images)) {
            for (Path f : files.toList()) {
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
                    ch.force(false);
                }
            }
        }
        try (var ch = java.nio.channels.FileChannel.open(images, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static long imageBytes(Path images) throws Exception {
        try (var files = Files.walk(images)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".img")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    /** Runs {@code cmd}; an exit code above {@code maxOk} fails (tar exits 1 when a live file changed). */
    private static void exec(int maxOk, List<String> cmd) throws Exception {
        exec(maxOk, cmd, null);
    }

    /** Like {@link #exec(int, List)}, stdout into {@code out} (criu's stats) when not null. */
    private static void exec(int maxOk, List<String> cmd, Path out) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectInput(new java.io.File("/dev/null"))
                .redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() > maxOk) {
            throw new IllegalStateException("failed: " + cmd);
        }
    }

    private static String row(String label, List<Sample> samples) {
        double dump = median(samples.stream().mapToDouble(Sample::dumpMs).toArray());
        double restore = median(samples.stream().mapToDouble(Sample::restoreMs).toArray());
        double mib = median(samples.stream().mapToDouble(x -> x.imageBytes() / 1048576.0).toArray());
        return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f MiB | %.0f | %.0f |", label, dump, restore, mib,
                mib / (dump / 1000), mib / (restore / 1000));
    }

    private static String phaseRow(String label, List<Sample> samples) {
        StringBuilder sb = new StringBuilder("* ").append(label).append(":");
        for (String phase : samples.get(0).phases().keySet()) {
            double m = median(samples.stream().mapToDouble(x -> x.phases().getOrDefault(phase, -1L)).toArray());
            sb.append(String.format(Locale.ROOT, " %s %.0f,", phase, m));
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
