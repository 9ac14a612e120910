package dev.nucleus.agent.runtime;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pre-spawned launcher (the C launcher's {@code --zygote} mode): started once, it forks one launcher per launch
 * on a unix socket that only this JVM may use, so a launch costs the fork of a small static process instead of a
 * JVM process spawn (jspawnhelper, exec). The zygote holds none of the JVM's descriptors (it is spawned like any
 * launcher, with stdio only), exits when this JVM goes (its stdin is a pipe from us), and never waits for the
 * launchers it forks, so sandboxes outlive both.
 */
public final class LauncherZygote {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private final Path launcher;
    private final Path socket;
    private final Path log;
    private Process zygote;  // guarded by this

    private LauncherZygote(Path launcher, Path socket, Path log) {
        this.launcher = launcher;
        this.socket = socket;
        this.log = log;
    }

    /** A zygote of {@code launcher} with its socket in {@code <stateRoot>/zygote} (0700); started on first use. */
    public static LauncherZygote of(Path launcher, Path stateRoot) throws IOException {
        Path dir = stateRoot.resolve("zygote");
        var mode = PosixFilePermissions.fromString("rwx------");
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(mode));
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing symlink " + dir);
        }
        Files.setPosixFilePermissions(dir, mode);
        Path socket = dir.resolve(ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + ".sock");
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IOException("the zygote's socket path " + socket + " is longer than a unix socket allows; use a shorter state directory");
        }
        return new LauncherZygote(launcher, socket, dir.resolve("zygote.log"));
    }

    Path launcher() {
        return launcher;
    }

    /** The socket it listens on. */
    public Path socket() {
        return socket;
    }

    /** The running zygote's pid, starting it if needed (for tests and diagnostics). */
    public synchronized long pid() throws IOException {
        return running().pid();
    }

    /**
     * Forks a launcher for {@code plan}; its stderr goes to {@code diagnostics}. A zygote that died is started again
     * once; if that fails too the launch fails (no other way is tried behind the caller's back).
     */
    Kernel.LauncherRun fork(byte[] plan, Path diagnostics) throws IOException {
        try (Kernel.PendingLauncher pending = prepare(diagnostics)) {
            return pending.send(plan);
        }
    }

    /**
     * Connects now, so the zygote forks the launcher while the caller still computes the plan; the launcher waits
     * for it on the connection. Closing the connection unsent gives it an empty plan, refused before any step.
     */
    Kernel.PendingLauncher prepare(Path diagnostics) throws IOException {
        SocketChannel connected;
        try {
            connected = connect(false);
        } catch (IOException e) {
            connected = connect(true);
        }
        return new Pending(connected, diagnostics);
    }

    /** A connection whose launcher waits for its plan. */
    private static final class Pending implements Kernel.PendingLauncher {
        private final SocketChannel ch;
        private final Path diagnostics;
        private boolean sent;

        Pending(SocketChannel ch, Path diagnostics) {
            this.ch = ch;
            this.diagnostics = diagnostics;
        }

        @Override
        public Kernel.LauncherRun send(byte[] plan) throws IOException {
            sent = true;
            return write(ch, plan, diagnostics, false);
        }

        @Override
        public void close() throws IOException {
            if (!sent) {
                ch.close();
            }
        }
    }

    /** Forks a warm-pool member's launcher: its plan, its log and {@link PlanEncoder#END}; the stream stays open. */
    Kernel.MemberRun member(byte[] plan, Path diagnostics) throws IOException {
        Kernel.PendingLauncher pending = prepare(diagnostics);
        if (!(pending instanceof Pending p)) {
            throw new IllegalStateException("not a zygote connection");
        }
        return write(p.ch, plan, diagnostics, true);
    }

    private static Run write(SocketChannel ch, byte[] plan, Path diagnostics, boolean member) throws IOException {
        try {
            byte[] logPath = diagnostics.toString().getBytes(StandardCharsets.UTF_8);
            byte[] header = ("log " + logPath.length + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] end = member ? PlanEncoder.END : new byte[0];
            ByteBuffer out = ByteBuffer.allocate(plan.length + header.length + logPath.length + 1 + end.length);
            out.put(plan).put(header).put(logPath).put((byte) '\n').put(end).flip();
            writeAll(ch, out);
            if (!member) {
                ch.shutdownOutput();
            }
            return new Run(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void writeAll(SocketChannel ch, ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    /**
     * Stops the zygote: closing its lifeline makes it remove its socket and exit (killed if it has not within 2 s).
     * The sandboxes it forked are not touched. The next launch would start a new one.
     */
    public synchronized void stop() throws InterruptedException {
        if (zygote == null) {
            return;
        }
        try {
            zygote.getOutputStream().close();
        } catch (IOException e) {
            // already gone: nothing to close
        }
        if (!zygote.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
            zygote.destroyForcibly().waitFor();
        }
        zygote = null;
    }

    private SocketChannel connect(boolean restart) throws IOException {
        synchronized (this) {
            if (restart && zygote != null) {
                zygote.destroyForcibly();
                zygote = null;
            }
            running();
        }
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    private Process running() throws IOException {
        if (zygote != null && zygote.isAlive()) {
            return zygote;
        }
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--zygote", socket.toString()).directory(new File("/"));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();  // its stdin, never closed by us, is the zygote's lifeline
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            if (!"ready".equals(line)) {
                p.destroyForcibly();
                throw line != null && line.startsWith("fail\t") ? new IOException(LaunchException.fromReport(line).getMessage())
                        : new IOException("the launcher zygote did not start (see " + log + "): " + line);
            }
        }
        zygote = p;
        return p;
    }

    /** One forked launcher's report, line by line; once it said "started" its monitor handle owns the connection. */
    private static final class Run implements Kernel.MemberRun {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(4096);
        private MonitorProcess monitor;

        Run(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public Optional<Process> process() {
            return Optional.ofNullable(monitor);
        }

        @Override
        public String nextLine() throws IOException {
            while (true) {
                for (int i = 0; i < in.position(); i++) {
                    if (in.get(i) == '\n') {
                        String line = new String(in.array(), 0, i, StandardCharsets.UTF_8);
                        in.flip().position(i + 1);
                        in.compact();
                        if (monitor == null && line.startsWith("started\t")) {
                            monitor = new MonitorProcess(Long.parseLong(line.split("\t")[1]), ch);
                        }
                        return line;
                    }
                }
                if (!in.hasRemaining() || ch.read(in) < 0) {
                    return "";
                }
            }
        }

        @Override
        public void claim(byte[] claim) throws IOException {
            writeAll(ch, ByteBuffer.wrap(claim));
            ch.shutdownOutput();
        }

        @Override
        public void discard() {
            try {
                ch.close();
            } catch (IOException e) {
                // closed either way: the monitor reads the end of its stream
            }
        }

        @Override
        public void close() throws IOException {
            if (monitor == null) {
                ch.close();
            }
        }
    }
}
