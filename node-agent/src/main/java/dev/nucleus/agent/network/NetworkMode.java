package dev.nucleus.agent.network;

/** A sandbox's network: {@code NONE} is a fresh namespace with only loopback up; {@code HOST} is an explicit opt-in. */
public enum NetworkMode {
    NONE,
    HOST;

    /** Whether the sandbox gets its own network namespace. */
    public boolean newNamespace() {
        return this == NONE;
    }

    /** Whether the launcher must bring up loopback in the new namespace. */
    public boolean loopbackUp() {
        return this == NONE;
    }

    /** Parses the API spelling ("None", "Host"), case-insensitively. */
    public static NetworkMode parse(String s) {
        for (NetworkMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("network must be None or Host, got '" + s + "'");
    }
}
