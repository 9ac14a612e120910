package dev.nucleus.agent.runtime;

import java.util.Optional;

/** What {@code ps} and {@code inspect} show about one sandbox. */
public record SandboxInfo(String name, State state, SandboxRecord record, Optional<ExitStatus> exit) {

    /** Running: monitor verified alive; Exited: status recorded; Lost: neither (monitor gone without a status). */
    public enum State { Running, Exited, Lost }
}
