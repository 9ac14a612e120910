package dev.nucleus.agent.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Capability names and numbers (include/uapi/linux/capability.h) and the mask the launcher keeps. */
public final class Capabilities {

    static final List<String> NAMES = List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
            "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
            "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN",
            "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
            "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
            "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

    private Capabilities() {
    }

    /** Number of a capability given as "NET_BIND_SERVICE" or "CAP_NET_BIND_SERVICE". */
    public static int number(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        int i = NAMES.indexOf(n.startsWith("CAP_") ? n.substring(4) : n);
        if (i < 0) {
            throw new IllegalArgumentException("unknown capability '" + name + "'; use a name like NET_BIND_SERVICE");
        }
        return i;
    }

    /** Bit mask of the capabilities to keep; everything else is dropped from every set. */
    public static long mask(Set<String> names) {
        long m = 0;
        for (String n : names) {
            m |= 1L << number(n);
        }
        return m;
    }
}
