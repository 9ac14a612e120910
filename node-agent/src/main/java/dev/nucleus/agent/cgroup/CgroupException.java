package dev.nucleus.agent.cgroup;

/** A cgroup operation failed, or the node cannot apply a requested limit. */
public class CgroupException extends RuntimeException {
  public static final String FAILED = "CgroupFailed";
  public static final String UNSUPPORTED = "CgroupUnsupported";

  private final String reason;

  public CgroupException(String reason, String message) {
    this(reason, message, null);
  }

  public CgroupException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
