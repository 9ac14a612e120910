package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/** What /proc says about a sandbox's process tree before CRIU touches it. */
final class SandboxProcesses {

    static final int CAP_SYS_RESOURCE = 24;
    /** Whether this kernel has /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN), probed on this process. */
    private static final boolean CHILDREN_LISTS = Files.isReadable(
            Path.of("/proc/self/task", Long.toString(ProcessHandle.current().pid()), "children"));

    private SandboxProcesses() {
    }

    /**
     * Refuses a tree that is gone, or that has tasks running as a host uid other than 0 when this process lacks
     * CAP_SYS_RESOURCE (CRIU's prlimit on them fails with EPERM; found on these VMs). Returns the tree's resident plus
     * swapped-out memory in bytes, summed over its processes: with shared and file pages counted, rather more than
     * the page data criu will write.
     */
    static long requireDumpable(long pid) throws CheckpointException {
        if (!isRunning(pid)) {
            throw new CheckpointException(Reason.NotRunning, "process " + pid + " is not running");
        }
        List<String> nonRoot = new ArrayList<>();
        List<Long> tree = tree(pid);
        long memory = 0;
        for (long p : tree) {
            Map<String, String> status = status(p, "Uid", "VmRSS", "VmSwap");
            String uid = status.get("Uid");
            if (uid != null && !uid.split("\\s+")[0].equals("0")) {
                nonRoot.add(p + " (uid " + uid.split("\\s+")[0] + ")");
            }
            memory += kilobytes(status.get("VmRSS")) + kilobytes(status.get("VmSwap"));
        }
        if (!nonRoot.isEmpty() && !hasCapability(CAP_SYS_RESOURCE)) {
            throw new CheckpointException(Reason.NonRootTasks, "tasks " + nonRoot + " run as non-root host uids and "
                    + "this node's root lacks CAP_SYS_RESOURCE, which CRIU needs to read their rlimits");
        }
        return memory * 1024;
    }

    /**
     * {@code pid} and its descendants, from each task's /proc children list: reads in proportion to the sandbox's
     * tree, where {@link ProcessHandle#descendants()} reads the stat file of every process on the node, which grows
     * with the sandboxes it runs (measured, a 4-process tree: 0.3-0.4 against 0.45-0.58 ms with 94 processes on the
     * node). A kernel without those lists gets the latter.
     */
    static List<Long> tree(long pid) {
        List<Long> tree = new ArrayList<>(List.of(pid));
        if (!CHILDREN_LISTS) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> tree.add(d.pid())));
            return tree;
        }
        for (int i = 0; i < tree.size(); i++) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", tree.get(i).toString(), "task"))) {
                for (Path task : tasks) {
                    for (String child : Files.readString(task.resolve("children")).trim().split(" ")) {
                        if (child.matches("\\d{1,10}")) {
                            tree.add(Long.parseLong(child));
                        }
                    }
                }
            } catch (IOException e) {
                // exited meanwhile: it has no descendants left to list (criu freezes the tree it finds itself)
            }
        }
        return tree;
    }

    // "1234 kB" as in /proc/PID/status; absent (a kernel thread, a process gone meanwhile) counts as nothing.
    static long kilobytes(String value) {
        if (value == null || !value.matches("\\d{1,18} kB")) {
            return 0;
        }
        return Long.parseLong(value.substring(0, value.length() - 3));
    }

    /** Whether {@code pid} exists and is not a zombie. */
    static boolean isRunning(long pid) {
        return pid > 0 && Files.isDirectory(Path.of("/proc/" + pid)) && !isZombie(pid);
    }

    /**
     * "pipe:[N]\npipe:[M]\npipe:[V]" for stdout, stderr and the launcher init's verdict pipe (fd 4) of {@code pid};
     * a line is empty when that fd is not a pipe.
     */
    static String stdioPipes(long pid) {
        return pipe(pid, 1) + "\n" + pipe(pid, 2) + "\n" + pipe(pid, RestoreMonitor.INIT_VERDICT_FD);
    }

    /** The PID criu wrote: digits only (never a number fished out of error text), else -1. */
    static long readPidFile(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.matches("\\d{1,10}") ? Long.parseLong(s) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String pipe(long pid, int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
            return target.matches("pipe:\\[\\d+]") ? target : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean isZombie(long pid) {
        String state = statusField(pid, "State");
        return state == null || state.startsWith("Z") || state.startsWith("X");
    }

    static boolean hasCapability(int cap) {
        String eff = statusField(-1, "CapEff");
        return eff != null && (Long.parseUnsignedLong(eff, 16) & (1L << cap)) != 0;
    }

    /** A field of /proc/PID/status (pid -1: this process), or null when the process is gone. */
    static String statusField(long pid, String name) {
        return status(pid, name).get(name);
    }

    /** The named fields of /proc/PID/status (pid -1: this process) found there; empty when the process is gone. */
    private static Map<String, String> status(long pid, String... names) {
        Path status = Path.of("/proc", pid < 0 ? "self" : Long.toString(pid), "status");
        Map<String, String> found = new HashMap<>();
        try {
            for (String line : Files.readAllLines(status)) {
                for (String name : names) {
                    if (line.startsWith(name + ":")) {
                        found.put(name, line.substring(name.length() + 1).strip());
                    }
                }
            }
        } catch (IOException e) {
            // gone (NoSuchFileException) or unreadable: nothing known
        }
        return found;
    }
}
