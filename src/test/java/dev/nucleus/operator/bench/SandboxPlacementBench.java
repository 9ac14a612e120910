package dev.nucleus.operator.bench;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Resources;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.RealControlPlane;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On demand only ({@code -Dgroups=bench -Doperator.excludedGroups=none}): 1,000 sandboxes created at once against the
 * real API server with three fake agents; measures create→Scheduled per sandbox from the client's side (create call start to
 * the watch event that shows status.nodeName) and the total time until the last one is placed, and where the
 * machine's CPU went meanwhile ({@link CpuShares}). A warm-up burst of {@code bench.warmup} (200) sandboxes is placed
 * and deleted first, as a long-lived operator has compiled its hot paths; its figures are printed as BENCH-COLD.
 */
@QuarkusTest
@WithTestResource(RealControlPlane.class)
@Tag("bench")
class SandboxPlacementBench {
  private static final int COUNT = Integer.getInteger("bench.count", 1000);
  private static final String NS = "bench";
  /** Sandboxes placed and deleted before the measured burst (0: measure a cold operator). */
  private static final int WARMUP = Integer.getInteger("bench.warmup", 200);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Inject
  KubernetesClient client;
  @Inject
  MeterRegistry registry;

  @Test
  void thousandSandboxesAtOnce() throws Exception {
    // Agents at a real agent's pace: 15 s Leases renewed every 3 s (the tests' 300 ms would add 10 writes/s of
    // renewals to the API server the placements compete for).
    Files.deleteIfExists(Path.of("target", "operator-bench.txt"));
    try (FakeAgents agents = new FakeAgents(client, 15, Duration.ofSeconds(3))) {
      agents.reset();
      agents.start("bench-a", capabilities(7, true, 1L << 30, "{}"));
      agents.start("bench-b", capabilities(7, true, 2L << 30, "{}"));
      agents.start("bench-c", capabilities(4, false, 3L << 30, "{}"));
      Thread.sleep(2000); // let the operator's Lease informer see all three agents
      if (WARMUP > 0) {
        // An operator is long-lived: its JIT has compiled the placement path before a burst comes. The warm-up
        // burst is placed, then deleted through the teardown handshake (the fake agents confirm), so the measured
        // burst starts from the same empty cluster and idle nodes; its own figures are the cold ones.
        report("BENCH-COLD", burst("warm-", WARMUP));
        deleteWithTeardown(agents, "warm-");
      }
      report("BENCH", burst("sb-", COUNT));
    }
  }

