package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link CriuRunner#restore} needs: the images, where the log and the new root PID go, the sandbox root
 * ({@code --root}, null for a process that shared the host's root), the externals' host paths, the cgroup.procs
 * files the restored tree must be born into, and the workload's stdio.
 *
 * @param stdio the workload's recorded stdout/stderr pipes, which the monitor replaces; null keeps what the image
 *              recorded
 */
public record CriuRestore(Path imagesDir, Path logFile, Path pidFile, Path root, List<ExternalMount> externalMounts,
        List<Path> joinCgroups, Stdio stdio, List<String> extraArgs) {

    /**
     * The image's stdout/stderr pipe ids (e.g. {@code pipe:[182757]}, null when not a pipe), which the monitor's new
     * pipes replace ({@code --inherit-fd}).
     */
    public record Stdio(String stdoutPipe, String stderrPipe) {
    }

    public CriuRestore {
        externalMounts = List.copyOf(externalMounts);
        joinCgroups = List.copyOf(joinCgroups);
        extraArgs = List.copyOf(extraArgs);
    }
}
