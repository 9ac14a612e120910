package dev.nucleus.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Domain metrics next to JOSDK's own reconciliation metrics: how long objects wait for the operator and the
 * agents. Each is recorded once per object, on the condition transition it measures.
 */
@Startup // registered at boot, so the series exist (at zero) before the first reconcile
@ApplicationScoped
public class OperatorMetrics {
  private final Timer createToScheduled;
  private final Timer createToRunning;
  private final Timer checkpointDuration;
  private final DistributionSummary checkpointSize;
  private final Counter unschedulable;
  private final Counter nodeLost;

  public OperatorMetrics(MeterRegistry registry) {
    createToScheduled = Timer.builder("nucleus.sandbox.schedule.latency")
        .description("From a sandbox's creation to Scheduled=True").publishPercentileHistogram()
        .register(registry);
    createToRunning = Timer.builder("nucleus.sandbox.start.latency")
        .description("From a sandbox's creation to the agent-reported startedAt").publishPercentileHistogram()
        .register(registry);
    checkpointDuration = Timer.builder("nucleus.checkpoint.duration")
        .description("Agent-reported dump duration of completed checkpoints").publishPercentileHistogram()
        .register(registry);
    checkpointSize = DistributionSummary.builder("nucleus.checkpoint.size").baseUnit("bytes")
        .description("Agent-reported image size of completed checkpoints").publishPercentileHistogram()
        .register(registry);
    unschedulable = Counter.builder("nucleus.sandbox.unschedulable")
        .description("Placement passes that found no fitting node").register(registry);
    nodeLost = Counter.builder("nucleus.sandbox.node.lost")
        .description("Sandboxes whose node agent was lost past the grace period").register(registry);
  }

  public void scheduled(Duration sinceCreation) {
    createToScheduled.record(nonNegative(sinceCreation));
  }

  public void started(Duration sinceCreation) {
    createToRunning.record(nonNegative(sinceCreation));
  }

  public void checkpointCompleted(Long durationMillis, Long sizeBytes) {
    if (durationMillis != null) {
      checkpointDuration.record(Duration.ofMillis(Math.max(0, durationMillis)));
    }
    if (sizeBytes != null) {
      checkpointSize.record(Math.max(0, sizeBytes));
    }
  }

  public void unschedulable() {
    unschedulable.increment();
  }

  public void nodeLost() {
    nodeLost.increment();
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }
}
