package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;
import java.util.List;

/** What {@link CriuRunner#dump} needs: the tree's root host PID, where the images and log go, the externals. */
public record CriuDump(long pid, Path imagesDir, Path logFile, List<ExternalMount> externalMounts,
        boolean leaveRunning, List<String> extraArgs) {

    public CriuDump {
        externalMounts = List.copyOf(externalMounts);
        extraArgs = List.copyOf(extraArgs);
    }
}
