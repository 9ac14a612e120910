package dev.nucleus.agent.runtime;

import dev.nucleus.agent.state.AtomicFiles;
import java.util.Optional;

/**
 * What a successful launch leaves to the runtime: the sandbox's record (visible), the pending fsyncs of a first
 * record (null when the record replaced one, durably), and the monitor's handle while this JVM holds one.
 */
record Launched(SandboxRecord record, AtomicFiles.Pending durable, Optional<Process> monitor) {
}
