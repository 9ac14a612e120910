package dev.nucleus.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the launcher's restore mode needs to run {@code criu restore} as its child and then monitor the restored
 * sandbox: criu's command line and environment, the cgroup.procs files criu (and so the restored tree) is born in,
 * criu's pidfile, the bound on criu, and what state.json records about the sandbox.
 */
public record RestoredLaunch(List<String> criuArgv, List<String> criuEnv, List<Path> cgroupProcsFiles, Path pidFile,
        long timeoutSeconds, List<String> command, Map<String, Object> isolation) {

    /** The cgroupVersion recorded for a restored sandbox: its cgroups were made by the restore, not the launcher. */
    public static final String CGROUP_VERSION = "restored";

    public RestoredLaunch {
        criuArgv = List.copyOf(criuArgv);
        criuEnv = List.copyOf(criuEnv);
        cgroupProcsFiles = List.copyOf(cgroupProcsFiles);
        command = List.copyOf(command);
        isolation = Map.copyOf(isolation);
        if (criuArgv.isEmpty() || timeoutSeconds <= 0) {
            throw new IllegalArgumentException("a restore needs criu's command line and a positive timeout");
        }
    }
}
