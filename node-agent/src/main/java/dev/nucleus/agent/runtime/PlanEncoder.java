package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.MountOp;
import dev.nucleus.agent.rootfs.MountPlanner;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Encodes a {@link LaunchPlan} for the launcher's stdin: records {@code <key> <length>\n<bytes>\n}, in order, repeated
 * keys allowed; multi-field values separate fields with NUL. The format is documented in node-agent/src/main/c/README.md.
 */
public final class PlanEncoder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

    private PlanEncoder() {
    }

    public static byte[] encode(LaunchPlan p) {
        PlanEncoder e = new PlanEncoder();
        p.cgroupProcsFiles().forEach(f -> e.record("cgroup", f));
        p.cgroupInto().ifPresent(d -> e.record("cgroup-into", d));
        p.namespaces().forEach(n -> e.record("ns", n));
        p.uidMap().ifPresent(m -> e.record("uidmap", m));
        p.gidMap().ifPresent(m -> e.record("gidmap", m));
        e.record("hostname", p.hostname());
        if (p.loopbackUp()) {
            e.record("lo-up", "1");
        }
        for (MountOp op : p.mounts()) {
            e.record("op", fields(op).getBytes(StandardCharsets.UTF_8));
        }
        e.record("root", p.root());
        e.record("init", MountPlanner.INIT_PATH);
        e.record("cwd", p.cwd());
        p.rlimits().forEach(r -> e.record("rlimit", bytes(join(Integer.toString(r.resource()), Long.toString(r.soft()), Long.toString(r.hard())))));
        e.record("caps", "0x" + Long.toHexString(p.capabilities()));
        e.record("uid", Long.toString(p.uid()));
        e.record("gid", Long.toString(p.gid()));
        p.landlock().ifPresent(l -> {
            e.record("landlock", l.handledFs() + " " + l.handledNet() + " " + l.scoped());
            l.paths().forEach(r -> e.record("landlock-path", bytes(join(Long.toString(r.access()), r.path()))));
            l.ports().forEach(r -> e.record("landlock-port", bytes(join(Long.toString(r.access()), Integer.toString(r.port())))));
        });
        if (p.seccompBpf().length > 0) {
            e.record("seccomp", p.seccompBpf());
        }
        p.env().forEach(v -> e.record("env", v));
        p.argv().forEach(a -> e.record("arg", a));
        e.record("stdout", p.stdoutLog());
        e.record("stderr", p.stderrLog());
        e.record("status", p.statusFile());
        e.record("log-limit", Long.toString(p.logLimitBytes()));
        if (p.deadlineSeconds() > 0) {
            e.record("deadline", Long.toString(p.deadlineSeconds()));
        }
        return e.out.toByteArray();
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
