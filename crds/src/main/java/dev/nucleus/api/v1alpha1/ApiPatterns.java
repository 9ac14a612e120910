package dev.nucleus.api.v1alpha1;

/**
 * Regular expressions and bounds shared by the schema annotations and by code that validates the same values
 * outside the API server (the CLI's {@code run -f}, the operator's validation). Every pattern is RE2-compatible
 * (no look-around), because the API server evaluates them with Go's regexp package.
 */
public final class ApiPatterns {
  /** One path segment that is neither empty, {@code .} nor {@code ..} and holds no NUL byte. */
  private static final String SEGMENT = "([^/.\\x00][^/\\x00]*|\\.[^/.\\x00][^/\\x00]*|\\.\\.[^/\\x00]+)";

  /**
   * An absolute, normalised path: starts with {@code /}, no empty, {@code .} or {@code ..} segment, no trailing
   * slash; {@code /} itself is allowed. Symlinks cannot be judged here: the node agent resolves them.
   */
  public static final String ABSOLUTE_PATH = "^(/|(/" + SEGMENT + ")+)$";

  /** Maximum length of any path field (PATH_MAX). */
  public static final int PATH_MAX = 4096;

  /**
   * A memory or size quantity in bytes: a positive integer with an optional decimal (k, M, G, T, P) or binary
   * (Ki, Mi, Gi, Ti, Pi) suffix, e.g. {@code 512Mi}. Fractions, exponents and milli-bytes are refused.
   */
  public static final String BYTE_QUANTITY = "^[1-9][0-9]{0,15}(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$";

  /**
   * A non-zero CPU quantity: millicores ({@code 250m}) or cores with up to three decimals ({@code 1.5},
   * {@code 0.25}).
   */
  public static final String CPU_QUANTITY =
      "^([1-9][0-9]{0,6}m|[1-9][0-9]{0,3}(\\.[0-9]{1,3})?|0\\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$";

  /** An RFC 1123 DNS label, as Kubernetes object names and hostnames use. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** An RFC 1123 DNS subdomain, as Kubernetes object and node names use. */
  public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A POSIX environment variable name. */
  public static final String ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

  /** A Linux system call name as libseccomp spells it, e.g. {@code clock_nanosleep}. */
  public static final String SYSCALL_NAME = "^[a-z][a-z0-9_]{0,63}$";

  private ApiPatterns() {}
}
