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

    /**
     * Begins a launch before its plan exists, so that the launcher's start (a zygote's fork, or this JVM's spawn)
     * overlaps the plan's computation; {@link PendingLauncher#send} hands it the plan. Closing one that was not sent
     * makes the launcher read an empty plan, which it refuses before any step (exit 120).
     */
    default PendingLauncher prepareLauncher(Path launcher, Path diagnostics) throws IOException {
        return plan -> forkLauncher(launcher, plan, diagnostics);
    }

    /** A launcher started for a launch whose plan is still being computed. */
    interface PendingLauncher extends Closeable {

        /** Writes the plan (once); the launcher then goes on as one started with it. */
        LauncherRun send(byte[] plan) throws IOException;

        /** Abandons the launch if the plan was not sent; no-op after {@link #send}. */
        @Override
        default void close() throws IOException {
        }
    }

    /**
     * Starts a warm-pool member: {@code plan} is its shape part ({@link PlanEncoder#encodeMember}); the stream stays
     * open for its claim. Members need a {@link LauncherZygote}: their monitors must not be this JVM's children.
     */
    default MemberRun startMember(Path launcher, byte[] plan, Path diagnostics) throws IOException {
        throw new IOException("a warm pool needs the launcher zygote (SandboxRuntime.open(root, policies, true))");
    }

    /** A warm-pool member's launcher: its report so far ("started", "ready"), then its claim and the launch's "ok". */
    interface MemberRun extends LauncherRun {

        /** Sends the claim ({@link PlanEncoder#encodeClaim}); the report then goes on as a launch's ("ok"). */
        void claim(byte[] claim) throws IOException;

        /** Lets an unclaimed member go: its monitor sees the stream end, kills its init and exits. */
        void discard();
    }

    /** Releases what the kernel keeps for launches (a zygote); running sandboxes are not touched. */
    default void shutdown() throws InterruptedException {
    }

    /** Start time of a process in clock ticks since boot (/proc/PID/stat field 22), empty if it does not exist. */
    OptionalLong startTime(long pid);

    /** pid plus start time: a recycled pid belongs to a different process; an unknown (negative) start time never matches. */
    default boolean sameProcess(long pid, long startTime) {
        OptionalLong now = startTime(pid);
        return startTime >= 0 && now.isPresent() && now.getAsLong() == startTime;
    }

    /**
     * Whether {@code pid} is still the process that started at {@code startTime} and can still run: neither a zombie
     * nor dead (a killed warm-pool init can take no claim, though its pid and start time stay until it is reaped).
     */
    boolean running(long pid, long startTime);

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
