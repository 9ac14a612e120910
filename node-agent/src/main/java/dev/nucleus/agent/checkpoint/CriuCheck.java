package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;

/** Whether CRIU is usable on this node and, if not, why; what {@code nucleus check} reports. */
public record CriuCheck(boolean usable, String reason, Path binary, String version, boolean faultInjection) {

    public static CriuCheck unusable(Path binary, String version, String reason) {
        return new CriuCheck(false, reason, binary, version, false);
    }

    /** One human line, e.g. {@code criu 4.1.1 at /usr/local/sbin/criu: usable (CRIU_FAULT=130)}. */
    public String summary() {
        String head = "criu " + (version == null ? "?" : version) + " at " + binary;
        return usable ? head + ": usable" + (faultInjection ? " (CRIU_FAULT=130)" : "") : head + ": NOT usable: " + reason;
    }
}
