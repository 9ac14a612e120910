package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link CriuRunner#restore} needs: the images, where the log and the new root PID go, the sandbox root
 * ({@code --root}, null for a process that shared the host's root), the externals' host paths, and the cgroup.procs
 * files the restored tree must be born into.
 */
public record CriuRestore(Path imagesDir, Path logFile, Path pidFile, Path root, List<ExternalMount> externalMounts,
        List<Path> joinCgroups, List<String> extraArgs) {

    public CriuRestore {
        externalMounts = List.copyOf(externalMounts);
        joinCgroups = List.copyOf(joinCgroups);
        extraArgs = List.copyOf(extraArgs);
    }
}
