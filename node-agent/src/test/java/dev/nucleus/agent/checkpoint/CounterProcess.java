package dev.nucleus.agent.checkpoint;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongPredicate;

/**
 * A real stateful workload for C/R tests: a session-leader shell whose counter lives only in its memory and is
 * printed to a file every 50 ms. stdio is /dev/null and the JVM passes no other descriptors.
 */
final class CounterProcess implements AutoCloseable {

    final Path counterFile;
    final long pid;
    private final Process process;

    private CounterProcess(Path counterFile, Process process) {
        this.counterFile = counterFile;
        this.process = process;
        this.pid = process.pid();
    }

    /** {@code setsid} execs the shell in place (same PID) because a JVM child is never a process-group leader. */
    static CounterProcess start(Path dir, String prelude) throws IOException {
        Path file = dir.resolve("count");
        String script = prelude + "i=0; while true; do i=$((i+1)); echo $i > " + file + ".tmp; mv -f " + file + ".tmp " + file + "; sleep 0.05; done";
        Process p = new ProcessBuilder("setsid", "sh", "-c", script).redirectInput(new File("/dev/null"))
                .redirectOutput(new File("/dev/null")).redirectError(new File("/dev/null")).start();
        return new CounterProcess(file, p);
    }

    /** Reads the counter; the shell replaces the file by rename, so a dump that freezes it mid-write never leaves it empty. */
    long read() throws Exception {
        for (int i = 0; i < 50; i++) {
            if (Files.exists(counterFile)) {
                String s = Files.readString(counterFile).trim();
                if (!s.isEmpty()) {
                    return Long.parseLong(s);
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no counter value in " + counterFile);
    }

    /** Waits until the counter satisfies {@code condition}; returns the value seen. */
    long awaitValue(LongPredicate condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long v = -1;
        while (System.nanoTime() < deadline) {
            v = read();
            if (condition.test(v)) {
                return v;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("counter never satisfied the condition; last value " + v);
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !isZombie(pid);
    }

    static void awaitGone(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.exists(Path.of("/proc/" + pid)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Waits until every PID is free; PID 1 on these VMs reaps orphans lazily (1-2 s). */
    static void awaitAllGone(java.util.List<Long> pids, Duration timeout) throws InterruptedException {
        for (long p : pids) {
            awaitGone(p, timeout);
        }
    }

    /** Kills a tree by PID (restored trees are reparented away from this JVM). */
    static void killTree(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
    }

    private static boolean isZombie(long pid) {
        String[] stat = statAfterName(pid);
        return stat != null && stat[0].equals("Z");
    }

    /** The fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...); null once the process is gone. */
    private static String[] statAfterName(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Kills the shell's whole process group (it is a session leader: a {@code mv} forked after any snapshot of its
     * children is still in the group) and waits until no member is left, so nothing renames a file into the test's
     * directory after the test deleted it.
     */
    @Override
    public void close() throws InterruptedException, IOException {
        new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();  // ESRCH once a dump ended it: fine
        killTree(pid);  // a restored shell may lead another group
        process.waitFor();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (groupAlive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Whether any live (not zombie) process is in process group {@code pgid}. */
    private static boolean groupAlive(long pgid) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.map(d -> d.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .anyMatch(n -> inGroup(n, pgid));
        }
    }

    private static boolean inGroup(String pid, long pgid) {
        String[] stat = statAfterName(Long.parseLong(pid));
        return stat != null && !stat[0].equals("Z") && Long.parseLong(stat[2]) == pgid;  // state, ppid, pgrp
    }
}
