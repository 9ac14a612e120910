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
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The real {@link Kernel}: lstat through NIO, /proc for process identity, ProcessBuilder for the launcher. */
public final class LinuxKernel implements Kernel {

    static final long STAMP_SETTLE_MILLIS = 1000;

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
    public Kind kind(Path path) {
        try {  // one lstat(2)
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isSymbolicLink() ? Kind.SYMLINK : a.isDirectory() ? Kind.DIRECTORY : a.isRegularFile() ? Kind.FILE : Kind.OTHER;
        } catch (IOException e) {
            return Kind.MISSING;  // as Files.exists: absent, or its existence cannot be determined
        }
    }

    /**
     * Device, inode, mtime, ctime and mode of the directory. A directory changed within the last second has no stamp:
     * file timestamps come from a coarse clock (a scheduler tick), so a second change within the same tick as the
     * one seen could keep the stamp; after a second, any later change shows.
     */
    @Override
    public Optional<String> changeStamp(Path dir) {
        try {
            Map<String, Object> a = Files.readAttributes(dir, "unix:dev,ino,lastModifiedTime,ctime,mode", LinkOption.NOFOLLOW_LINKS);
            long changed = Math.max(((FileTime) a.get("ctime")).toMillis(), ((FileTime) a.get("lastModifiedTime")).toMillis());
            if (System.currentTimeMillis() - changed < STAMP_SETTLE_MILLIS) {
                return Optional.empty();
            }
            return Optional.of(a.get("dev") + ":" + a.get("ino") + ":" + a.get("lastModifiedTime") + ":" + a.get("ctime")
                    + ":" + a.get("mode"));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
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
        ProcessBuilder pb = new ProcessBuilder(launcher.toString()).directory(new java.io.File("/"));
        // Only what the launcher needs: it builds the workload's environment from the plan, never from ours.
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(diagnostics.toFile()));
        Process p = pb.start();
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
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // comm (field 2) may contain spaces and ')': fields after it are counted from the last ')'.
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(rest[22 - 3]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public boolean signal(long pid, boolean kill) {
        return ProcessHandle.of(pid).map(h -> kill ? h.destroyForcibly() : h.destroy()).orElse(false);
    }
}