  /** Creates {@code count} sandboxes at once from 16 threads and waits until every one is placed. */
  private String burst(String prefix, int count) throws Exception {
    Map<String, Long> createdAt = new ConcurrentHashMap<>();
    Map<String, Long> scheduledAt = new ConcurrentHashMap<>();
    Map<String, Integer> perNode = new ConcurrentHashMap<>();
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    CountDownLatch done = new CountDownLatch(count);
    var watch = client.resources(NucleusSandbox.class).inNamespace(NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, NucleusSandbox sb) {
        if (sb.getMetadata().getName().startsWith(prefix) && sb.getStatus() != null
            && sb.getStatus().getNodeName() != null
            && scheduledAt.putIfAbsent(sb.getMetadata().getName(), System.nanoTime()) == null) {
          perNode.merge(sb.getStatus().getNodeName(), 1, Integer::sum);
          done.countDown();
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    ExecutorService creators = Executors.newFixedThreadPool(16);
    LongAdder creatorNanos = new LongAdder();
    CpuShares cpu = CpuShares.start();
    Map<String, Double> reconcilesBefore = reconcilesByController();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String name = prefix + i;
      creators.execute(() -> {
        var sb = new NucleusSandbox();
        sb.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        // A memory request makes each placement count in committed memory, the first placement criterion,
        // so the three nodes end the burst evenly loaded (their Leases start at 1, 2 and 3 GiB committed of 16 GiB;
        // 1,000 x 32Mi fits, 1,000 x 64Mi would not and a third would rightly stay Unschedulable).
        sb.setSpec(new NucleusSandboxSpec().setCommand(List.of("/bin/true"))
            .setResources(new Resources().setMemory("32Mi")));
        long cpuBefore = THREADS.getCurrentThreadCpuTime();
        createdAt.put(name, System.nanoTime());
        client.resource(sb).create();
        creatorNanos.add(THREADS.getCurrentThreadCpuTime() - cpuBefore);
      });
    }
    creators.shutdown();
    creators.awaitTermination(10, TimeUnit.MINUTES);
    long created = System.nanoTime();
    assertThat(done.await(20, TimeUnit.MINUTES)).as("all %d sandboxes scheduled", count).isTrue();
    long end = System.nanoTime();
    String cpuShares = cpu.report(creatorNanos.sum());
    Map<String, Double> reconciles = reconcilesByController();
    reconciles.replaceAll((controller, n) -> (n - reconcilesBefore.getOrDefault(controller, 0.0)) / count);
    watch.close();
    String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
    return summary(createdAt, scheduledAt, start, created, end,
        "per_node=" + new TreeMap<>(perNode) + " loadavg_before=[" + loadBefore + "] loadavg_after=["
            + loadAfter + "] reconciles_per_sandbox=" + reconciles + " " + cpuShares);
  }

  /** Deletes the sandboxes named {@code prefix}*, confirms each teardown as its agent would, and waits until gone. */
  private void deleteWithTeardown(FakeAgents agents, String prefix) {
    var sandboxes = client.resources(NucleusSandbox.class).inNamespace(NS).list().getItems().stream()
        .filter(sb -> sb.getMetadata().getName().startsWith(prefix)).toList();
    for (var sb : sandboxes) {
      client.resource(sb).delete();
      agents.confirmTeardown(sb, sb.getStatus().getNodeName());
    }
    Awaitility.await().atMost(Duration.ofMinutes(10)).until(() -> client.resources(NucleusSandbox.class)
        .inNamespace(NS).list().getItems().stream().noneMatch(sb -> sb.getMetadata().getName().startsWith(prefix)));
  }

  /** JOSDK's count of reconciliations started, per controller (its Micrometer metrics, bound by QOSDK). */
  private Map<String, Double> reconcilesByController() {
    Map<String, Double> counts = new TreeMap<>();
    registry.getMeters().stream()
        .filter(m -> m instanceof Counter && m.getId().getName().contains("reconciliations.started"))
        .forEach(m -> counts.merge(controllerOf(m), ((Counter) m).count(), Double::sum));
    return counts;
  }

  private static String controllerOf(Meter meter) {
    for (String tag : List.of("controller.name", "controller", "name")) {
      if (meter.getId().getTag(tag) != null) {
        return meter.getId().getTag(tag);
      }
    }
    return meter.getId().getName();
  }

  private static String summary(Map<String, Long> createdAt, Map<String, Long> scheduledAt, long start,
      long created, long end, String context) {
    List<Double> ms = new ArrayList<>();
    scheduledAt.forEach((name, t) -> ms.add((t - createdAt.get(name)) / 1e6));
    ms.sort(Double::compare);
    return String.format(
        "sandboxes=%d creates_done_s=%.2f total_s=%.2f create_to_scheduled_ms p50=%.0f p90=%.0f p99=%.0f max=%.0f %s%n",
        ms.size(), (created - start) / 1e9, (end - start) / 1e9, pct(ms, 50), pct(ms, 90), pct(ms, 99),
        ms.get(ms.size() - 1), context);
  }

  private static void report(String label, String result) throws Exception {
    System.out.print(label + " " + result);
    Files.writeString(Path.of("target", "operator-bench.txt"), label + " " + result, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static double pct(List<Double> sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
