package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.HostFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** The narrow slice of the host the runtime uses; {@link LinuxKernel} is the real one, tests use a recording fake. */
public interface Kernel extends HostFiles {

    /**
     * Starts the launcher with {@code plan} on its stdin and its stderr appended to {@code diagnostics}, and returns
     * once it reported (the first line of its stdout).
     */
    Launched startLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException;

    /** Start time of a process in clock ticks since boot (/proc/PID/stat field 22), empty if it does not exist. */
    OptionalLong startTime(long pid);

    /** Sends SIGTERM (graceful) or SIGKILL; false if the process is gone. */
    boolean signal(long pid, boolean kill);

    /** A started launcher: the monitor's pid, its report line, and the process handle while this JVM owns it. */
    record Launched(long monitorPid, String report, Optional<Process> process) {
    }
}
