package dev.nucleus.agent.checkpoint;

import java.time.Duration;
import java.util.List;

/** One finished (or timed-out) CRIU run: exit code, wall time, stdout, its log tail and parsed stats. */
public record CriuResult(List<String> command, int exitCode, boolean timedOut, Duration elapsed, String output,
        List<String> logTail, CriuStats stats) {

    public CriuResult {
        command = List.copyOf(command);
        logTail = List.copyOf(logTail);
    }

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }
}
