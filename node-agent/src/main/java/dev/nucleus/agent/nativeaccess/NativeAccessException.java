package dev.nucleus.agent.nativeaccess;

/** A native call failed; carries the call's name and errno (0 when not from a syscall). */
public class NativeAccessException extends RuntimeException {
  private final String call;
  private final int errno;

  public NativeAccessException(String call, int errno, String message) {
    super(call + ": " + message + (errno != 0 ? " (errno " + errno + ")" : ""));
    this.call = call;
    this.errno = errno;
  }

  public NativeAccessException(String call, String message, Throwable cause) {
    super(call + ": " + message, cause);
    this.call = call;
    this.errno = 0;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }
}
