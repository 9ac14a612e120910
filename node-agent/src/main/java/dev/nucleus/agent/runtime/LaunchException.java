package dev.nucleus.agent.runtime;

/** A sandbox could not be launched; {@link #reason()} is a stable CamelCase reason for status and exit messages. */
public final class LaunchException extends Exception {

    private final String reason;

    public LaunchException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public LaunchException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    /**
     * Parses the launcher's failure line {@code fail<TAB>step<TAB>syscall<TAB>errno<TAB>argument} into a precise reason.
     */
    static LaunchException fromReport(String report) {
        String[] f = report.split("\t", 5);
        if (f.length < 5 || !f[0].equals("fail")) {
            return new LaunchException("LaunchFailed", "launcher ended without a report: '" + report + "'");
        }
        String reason = switch (f[1]) {
            case "landlock" -> "LandlockFailed";
            case "seccomp" -> "SeccompFailed";
            case "cgroups" -> "CgroupJoinFailed";
            case "timens" -> "TimeNamespaceUnavailable";
            case "exec" -> "ExecFailed";
            case "restore" -> f[3].equals("110") ? "RestoreTimedOut" : "RestoreFailed";
            default -> "LaunchFailed";
        };
        return new LaunchException(reason, "launcher step '" + f[1] + "' failed: " + f[2] + "(" + f[4] + "): "
                + Errno.describe(Integer.parseInt(f[3])));
    }
}
