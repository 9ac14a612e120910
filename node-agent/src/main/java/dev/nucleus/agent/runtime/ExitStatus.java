package dev.nucleus.agent.runtime;

import java.util.HashMap;
import java.util.Map;

/** How a sandbox's init ended, as its monitor recorded it, plus the reason the agent derived. */
public record ExitStatus(int exitCode, int signal, String reason, long finishedAtMillis) {

    public static final String COMPLETED = "Completed";
    public static final String ERROR = "Error";
    public static final String OOM_KILLED = "OOMKilled";
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String SIGNALED = "Signaled";

    /** Parses the monitor's {@code key=value} status file; {@code oomKilled} comes from the sandbox's cgroup. */
    public static ExitStatus parse(String text, boolean oomKilled) {
        Map<String, String> kv = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        int code = Integer.parseInt(kv.getOrDefault("exitCode", "-1"));
        int signal = Integer.parseInt(kv.getOrDefault("signal", "0"));
        String recorded = kv.getOrDefault("reason", "");
        String reason;
        if (!recorded.isEmpty()) {
            reason = recorded;
        } else if (oomKilled) {
            reason = OOM_KILLED;
        } else if (signal != 0) {
            reason = SIGNALED;
        } else {
            reason = code == 0 ? COMPLETED : ERROR;
        }
        return new ExitStatus(code, signal, reason, Long.parseLong(kv.getOrDefault("finishedAtMillis", "0")));
    }

    /** Shell convention: the exit code, or 128 + signal. */
    public int shellCode() {
        return signal != 0 ? 128 + signal : exitCode;
    }
}
