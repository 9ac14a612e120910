package dev.nucleus.agent.checkpoint;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The resource limits a sandbox ran with, recorded at dump time and re-applied on restore; a null field means
 * "no limit". Field names follow the original nucleus's {@code resource_limits}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourceLimits(
        Long memoryBytes,
        Long memorySwapBytes,
        Long cpuQuotaUs,
        Long cpuPeriodUs,
        Long cpuShares,
        Long pidsMax) {

    public static final ResourceLimits NONE = new ResourceLimits(null, null, null, null, null, null);

    /** The problems with these values, empty when they can be applied. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        positive(problems, "memory_bytes", memoryBytes);
        positive(problems, "memory_swap_bytes", memorySwapBytes);
        positive(problems, "cpu_quota_us", cpuQuotaUs);
        positive(problems, "cpu_period_us", cpuPeriodUs);
        positive(problems, "cpu_shares", cpuShares);
        positive(problems, "pids_max", pidsMax);
        if (cpuQuotaUs != null && cpuPeriodUs == null) {
            problems.add("cpu_quota_us needs cpu_period_us");
        }
        if (memorySwapBytes != null && (memoryBytes == null || memorySwapBytes < memoryBytes)) {
            problems.add("memory_swap_bytes must be at least memory_bytes");
        }
        return problems;
    }

    public boolean isEmpty() {
        return equals(NONE);
    }

    private static void positive(List<String> problems, String name, Long value) {
        if (value != null && value <= 0) {
            problems.add(name + " must be positive, got " + value);
        }
    }
}
