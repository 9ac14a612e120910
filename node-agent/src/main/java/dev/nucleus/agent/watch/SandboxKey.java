package dev.nucleus.agent.watch;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identity of one assigned sandbox: the object's namespace and name plus its UID, which is what makes
 * a re-created object with the same name a different sandbox.
 */
public record SandboxKey(String namespace, String name, String uid) {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern UID = Pattern.compile("[0-9a-fA-F-]{1,64}");

  public SandboxKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
    if (!DNS_LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace is not a DNS label: " + namespace);
    }
    if (!DNS_SUBDOMAIN.matcher(name).matches()) {
      throw new IllegalArgumentException("name is not a DNS subdomain: " + name);
    }
    if (!isValidUid(uid)) {
      throw new IllegalArgumentException("uid is not a Kubernetes UID: " + uid);
    }
  }

  /** True for the hex-and-dash form Kubernetes gives UIDs; anything else must never become a file name. */
  public static boolean isValidUid(String uid) {
    return uid != null && UID.matcher(uid).matches() && !uid.startsWith("-");
  }

  /** The informer cache key of the object, {@code namespace/name}. */
  public String objectKey() {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return objectKey() + " (uid " + uid + ")";
  }
}
