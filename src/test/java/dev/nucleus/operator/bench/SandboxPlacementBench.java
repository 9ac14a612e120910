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
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On demand only ({@code -Dgroups=bench -Doperator.excludedGroups=none}): 1,000 sandboxes created at once against the
 * real API server with three fake agents; measures create→Scheduled per sandbox from the client's side (create call start to
 * the watch event that shows status.nodeName) and the total time until the last one is placed, and where the
 * machine's CPU went meanwhile ({@link CpuShares}).
 */
@QuarkusTest
@WithTestResource(RealControlPlane.class)
@Tag("bench")
class SandboxPlacementBench {
  private static final int COUNT = Integer.getInteger("bench.count", 1000);
  private static final String NS = "bench";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Inject
  KubernetesClient client;

  @Test
  void thousandSandboxesAtOnce() throws Exception {
    // Agents at a real agent's pace: 15 s Leases renewed every 3 s (the tests' 300 ms would add 10 writes/s of
    // renewals to the API server the placements compete for).
    try (FakeAgents agents = new FakeAgents(client, 15, Duration.ofSeconds(3))) {
      agents.reset();
      agents.start("bench-a", capabilities(7, true, 1L << 30, "{}"));
      agents.start("bench-b", capabilities(7, true, 2L << 30, "{}"));
      agents.start("bench-c", capabilities(4, false, 3L << 30, "{}"));
      Thread.sleep(2000); // let the operator's Lease informer see all three agents
      Map<String, Long> createdAt = new ConcurrentHashMap<>();
      Map<String, Long> scheduledAt = new ConcurrentHashMap<>();
      Map<String, Integer> perNode = new ConcurrentHashMap<>();
      String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
      CountDownLatch done = new CountDownLatch(COUNT);
      var watch = client.resources(NucleusSandbox.class).inNamespace(NS).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, NucleusSandbox sb) {
          if (sb.getStatus() != null && sb.getStatus().getNodeName() != null
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
      long start = System.nanoTime();
      for (int i = 0; i < COUNT; i++) {
        String name = "sb-" + i;
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
      assertThat(done.await(20, TimeUnit.MINUTES)).as("all %d sandboxes scheduled", COUNT).isTrue();
      long end = System.nanoTime();
      String cpuShares = cpu.report(creatorNanos.sum());
      watch.close();
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
      report(createdAt, scheduledAt, start, created, end,
          "per_node=" + new TreeMap<>(perNode) + " loadavg_before=[" + loadBefore + "] loadavg_after=["
              + loadAfter + "] " + cpuShares);
    }
  }

  private static void report(Map<String, Long> createdAt, Map<String, Long> scheduledAt, long start, long created,
      long end, String context) throws Exception {
    List<Double> ms = new ArrayList<>();
    scheduledAt.forEach((name, t) -> ms.add((t - createdAt.get(name)) / 1e6));
    ms.sort(Double::compare);
    String result = String.format(
        "sandboxes=%d creates_done_s=%.2f total_s=%.2f create_to_scheduled_ms p50=%.0f p90=%.0f p99=%.0f max=%.0f %s%n",
        ms.size(), (created - start) / 1e9, (end - start) / 1e9, pct(ms, 50), pct(ms, 90), pct(ms, 99),
        ms.get(ms.size() - 1), context);
    System.out.print("BENCH " + result);
    Files.writeString(Path.of("target", "operator-bench.txt"), result);
  }

  private static double pct(List<Double> sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
