package dev.nucleus.agent.runtime;

import java.util.Map;

/** Names for the errno values a launch failure commonly carries. */
final class Errno {

    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM (operation not permitted)"),
            Map.entry(2, "ENOENT (no such file or directory)"), Map.entry(13, "EACCES (permission denied)"),
            Map.entry(16, "EBUSY (device or resource busy)"), Map.entry(17, "EEXIST (file exists)"),
            Map.entry(20, "ENOTDIR (not a directory)"), Map.entry(22, "EINVAL (invalid argument)"),
            Map.entry(28, "ENOSPC (no space left on device)"), Map.entry(30, "EROFS (read-only file system)"),
            Map.entry(38, "ENOSYS (function not implemented)"), Map.entry(95, "EOPNOTSUPP (operation not supported)"));

    private Errno() {
    }

    static String describe(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
