package dev.nucleus.agent.seccomp;

/** A seccomp policy that cannot be compiled as asked: a bad name, a refused syscall, or a node that lacks support. */
public class SeccompPolicyException extends RuntimeException {
  public static final String INVALID = "SeccompPolicyInvalid";
  public static final String UNSUPPORTED = "SeccompUnsupported";

  private final String reason;

  public SeccompPolicyException(String message) {
    this(INVALID, message, null);
  }

  public SeccompPolicyException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Stable CamelCase reason for conditions and CLI errors. */
  public String reason() {
    return reason;
  }
}
