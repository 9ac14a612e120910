package dev.nucleus.agent.cgroup;

/** A point-in-time reading of a sandbox cgroup; -1 where the node does not account that value. */
public record Usage(long memoryCurrentBytes, long memoryPeakBytes, double cpuSeconds, long pidsCurrent) {}
