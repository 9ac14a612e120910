package dev.nucleus.agent.runtime;

import java.util.List;
import java.util.Map;

/**
 * The persisted state of one sandbox (state.json): enough for a restarted agent to find, verify and control it.
 * Processes are identified by pid plus start time, never pid alone. A sandbox launched from a warm-pool member records
 * the member ({@code poolMember}) and the member's cgroup name ({@code cgroup}); both are null for a cold launch.
 */
public record SandboxRecord(
        String name,
        List<String> command,
        long createdAtMillis,
        long monitorPid,
        long monitorStartTime,
        long initPid,
        long initStartTime,
        String cgroupVersion,
        Map<String, Object> isolation,
        int restartCount,
        String cgroup,
        String poolMember) {

    /** A record whose cgroups are named after the sandbox (every launch but a pooled one). */
    public SandboxRecord(String name, List<String> command, long createdAtMillis, long monitorPid, long monitorStartTime,
                         long initPid, long initStartTime, String cgroupVersion, Map<String, Object> isolation, int restartCount) {
        this(name, command, createdAtMillis, monitorPid, monitorStartTime, initPid, initStartTime, cgroupVersion, isolation,
                restartCount, null, null);
    }

    /** The name of the sandbox's cgroups: a warm-pool member's keeps its own (cgroup v2 cannot rename a directory). */
    public String cgroupName() {
        return cgroup != null ? cgroup : name;
    }

    /** The record of a sandbox's first run. */
    public SandboxRecord(String name, List<String> command, long createdAtMillis, long monitorPid, long monitorStartTime,
                         long initPid, long initStartTime, String cgroupVersion, Map<String, Object> isolation) {
        this(name, command, createdAtMillis, monitorPid, monitorStartTime, initPid, initStartTime, cgroupVersion, isolation, 0);
    }
}
