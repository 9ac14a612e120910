package dev.nucleus.agent.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The real {@link Kernel}: lstat through NIO, /proc for process identity, ProcessBuilder for the launcher. */
public final class LinuxKernel implements Kernel {

    @Override
    public Kind kind(Path path) {
        if (Files.isSymbolicLink(path)) {
            return Kind.SYMLINK;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return Kind.DIRECTORY;
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return Kind.FILE;
        }
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? Kind.OTHER : Kind.MISSING;
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
    public Launched startLauncher(Path launcher, byte[] plan, Path diagnostics) throws IOException {
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
        String report;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            report = r.readLine();
        }
        return new Launched(p.pid(), report == null ? "" : report, Optional.of(p));
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
