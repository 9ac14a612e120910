package dev.nucleus.testing.controlplane;

import java.util.List;

/** What a client binary (kubectl, helm) printed and returned, kept whole so a failure can show it. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result, or throws with the command and both streams when it failed. */
    public CommandResult orThrow() {
        if (!succeeded()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    public String describe() {
        return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
}
