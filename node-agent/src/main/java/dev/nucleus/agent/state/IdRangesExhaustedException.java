package dev.nucleus.agent.state;

import java.io.IOException;

/** Every host id range for user namespaces is held by a sandbox; one must be removed before another can start. */
public final class IdRangesExhaustedException extends IOException {

    public IdRangesExhaustedException(int slots) {
        super("all " + slots + " user namespace id ranges are in use; remove a user-namespaced sandbox first");
    }
}
