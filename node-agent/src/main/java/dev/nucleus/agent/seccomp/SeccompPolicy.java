package dev.nucleus.agent.seccomp;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a sandbox asks of seccomp: a profile ({@code Default}, {@code Strict} or {@code Unconfined}), extra syscall
 * names to allow on top of it, and the capabilities the sandbox keeps (they unlock some otherwise-denied calls).
 */
public record SeccompPolicy(String profile, List<String> extraAllowed, Set<String> capabilities) {
  public static final String DEFAULT = "Default";
  public static final String STRICT = "Strict";
  public static final String UNCONFINED = "Unconfined";

  public SeccompPolicy {
    if (!List.of(DEFAULT, STRICT, UNCONFINED).contains(profile)) {
      throw new SeccompPolicyException("unknown seccomp profile '" + profile + "': use Default, Strict or Unconfined");
    }
    extraAllowed = List.copyOf(extraAllowed);
    capabilities = Set.copyOf(capabilities);
    if (profile.equals(UNCONFINED) && !extraAllowed.isEmpty()) {
      throw new SeccompPolicyException("extra allowed syscalls make no sense with profile Unconfined (everything is allowed)");
    }
  }

  /** Builds a policy; capability names are accepted with or without the {@code CAP_} prefix, in any case. */
  public static SeccompPolicy of(String profile, List<String> extraAllowed, Set<String> capabilities) {
    Set<String> caps = new TreeSet<>();
    for (String c : capabilities == null ? Set.<String>of() : capabilities) {
      String up = c.trim().toUpperCase(Locale.ROOT);
      caps.add(up.startsWith("CAP_") ? up : "CAP_" + up);
    }
    return new SeccompPolicy(profile, extraAllowed == null ? List.of() : extraAllowed, caps);
  }

  public static SeccompPolicy defaults() {
    return of(DEFAULT, List.of(), Set.of());
  }

  public boolean unconfined() {
    return profile.equals(UNCONFINED);
  }

  public boolean strict() {
    return profile.equals(STRICT);
  }

  public boolean hasCapability(String cap) {
    return capabilities.contains(cap);
  }
}
