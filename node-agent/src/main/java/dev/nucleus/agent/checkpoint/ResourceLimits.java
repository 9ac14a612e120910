package dev.nucleus.agent.checkpoint;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The resource limits a sandbox ran with, recorded at dump time and re-applied on restore; a null field means
 * "no limit". Names follow the original nucleus's {@code resource_limits} (CPU as CFS quota and period).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourceLimits(Long memoryBytes, Long cpuQuotaUs, Long cpuPeriodUs, Long pidsMax, Integer ioWeight) {

    public static final ResourceLimits NONE = new ResourceLimits(null, null, null, null, null);
    static final long PERIOD_US = 100_000;

    /** From the runtime's limits (0 = unlimited; CPU in millicores over a 100 ms period). */
    public static ResourceLimits of(long memoryBytes, long cpuMillis, long pids, Integer ioWeight) {
        return new ResourceLimits(memoryBytes > 0 ? memoryBytes : null, cpuMillis > 0 ? cpuMillis * PERIOD_US / 1000 : null,
                cpuMillis > 0 ? PERIOD_US : null, pids > 0 ? pids : null, ioWeight);
    }

    /** The problems with these values, empty when they can be applied. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        positive(problems, "memory_bytes", memoryBytes);
        positive(problems, "cpu_quota_us", cpuQuotaUs);
        positive(problems, "cpu_period_us", cpuPeriodUs);
        positive(problems, "pids_max", pidsMax);
        if ((cpuQuotaUs == null) != (cpuPeriodUs == null)) {
            problems.add("cpu_quota_us and cpu_period_us go together");
        }
        if (ioWeight != null && (ioWeight < 1 || ioWeight > 10_000)) {
            problems.add("io_weight must be 1..10000, got " + ioWeight);
        }
        return problems;
    }

    /** CPU limit in millicores, 0 when unlimited. */
    @JsonIgnore
    public long cpuMillis() {
        return cpuQuotaUs == null ? 0 : cpuQuotaUs * 1000 / cpuPeriodUs;
    }

    @JsonIgnore
    public boolean isEmpty() {
        return equals(NONE);
    }

    private static void positive(List<String> problems, String name, Long value) {
        if (value != null && value <= 0) {
            problems.add(name + " must be positive, got " + value);
        }
    }
}
