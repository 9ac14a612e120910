package dev.nucleus.agent.checkpoint;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;

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

    /**
     * The target for a sandbox the launcher started: its init, its host-path volumes as externals keyed
     * {@code vol<N>} in volume order (tmpfs volumes are dumped with the image), its limits and isolation.
     */
    public static CheckpointTarget of(SandboxRecord record, SandboxConfig config, JsonNode spec, boolean usingGvisor) {
        List<ExternalMount> volumes = new ArrayList<>();
        for (int i = 0; i < config.volumes().size(); i++) {
            if (config.volumes().get(i) instanceof Volume.HostPath h) {
                volumes.add(new ExternalMount("vol" + i, h.target(), h.source().toString()));
            }
        }
        SandboxConfig.Resources r = config.resources();
        return new CheckpointTarget(record.name(), record.name(), record.initPid(), record.command(),
                ResourceLimits.of(r.memoryBytes(), r.cpuMillis(), r.pids(), null), volumes, spec,
                config.landlock().enabled(), usingGvisor, config.userNamespace());
    }
}
