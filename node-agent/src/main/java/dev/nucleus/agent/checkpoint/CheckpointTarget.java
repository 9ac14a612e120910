package dev.nucleus.agent.checkpoint;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A running sandbox as the checkpoint service needs it: the host PID of its init (the root of the dumped tree),
 * its host bind mounts (CRIU externals), the limits and spec to record, and the isolation facts CRIU changes.
 */
public record CheckpointTarget(String sandboxId, String name, long initPid, List<String> command,
        ResourceLimits limits, List<ExternalMount> volumes, JsonNode spec, boolean landlock, boolean usingGvisor,
        boolean rootless) {

    public CheckpointTarget {
        command = List.copyOf(command);
        volumes = List.copyOf(volumes);
        limits = limits == null ? ResourceLimits.NONE : limits;
    }
}
