package dev.nucleus.agent.rootfs;

/** A rootfs or volume request that must not be mounted; the message names the field and the fix. */
public final class InvalidMountException extends Exception {

    private final String field;

    public InvalidMountException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return "InvalidMount";
    }
}
