package dev.nucleus.agent.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.nucleus.agent.runtime.SandboxRecord;

/**
 * A/B of the restore's page check at the lowest CPU priority (nice 19 per hash thread) against the JVM's own: each
 * round dumps one 256 MiB sandbox and restores that same checkpoint twice, once each way, in alternating order.
 * {@code java -cp ... dev.nucleus.agent.checkpoint.RestoreHashPriorityBench [rounds]} (root, real CRIU).
 */
public final class RestoreHashPriorityBench {

    private RestoreHashPriorityBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        Path tmp = Files.createTempDirectory("nucleus-hash-ab");
        List<double[]> low = new ArrayList<>();
        List<double[]> normal = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        try (LauncherSandboxes sandboxes = new LauncherSandboxes()) {
            byte[] key = new byte[32];
            Arrays.fill(key, (byte) 5);
            CheckpointService service = new CheckpointService(new CriuRunner(CriuConfig.fromEnvironment()),
                    CheckpointKey.of(key), RestoreCgroups.of(sandboxes.cgroups), "bench", "bench");
            for (int i = -1; i < rounds; i++) {  // round -1 warms the JVM and criu up, not counted
                String name = "ab-" + ProcessHandle.current().pid() + "-" + (i < 0 ? "warm" : i);
                Path data = Files.createDirectories(tmp.resolve(name + "-data"));
                SandboxRecord r = CheckpointBenchmark.start(sandboxes, data, "py", name);
                CheckpointTarget t = new CheckpointTarget(name, name, r.initPid(), r.command(),
                        ResourceLimits.of(768L << 20, 0, 64, null),
                        List.of(new ExternalMount("data", "/data", data.toString())), null, false, false, false);
                CheckpointService.Checkpoint c = service.checkpoint(t, tmp.resolve(name + "-ckpt"), false);
                sandboxes.runtime.await(name, Duration.ofSeconds(30));
                boolean lowFirst = i % 2 == 0;
                double[] a = restore(sandboxes, service, c.location(), name + "-a", data, lowFirst, lines);
                double[] b = restore(sandboxes, service, c.location(), name + "-b", data, !lowFirst, lines);
                sandboxes.runtime.remove(name);
                CriuRunner.deleteTree(c.location());
                if (i < 0 || a == null || b == null) {
                    continue;
                }
                double[] l = lowFirst ? a : b;
                double[] n = lowFirst ? b : a;
                low.add(l);
                normal.add(n);
                lines.add(String.format(Locale.ROOT, "* round %d (%s first): nice 19 restore %.0f (criu restore phase %.0f,"
                        + " pages %.0f) | JVM priority restore %.0f (criu restore phase %.0f, pages %.0f); load %s", i,
                        lowFirst ? "nice 19" : "JVM priority", l[0], l[1], l[2], n[0], n[1], n[2],
                        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
            }
        } finally {
            ParallelHash.YIELDING = true;
            CriuRunner.deleteTree(tmp);
        }
        System.out.println("Load average before: " + loadBefore + "; after: "
                + Files.readString(Path.of("/proc/loadavg")).strip() + "; " + rounds + " rounds after one warm-up");
        lines.forEach(System.out::println);
        int wins = 0;
        for (int i = 0; i < low.size(); i++) {
            wins += low.get(i)[0] < normal.get(i)[0] ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "median restore: nice 19 %.0f ms, JVM priority %.0f ms; criu restore phase %.0f vs"
                + " %.0f; pages %.0f vs %.0f; nice 19 faster in %d of %d rounds%n", median(low, 0), median(normal, 0),
                median(low, 1), median(normal, 1), median(low, 2), median(normal, 2), wins, low.size());
    }

    /**
     * One restore of {@code ckpt} as {@code name}, then its removal: {total ms, criu restore phase, pages}; null (the
     * failure and criu's log recorded in {@code lines}) when it failed.
     */
    private static double[] restore(LauncherSandboxes s, CheckpointService service, Path ckpt, String name, Path data,
            boolean lowPriority, List<String> lines) throws Exception {
        ParallelHash.YIELDING = lowPriority;
        long t0 = System.nanoTime();
        CheckpointService.Restored r;
        try {
            r = RuntimeRestoreMonitor.restoreInto(service, s.runtime, name, ckpt, Map.of("data", data.toString()), false);
        } catch (CheckpointException e) {
            lines.add("* FAILED (" + (lowPriority ? "nice 19" : "JVM priority") + ") " + name + ": " + e.getMessage()
                    + "; criu log: " + String.join(" / ", e.criuLog()));
            return null;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        s.runtime.remove(name);
        return new double[] {ms, r.phaseMillis().getOrDefault("criu restore", -1L),
                r.phaseMillis().getOrDefault("pages (parallel)", -1L)};
    }

    private static double median(List<double[]> xs, int k) {
        double[] v = xs.stream().mapToDouble(x -> x[k]).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
