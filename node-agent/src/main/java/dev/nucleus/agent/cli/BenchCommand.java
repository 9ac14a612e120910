package dev.nucleus.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.runtime.LaunchPhases;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRuntime;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nucleus bench launch}: latency of starting /bin/true under full isolation from a warm JVM, next to its peers
 * (plain ProcessBuilder spawn, bwrap, runc, unshare) measured round-robin in the same run.
 */
@Command(name = "bench", description = "Benchmarks; 'nucleus bench launch' measures sandbox start latency.")
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    NucleusCli cli;
    @Parameters(paramLabel = "WHAT", description = "launch")
    String what;
    @Option(names = {"-n", "--launches"}, defaultValue = "200", description = "Launches per contender (default ${DEFAULT-VALUE}).")
    int n;
    @Option(names = "--warmup", defaultValue = "10")
    int warmup;
    @Option(names = "--out", description = "Also write the Markdown report to this file.")
    Path out;
    @Option(names = "--pool", defaultValue = "0", description = "Also measure launches claimed from a warm pool of this many"
            + " pre-made sandboxes, in the same rounds (default ${DEFAULT-VALUE}: no pooled row).")
    int pool;

    static final String SPAWNED_ROW = "nucleus, spec to exec, launcher spawned by the JVM (no zygote)";
    static final String POOLED_ROW = "nucleus, pooled: spec to exec, claimed from the warm pool";

    /** One contender: what it runs, timed from the call to the process having ended. */
    interface Contender {
        void runOnce(int i) throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        if (!"launch".equals(what)) {
            throw new IllegalArgumentException("bench: unknown benchmark '" + what + "'; use: nucleus bench launch");
        }
        SandboxRuntime rt = cli.runtime(true);
        SandboxRuntime spawning = cli.runtime(false);
        Path work = Files.createTempDirectory("nucleus-bench-");
        Map<String, Contender> contenders = new LinkedHashMap<>();
        List<Long> toExec = new ArrayList<>();
        List<Long> spawnToExec = new ArrayList<>();
        List<LaunchPhases> phases = new ArrayList<>();
        rt.onLaunchPhases(phases::add);
        contenders.put("ProcessBuilder `/bin/true` (plain spawn)", i -> exec(List.of("/bin/true")));
        contenders.put("nucleus, spec to exit (full isolation)", i -> {
            SandboxConfig c = fullIsolation("bench-" + ProcessHandle.current().pid() + "-" + i);
            long t0 = System.nanoTime();
            rt.launch(c);
            toExec.add(System.nanoTime() - t0);
            rt.await(c.name(), Duration.ofSeconds(30)).orElseThrow();
            rt.remove(c.name());
        });
        // The same launch with the launcher spawned by the JVM (ProcessBuilder) instead of forked by the zygote.
        contenders.put(SPAWNED_ROW, i -> {
            SandboxConfig c = fullIsolation("bench-" + ProcessHandle.current().pid() + "-s" + i);
            long t0 = System.nanoTime();
            spawning.launch(c);
            long dt = System.nanoTime() - t0;
            spawning.await(c.name(), Duration.ofSeconds(30)).orElseThrow();
            spawning.remove(c.name());
            spawnToExec.add(dt);
        });
        if (onPath("bwrap")) {
            contenders.put("`bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev`",
                    i -> exec(List.of("bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "/bin/true")));
        }
        if (onPath("runc")) {
            Path bundle = runcBundle(work);
            contenders.put("`runc run` (busybox bundle)", i -> exec(List.of("runc", "--root", work.resolve("runc-state").toString(),
                    "run", "--bundle", bundle.toString(), "nb-" + ProcessHandle.current().pid() + "-" + i)));
        }
        contenders.put("`unshare -m -p -f -u -i -n` (namespaces only)", i -> exec(List.of("unshare", "-m", "-p", "-f", "-u", "-i", "-n", "/bin/true")));
        PooledRow pooled = pool > 0 ? new PooledRow(cli.runtime(true), pool) : null;
        if (pooled != null) {
            contenders.put(POOLED_ROW, pooled::runOnce);
        }

        Map<String, long[]> samples = new LinkedHashMap<>();
        contenders.keySet().forEach(k -> samples.put(k, new long[n]));
        for (int i = -warmup; i < n; i++) {
            for (var e : contenders.entrySet()) {  // round-robin: every contender sees the same machine load
                long t0 = System.nanoTime();
                e.getValue().runOnce(i + warmup);
                long dt = System.nanoTime() - t0;
                if (i >= 0) {
                    samples.get(e.getKey())[i] = dt;
                }
            }
        }
        long[] exec = toExec.subList(warmup, toExec.size()).stream().mapToLong(Long::longValue).toArray();
        // The spawned row's samples are its spec-to-exec times, not the round trip with await and rm.
        samples.put(SPAWNED_ROW, spawnToExec.subList(warmup, spawnToExec.size()).stream().mapToLong(Long::longValue).toArray());
        String pooledReport = "";
        if (pooled != null) {
            samples.put(POOLED_ROW, pooled.toExec(warmup));
            pooledReport = pooled.report(warmup);
            pooled.rt.close();
        }
        rt.close();
        spawning.close();
        String report = report(samples, exec) + phaseReport(phases.subList(warmup, phases.size())) + pooledReport;
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report);
        }
        return 0;
    }

    static SandboxConfig fullIsolation(String name) {
        return new SandboxConfig(name, List.of("/bin/true"), Map.of(), "/", new RootfsSource.Host(), List.of(),
                new SandboxConfig.Resources(256L << 20, 1000, 64), 1000, 1000, false, NetworkMode.NONE,
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DEFAULT, Set.of(), 60);
    }

    private String report(Map<String, long[]> samples, long[] exec) throws Exception {
        StringBuilder s = new StringBuilder();
        s.append("# Launch latency\n\n");
        s.append("Measured by `nucleus bench launch -n ").append(n).append("` on ").append(Instant.now()).append(", kernel ")
                .append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, load average ")
                .append(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]).append(" at the end.\n\n");
        s.append("Every contender starts `/bin/true` from the same warm JVM, ").append(warmup)
                .append(" warm-up rounds, then ").append(n).append(" rounds, round-robin so all see the same load. ")
                .append("Times are from the call until the process has ended, except the two \"spec to exec\" rows (until `SandboxRuntime.launch` returned: workload exec'd, state file visible; its fsyncs finish in the background, timed in the last row of the step table).\n\n");
        s.append("Full isolation = pid, mount, uts, ipc, cgroup and net namespaces, host rootfs read-only with curated /etc, ")
                .append("minimal /dev, masked /proc, cgroups (256Mi memory, 1 CPU, 64 pids) joined before any code of the workload, ")
                .append("uid 1000, no capabilities, no_new_privs, Landlock defaults, the Default seccomp profile (compiled once per policy, then cached).\n\n");
        double plain = percentile(samples.values().iterator().next(), 50);
        s.append("| contender | p50 ms | p90 ms | p99 ms | p50 over plain spawn |\n|---|---:|---:|---:|---:|\n");
        row(s, "nucleus, spec to exec (full isolation, launcher forked by the zygote)", exec, plain);
        for (var e : samples.entrySet()) {
            row(s, e.getKey(), e.getValue(), plain);
        }
        return s.toString();
    }

    /** Median of each launch step over the measured launches (the medians need not add up to the p50 above). */
    static String phaseReport(List<LaunchPhases> measured) throws java.io.IOException {
        return phaseReport(measured, LaunchPhases.STEPS, "Where the spec-to-exec time goes (median per step over the same launches)");
    }

    /** The median of every step over the launches that went through {@code steps} (cold or claimed from the pool). */
    static String phaseReport(List<LaunchPhases> all, List<String> steps, String title) throws java.io.IOException {
        List<LaunchPhases> measured = all.stream().filter(p -> p.steps() == steps && p.durations() != null).toList();
        List<long[]> launches = new ArrayList<>();
        List<Long> durable = new ArrayList<>();
        List<Long> planThread = new ArrayList<>();
        for (LaunchPhases p : measured) {
            launches.add(p.durations());
            if (p.planThread() != Long.MIN_VALUE) {
                planThread.add(p.planThread());
            }
            long durableAfter = p.durableAfterReturn();
            if (durableAfter != Long.MIN_VALUE) {
                durable.add(durableAfter);
            }
        }
        StringBuilder s = new StringBuilder("\n" + title + ":\n\n");
        s.append("| step | p50 ms |\n|---|---:|\n");
        for (int i = 0; i < steps.size(); i++) {
            int step = i;
            s.append(String.format("| %s | %.2f |%n", steps.get(i),
                    percentile(launches.stream().mapToLong(d -> d[step]).toArray(), 50)));
        }
        // The step medians need not add up to the p50 (every step has its own tail): this row says how far they are.
        s.append(String.format("| %s | %.2f |%n", "all steps of one launch, summed (median of the sums)",
                percentile(launches.stream().mapToLong(d -> java.util.Arrays.stream(d).sum()).toArray(), 50)));
        // the JVM's own part: what a launch costs before the launcher has its plan or claim (the steps' medians do not add)
        s.append(String.format("| %s | %.2f |%n", "the first " + LaunchPhases.UNTIL_SENT + " steps, until the plan or claim"
                + " was written, summed (median of the sums)",
                percentile(launches.stream().mapToLong(d -> java.util.Arrays.stream(d, 0, LaunchPhases.UNTIL_SENT).sum()).toArray(), 50)));
        if (!planThread.isEmpty()) {
            s.append(String.format("| %s | %.2f |%n", LaunchPhases.PLAN_THREAD,
                    percentile(planThread.stream().mapToLong(Long::longValue).toArray(), 50)));
        }
        if (!durable.isEmpty()) {
            s.append(String.format("| %s | %.2f |%n", LaunchPhases.DURABLE,
                    percentile(durable.stream().mapToLong(Long::longValue).toArray(), 50)));
        }
        return s.toString();
    }

    private static void row(StringBuilder s, String name, long[] ns, double plain) {
        double p50 = percentile(ns, 50);
        s.append(String.format("| %s | %.1f | %.1f | %.1f | %+.1f ms |%n", name, p50, percentile(ns, 90), percentile(ns, 99), p50 - plain));
    }

    static double percentile(long[] ns, int p) {
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(idx, sorted.length - 1))] / 1e6;
    }

    private static void exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue());
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** A busybox rootfs and a config.json from `runc spec`, non-interactive, running /bin/true read-only. */
    private static Path runcBundle(Path work) throws Exception {
        Path bundle = work.resolve("bundle");
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(Path.of("/usr/bin/busybox"), bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("true"), Path.of("busybox"));
        Files.createDirectories(work.resolve("runc-state"));
        new ProcessBuilder("runc", "spec", "--bundle", bundle.toString()).directory(new File("/")).inheritIO().start().waitFor();
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
        ((ObjectNode) config.get("process")).put("terminal", false);
        ((ObjectNode) config.get("process")).putArray("args").add("/bin/true");
        ((ObjectNode) config.get("root")).put("path", bundle.resolve("rootfs").toString()).put("readonly", true);
        json.writeValue(bundle.resolve("config.json").toFile(), config);
        return bundle;
    }
}
