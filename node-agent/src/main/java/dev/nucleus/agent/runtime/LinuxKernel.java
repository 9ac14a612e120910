package dev.nucleus.agent.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The real {@link Kernel}: lstat through NIO, /proc for process identity, ProcessBuilder for the launcher. */
public final class LinuxKernel implements Kernel {

    private final LauncherZygote zygote;

    /** Launchers are spawned by this JVM (ProcessBuilder). */
    public LinuxKernel() {
        this(null);
    }

    /** Launches fork from {@code zygote} (restores still spawn their launcher: it must be this JVM's child). */
    public LinuxKernel(LauncherZygote zygote) {
        this.zygote = zygote;
    }

    @Override
    public void shutdown() throws InterruptedException {
        if (zygote != null) {
            zygote.stop();
        }
    }

    @Override
    public LauncherRun forkLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException {
        if (zygote == null) {
            return startLauncher(launcher, plan, diagnostics);
        }
        if (!zygote.launcher().equals(launcher)) {
            throw new IllegalArgumentException("the zygote runs " + zygote.launcher() + ", not " + launcher);
        }
        return zygote.fork(plan, diagnostics);
    }

    @Override
    public MemberRun startMember(Path launcher, byte[] plan, Path diagnostics) throws IOException {
        if (zygote == null) {
            return Kernel.super.startMember(launcher, plan, diagnostics);
        }
        if (!zygote.launcher().equals(launcher)) {
            throw new IllegalArgumentException("the zygote runs " + zygote.launcher() + ", not " + launcher);
        }
        return zygote.member(plan, diagnostics);
    }

    @Override
    public PendingLauncher prepareLauncher(Path launcher, Path diagnostics) throws IOException {
        if (zygote != null) {
            if (!zygote.launcher().equals(launcher)) {
                throw new IllegalArgumentException("the zygote runs " + zygote.launcher() + ", not " + launcher);
            }
            return zygote.prepare(diagnostics);
        }
        Process p = spawn(launcher, diagnostics);
        return new PendingLauncher() {
            private boolean sent;

            @Override
            public LauncherRun send(byte[] plan) throws IOException {
                sent = true;
                return run(p, plan);
            }

            @Override
            public void close() throws IOException {
                if (!sent) {
                    p.getOutputStream().close();  // an empty plan: refused before any step
                    try {
                        p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

    @Override
    public Kind kind(Path path) {
        try {  // one lstat(2)
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isSymbolicLink() ? Kind.SYMLINK : a.isDirectory() ? Kind.DIRECTORY : a.isRegularFile() ? Kind.FILE : Kind.OTHER;
        } catch (IOException e) {
            return Kind.MISSING;  // as Files.exists: absent, or its existence cannot be determined
        }
    }

    @Override
    public String readLink(Path path) throws IOException {
        return Files.readSymbolicLink(path).toString();
    }

    @Override
    public Path realPath(Path path) throws IOException {
        return path.toRealPath();
    }

    @Override
    public LauncherRun startLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException {
        return run(spawn(launcher, diagnostics), plan);
    }

    private static Process spawn(Path launcher, Path diagnostics) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString()).directory(new java.io.File("/"));
        // Only what the launcher needs: it builds the workload's environment from the plan, never from ours.
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(diagnostics.toFile()));
        return pb.start();
    }

    private static LauncherRun run(Process p, byte[] plan) throws IOException {
        try (OutputStream in = p.getOutputStream()) {
            in.write(plan);
        }
        BufferedReader report = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return new LauncherRun() {
            @Override
            public Optional<Process> process() {
                return Optional.of(p);
            }

            @Override
            public String nextLine() throws IOException {
                String line = report.readLine();
                return line == null ? "" : line;
            }

            @Override
            public void close() throws IOException {
                report.close();
            }
        };
    }

    @Override
    public OptionalLong startTime(long pid) {
        ProcStat stat = ProcStat.read(pid);
        return stat == null ? OptionalLong.empty() : OptionalLong.of(stat.startTime());
    }

    @Override
    public boolean running(long pid, long startTime) {
        ProcStat stat = ProcStat.read(pid);
        return stat != null && stat.startTime() == startTime && !stat.state().equals("Z") && !stat.state().equals("X");
    }

    /** /proc/PID/stat's state (field 3) and start time (field 22). */
    record ProcStat(String state, long startTime) {
        /**
         * Null if the process does not exist (or its stat cannot be read). A warm-pool take reads two of these: one
         * open, read and close each, no size lookup, no string of the whole line.
         */
        static ProcStat read(long pid) {
            byte[] buf = new byte[1024];  // the line is ~300 bytes, its comm at most 64
            int n = 0;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Path.of("/proc/" + pid + "/stat"))) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf);
                // the kernel makes the whole line at the first read; it ends with a newline
                while (b.hasRemaining() && (n == 0 || buf[n - 1] != '\n') && ch.read(b) > 0) {
                    n = b.position();
                }
                return parse(buf, n);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Parses the first {@code n} bytes of a stat line; null if they are not one. */
        static ProcStat parse(byte[] line, int n) {
            int paren = n - 1;
            while (paren >= 0 && line[paren] != ')') {
                paren--;  // comm (field 2) may hold spaces and ')': fields are counted from the last ')'
            }
            if (paren < 0 || paren + 2 >= n) {
                return null;
            }
            int field = 3;
            int start = paren + 2;
            String state = null;
            for (int i = start; i <= n; i++) {
                if (i == n || line[i] == ' ' || line[i] == '\n') {
                    if (field == 3) {
                        state = new String(line, start, i - start, StandardCharsets.US_ASCII);
                    } else if (field == 22) {
                        return new ProcStat(state, Long.parseLong(new String(line, start, i - start, StandardCharsets.US_ASCII)));
                    }
                    field++;
                    start = i + 1;
                }
            }
            return null;
        }
    }

    @Override
    public boolean signal(long pid, boolean kill) {
        return ProcessHandle.of(pid).map(h -> kill ? h.destroyForcibly() : h.destroy()).orElse(false);
    }
}
