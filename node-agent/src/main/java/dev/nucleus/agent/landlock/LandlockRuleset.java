package dev.nucleus.agent.landlock;

import java.util.List;

/**
 * A planned Landlock ruleset, ready for the launcher: the ABI it was planned for, the handled rights
 * ({@code landlock_ruleset_attr}) and the rules ({@code LANDLOCK_RULE_PATH_BENEATH}, {@code LANDLOCK_RULE_NET_PORT}).
 */
public record LandlockRuleset(int abi, long handledFs, long handledNet, long scoped, List<PathRule> pathRules,
    List<PortRule> portRules) {

  public LandlockRuleset {
    pathRules = List.copyOf(pathRules);
    portRules = List.copyOf(portRules);
  }

  /** Access granted beneath {@code path} (a path inside the sandbox). */
  public record PathRule(String path, long access) {}

  /** TCP rights granted for one port. */
  public record PortRule(int port, long access) {}
}
