package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.HostFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** The narrow slice of the host the runtime uses; {@link LinuxKernel} is the real one, tests use a recording fake. */
public interface Kernel extends HostFiles {

    /**
     * Starts the launcher with {@code plan} on its stdin and its stderr appended to {@code diagnostics}; its report
     * lines are read from the returned run.
     */
    LauncherRun startLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException;

    /**
     * Like {@link #startLauncher}, the fastest way this kernel has (a {@link LauncherZygote}'s fork where there is one);
     * for launches, whose report starts with the monitor's pid ("started"), so the launcher need not be our child.
     */
    default LauncherRun forkLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException {
        return startLauncher(launcher, plan, diagnostics);
    }

    /** Releases what the kernel keeps for launches (a zygote); running sandboxes are not touched. */
    default void shutdown() throws InterruptedException {
    }

    /** Start time of a process in clock ticks since boot (/proc/PID/stat field 22), empty if it does not exist. */
    OptionalLong startTime(long pid);

    /** Sends SIGTERM (graceful) or SIGKILL; false if the process is gone. */
    boolean signal(long pid, boolean kill);

    /**
     * A started launcher: the process handle while this JVM owns it, and its report, read one line at a time.
     * Closing it closes only the report stream; the launcher (the sandbox's monitor) runs on.
     */
    interface LauncherRun extends Closeable {

        /** The launcher process while this JVM owns it (a child it can wait for). */
        Optional<Process> process();

        /** The next line of the report without its newline, or "" once the launcher closed its report stream. */
        String nextLine() throws IOException;
    }
}
