package dev.nucleus.agent.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** A recording fake of {@link Kernel}: a scripted host file tree, scripted processes, and a log of every call. */
final class FakeKernel implements Kernel {

    final Map<Path, Kind> kinds = new HashMap<>();
    final Map<Path, String> links = new HashMap<>();
    final Map<Long, Long> startTimes = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    String nextReport = "ok\t4242";
    /** The launcher's process as {@link LauncherRun#process()} gives it (a restore needs one); none by default. */
    Process launcherProcess;
    byte[] lastPlan;
    boolean failBeforeStart;
    /** Called when the fake hands out its "ok" line: lets a test look at what was on disk before the exec was reported. */
    java.util.function.Consumer<String> statesAtOk;
    /** Called before each start-time lookup: lets a test end a process between the runtime's reads. */
    java.util.function.LongConsumer beforeStartTime = pid -> { };

    /** A Debian-12-like merged-/usr host. */
    static FakeKernel debianHost() {
        FakeKernel k = new FakeKernel();
        k.dir("/usr", "/opt", "/etc/ssl/certs", "/etc/ld.so.conf.d", "/etc/alternatives", "/proc/sys", "/proc/bus",
                "/proc/fs", "/proc/irq", "/proc/acpi", "/data", "/etc/ssh");
        k.file("/etc/passwd", "/etc/group", "/etc/resolv.conf", "/etc/ld.so.cache", "/etc/shadow", "/proc/kcore",
                "/proc/kallsyms", "/proc/sysrq-trigger", "/proc/keys");
        for (String l : List.of("bin", "sbin", "lib", "lib64")) {
            k.kinds.put(Path.of("/" + l), Kind.SYMLINK);
            k.links.put(Path.of("/" + l), "usr/" + l);
        }
        k.kinds.put(Path.of("/etc/localtime"), Kind.SYMLINK);
        k.links.put(Path.of("/etc/localtime"), "/usr/share/zoneinfo/Etc/UTC");
        return k;
    }

    void dir(String... paths) {
        for (String p : paths) {
            kinds.put(Path.of(p), Kind.DIRECTORY);
        }
    }

    void file(String... paths) {
        for (String p : paths) {
            kinds.put(Path.of(p), Kind.FILE);
        }
    }

    @Override
    public Kind kind(Path path) {
        return kinds.getOrDefault(path, Kind.MISSING);
    }

    @Override
    public String readLink(Path path) throws IOException {
        String l = links.get(path);
        if (l == null) {
            throw new IOException("not a link: " + path);
        }
        return l;
    }

    @Override
    public Path realPath(Path path) throws IOException {
        Path cur = Path.of("/");
        for (Path part : path.normalize()) {
            cur = cur.resolve(part);
            if (links.containsKey(cur)) {
                String target = links.get(cur);
                cur = target.startsWith("/") ? Path.of(target) : cur.getParent().resolve(target).normalize();
            }
        }
        if (kind(cur) == Kind.MISSING) {
            throw new java.nio.file.NoSuchFileException(path.toString());
        }
        return cur;
    }

    /**
     * Like the real launcher: "started" with both pids first, then {@link #nextReport} (the exec's "ok" or a failure
     * line), unless {@link #failBeforeStart} makes the failure the first line.
     */
    @Override
    public LauncherRun startLauncher(Path launcher, byte[] plan, Path diagnostics) {
        calls.add("startLauncher " + launcher);
        lastPlan = plan;
        java.util.Deque<String> lines = new java.util.ArrayDeque<>();
        if (!failBeforeStart) {
            lines.add("started\t4000\t4242\tcgroup-procs\t1\t2");  // the launcher's pids, how, start times
            startTimes.put(4000L, 1L);
            startTimes.put(4242L, 2L);
        }
        lines.add(nextReport);
        return new LauncherRun() {
            @Override
            public Optional<Process> process() {
                return Optional.ofNullable(launcherProcess);
            }

            @Override
            public String nextLine() {
                String l = lines.poll();
                if (l != null && l.startsWith("ok\t") && statesAtOk != null) {
                    statesAtOk.accept(l);
                }
                return l == null ? "" : l;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public OptionalLong startTime(long pid) {
        beforeStartTime.accept(pid);
        Long t = startTimes.get(pid);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    @Override
    public boolean running(long pid, long startTime) {
        return startTime(pid).stream().anyMatch(t -> t == startTime);  // the fake has no zombies
    }

    @Override
    public boolean signal(long pid, boolean kill) {
        calls.add((kill ? "SIGKILL " : "SIGTERM ") + pid);
        return startTimes.containsKey(pid);
    }
}
