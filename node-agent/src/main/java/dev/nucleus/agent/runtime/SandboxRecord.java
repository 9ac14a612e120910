package dev.nucleus.agent.runtime;

import java.util.List;
import java.util.Map;

/**
 * The persisted state of one sandbox (state.json): enough for a restarted agent to find, verify and control it.
 * Processes are identified by pid plus start time, never pid alone.
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
        int restartCount) {

    /** The record of a sandbox's first run. */
    public SandboxRecord(String name, List<String> command, long createdAtMillis, long monitorPid, long monitorStartTime,
                         long initPid, long initStartTime, String cgroupVersion, Map<String, Object> isolation) {
        this(name, command, createdAtMillis, monitorPid, monitorStartTime, initPid, initStartTime, cgroupVersion, isolation, 0);
    }
}
