package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.MountOp;
import dev.nucleus.agent.rootfs.MountPlanner;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Encodes a {@link LaunchPlan} for the launcher's stdin: records {@code <key> <length>\n<bytes>\n}, in order, repeated
 * keys allowed; multi-field values separate fields with NUL. The format is documented in node-agent/src/main/c/README.md.
 */
public final class PlanEncoder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

    private PlanEncoder() {
    }

    /** A cold launch: the shape part of the plan, then the workload's part, on one stream closed after it. */
    public static byte[] encode(LaunchPlan p) {
        PlanEncoder e = new PlanEncoder();
        e.shape(p);
        e.workload(p);
        return e.out.toByteArray();
    }

    /**
     * A warm-pool member's plan: only the shape part of {@code p} (namespaces, cgroups, mounts up to pivot_root), led
     * by {@code member}; the launcher sets it up and waits for {@link #encodeClaim}. Ended by the one who sends it
     * ({@link #END}), after its own records, because the stream stays open.
     */
    public static byte[] encodeMember(LaunchPlan p, byte[] reaperSeccomp) {
        PlanEncoder e = new PlanEncoder();
        e.record("member", "1");
        e.shape(p);
        e.record("init-seccomp", reaperSeccomp);
        return e.out.toByteArray();
    }

    /**
     * A claim of a warm-pool member: exactly the records a cold launch of {@code p} sends after its shape part, the
     * launcher's log file, then {@link #END}. The launcher refuses any other key in a claim.
     */
    public static byte[] encodeClaim(LaunchPlan p, Path launcherLog) {
        PlanEncoder e = new PlanEncoder();
        e.workload(p);
        e.record("log", launcherLog.toString());
        e.out.writeBytes(END);
        return e.out.toByteArray();
    }

    /** The record that ends a plan or a claim on a stream that stays open. */
    public static final byte[] END = "end 0\n\n".getBytes(StandardCharsets.US_ASCII);

    private void shape(LaunchPlan p) {
        p.cgroupProcsFiles().forEach(f -> record("cgroup", f));
        p.cgroupInto().ifPresent(d -> record("cgroup-into", d));
        record("ns", "0x" + Long.toHexString(cloneFlags(p.namespaces())));
        p.uidMap().ifPresent(m -> record("uidmap", m));
        p.gidMap().ifPresent(m -> record("gidmap", m));
        if (p.loopbackUp()) {
            record("lo-up", "1");
        }
        for (MountOp op : p.mounts()) {
            record("op", fields(op).getBytes(StandardCharsets.UTF_8));
        }
        record("root", p.root());
        record("init", MountPlanner.INIT_PATH);
    }

    /** Everything that is the workload's own: names, post-pivot ops, identity, walls, argv, logs, deadline. */
    private void workload(LaunchPlan p) {
        record("hostname", p.hostname());
        for (MountOp op : p.finish()) {
            record("fin", fields(op).getBytes(StandardCharsets.UTF_8));
        }
        record("cwd", p.cwd());
        p.rlimits().forEach(r -> record("rlimit", bytes(join(Integer.toString(r.resource()), Long.toString(r.soft()), Long.toString(r.hard())))));
        record("caps", "0x" + Long.toHexString(p.capabilities()));
        record("uid", Long.toString(p.uid()));
        record("gid", Long.toString(p.gid()));
        p.landlock().ifPresent(l -> {
            record("landlock", l.handledFs() + " " + l.handledNet() + " " + l.scoped());
            l.paths().forEach(r -> record("landlock-path", bytes(join(Long.toString(r.access()), r.path()))));
            l.ports().forEach(r -> record("landlock-port", bytes(join(Long.toString(r.access()), Integer.toString(r.port())))));
        });
        if (p.seccompBpf().length > 0) {
            record("seccomp", p.seccompBpf());
        }
        p.env().forEach(v -> record("env", v));
        p.argv().forEach(a -> record("arg", a));
        record("stdout", p.stdoutLog());
        record("stderr", p.stderrLog());
        record("status", p.statusFile());
        record("log-limit", Long.toString(p.logLimitBytes()));
        if (p.deadlineSeconds() > 0) {
            record("deadline", Long.toString(p.deadlineSeconds()));
        }
    }

    /** The launcher's restore mode: criu runs as the monitor's child, which then monitors the restored init. */
    public static byte[] encodeRestore(RestoredLaunch l, Path stdoutLog, Path stderrLog, Path statusFile) {
        PlanEncoder e = new PlanEncoder();
        e.record("restore", l.pidFile().toString());
        e.record("restore-timeout", Long.toString(l.timeoutSeconds()));
        l.cgroupProcsFiles().forEach(f -> e.record("cgroup", f.toString()));
        l.criuEnv().forEach(v -> e.record("env", v));
        l.criuArgv().forEach(a -> e.record("arg", a));
        e.record("stdout", stdoutLog.toString());
        e.record("stderr", stderrLog.toString());
        e.record("status", statusFile.toString());
        e.record("log-limit", Long.toString(LaunchPlanner.LOG_LIMIT_BYTES));
        return e.out.toByteArray();
    }

    /**
     * clone(2) flags of the namespaces by name (include/uapi/linux/sched.h); an unknown name is refused here. CLONE_NEWTIME
     * (0x80) lies inside CSIGNAL: the launcher unshares it before the clone instead of passing it.
     */
    private static final Map<String, Long> CLONE_FLAGS = Map.of("mnt", 0x00020000L, "uts", 0x04000000L, "ipc", 0x08000000L,
            "user", 0x10000000L, "pid", 0x20000000L, "net", 0x40000000L, "cgroup", 0x02000000L, "time", 0x00000080L);

    static long cloneFlags(List<String> namespaces) {
        long flags = 0;
        for (String n : namespaces) {
            Long f = CLONE_FLAGS.get(n);
            if (f == null) {
                throw new IllegalArgumentException("unknown namespace in launch plan: " + n);
            }
            flags |= f;
        }
        return flags;
    }

    private static String fields(MountOp op) {
        if (op instanceof MountOp.Mkdir m) {
            return join("mkdir", m.path(), octal(m.mode()));
        } else if (op instanceof MountOp.File f) {
            return f.content() == null ? join("file", f.path(), octal(f.mode())) : join("file", f.path(), octal(f.mode()), f.content());
        } else if (op instanceof MountOp.Symlink s) {
            return join("symlink", s.target(), s.link());
        } else if (op instanceof MountOp.Mknod n) {
            return join("mknod", n.path(), Integer.toString(n.major()), Integer.toString(n.minor()));
        }
        MountOp.Mount m = (MountOp.Mount) op;
        return join("mount", m.source(), m.target(), m.fsType(), "0x" + Long.toHexString(m.flags()), m.data());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String octal(int mode) {
        return "0" + Integer.toOctalString(mode);
    }

    private static String join(String... parts) {
        for (String s : parts) {
            requireNoNul(s);
        }
        return String.join("\0", parts);
    }

    private void record(String key, String value) {
        requireNoNul(value);
        record(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private void record(String key, byte[] value) {
        out.writeBytes((key + " " + value.length + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(value);
        out.write('\n');
    }

    /** A NUL would silently truncate a C string (an argument, a path): refuse instead. */
    private static void requireNoNul(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL character in launch plan value: " + s.replace('\0', '?'));
        }
    }
}
