package dev.nucleus.agent.landlock;

import static dev.nucleus.agent.landlock.LandlockAccess.FS_FILE_RIGHTS;
import static dev.nucleus.agent.landlock.LandlockAccess.FS_READ_FILE;
import static dev.nucleus.agent.landlock.LandlockAccess.FS_TRUNCATE;
import static dev.nucleus.agent.landlock.LandlockAccess.FS_WRITE_FILE;
import static dev.nucleus.agent.landlock.LandlockAccess.FS_IOCTL_DEV;

import dev.nucleus.agent.landlock.LandlockRuleset.PathRule;
import dev.nucleus.agent.landlock.LandlockRuleset.PortRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plans a sandbox's Landlock ruleset for a node's ABI. Every filesystem right the ABI knows is handled, so
 * anything not granted below is denied. Defaults: read and execute the whole system, write only {@code /tmp},
 * {@code /dev/shm}, the stdio-style devices and read-write volumes. Landlock rights are inherited down the tree
 * and only ever added, so a rule cannot take away what a rule on an ancestor grants.
 */
public final class LandlockPlanner {
  /** Writable tmpfs trees every sandbox gets. */
  public static final List<String> DEFAULT_WRITABLE_DIRS = List.of("/tmp", "/dev/shm");
  /** Devices a program may open for writing ({@code > /dev/null} opens with O_TRUNC, hence TRUNCATE). */
  public static final List<String> DEFAULT_WRITABLE_DEVICES = List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/tty");
  private static final long DEVICE_ACCESS = FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV;

  /** Plans for a sandbox that may share the host's network namespace: every scope the ABI has. */
  public LandlockRuleset plan(LandlockRequest request, int nodeAbi) {
    return plan(request, nodeAbi, false);
  }

  /**
   * Plans the ruleset. With {@code ownNetworkNamespace} the abstract unix socket scope is left out: abstract
   * sockets live in a network namespace, so in a private one the only peers are the sandbox's own processes and
   * whoever the node deliberately sends in. CRIU's parasite is such a visitor: it connects from inside the
   * domain to criu's abstract socket, which the scope would refuse, making the sandbox impossible to checkpoint.
   */
  public LandlockRuleset plan(LandlockRequest request, int nodeAbi, boolean ownNetworkNamespace) {
    if (nodeAbi < 1) {
      throw new LandlockUnsupportedException("Landlock filesystem rules", 1, nodeAbi);
    }
    int abi = Math.min(nodeAbi, LandlockAccess.KNOWN_ABI);
    long handledFs = LandlockAccess.fsRights(abi);
    long handledNet = handledNet(request, abi, nodeAbi);
    if (request.requireScoping() && abi < 6) {
      throw new LandlockUnsupportedException("scoping signals and abstract unix sockets", 6, nodeAbi);
    }
    long scoped = LandlockAccess.scopes(abi);
    if (ownNetworkNamespace) {
      scoped &= ~LandlockAccess.SCOPE_ABSTRACT_UNIX_SOCKET;
    }

    Map<String, Long> paths = new LinkedHashMap<>();
    grant(paths, "/", LandlockAccess.READ_EXECUTE);
    DEFAULT_WRITABLE_DIRS.forEach(p -> grant(paths, p, LandlockAccess.READ_WRITE));
    DEFAULT_WRITABLE_DEVICES.forEach(p -> grant(paths, p, DEVICE_ACCESS & FS_FILE_RIGHTS));
    request.readOnly().forEach(p -> grant(paths, p, LandlockAccess.READ));
    request.execute().forEach(p -> grant(paths, p, LandlockAccess.READ_EXECUTE));
    request.readWrite().forEach(p -> grant(paths, p, LandlockAccess.READ_WRITE));
    request.volumeRw().forEach(p -> grant(paths, p, LandlockAccess.READ_WRITE));

    List<PathRule> pathRules = new ArrayList<>();
    paths.forEach((p, access) -> pathRules.add(new PathRule(p, access & handledFs)));
    return new LandlockRuleset(abi, handledFs, handledNet, scoped, pathRules, portRules(request, handledNet));
  }

  private static long handledNet(LandlockRequest request, int abi, int nodeAbi) {
    if (!request.wantsNetwork()) {
      return 0;
    }
    if (abi < 4) {
      throw new LandlockUnsupportedException("TCP bind/connect port rules", 4, nodeAbi);
    }
    long handled = 0;
    if (request.restrictTcpBind() || !request.tcpBind().isEmpty()) {
      handled |= LandlockAccess.NET_BIND_TCP;
    }
    if (request.restrictTcpConnect() || !request.tcpConnect().isEmpty()) {
      handled |= LandlockAccess.NET_CONNECT_TCP;
    }
    return handled;
  }

  private static List<PortRule> portRules(LandlockRequest request, long handledNet) {
    Map<Integer, Long> ports = new TreeMap<>();
    for (int port : request.tcpBind()) {
      ports.merge(checkPort(port), LandlockAccess.NET_BIND_TCP, (a, b) -> a | b);
    }
    for (int port : request.tcpConnect()) {
      ports.merge(checkPort(port), LandlockAccess.NET_CONNECT_TCP, (a, b) -> a | b);
    }
    List<PortRule> rules = new ArrayList<>();
    ports.forEach((port, access) -> rules.add(new PortRule(port, access & handledNet)));
    return rules;
  }

  private static int checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("Landlock port " + port + " is outside 0..65535");
    }
    return port;
  }

  private static void grant(Map<String, Long> paths, String path, long access) {
    paths.merge(checkPath(path), access, (a, b) -> a | b);
  }

  /** Paths must be absolute and normal: no empty, "." or ".." segments, which would make the rule mean
   * something other than what it reads as. Symlinks are resolved by the launcher's open(O_PATH|O_NOFOLLOW). */
  static String checkPath(String path) {
    if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("Landlock path must be absolute: '" + path + "'");
    }
    if (path.equals("/")) {
      return path;
    }
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    for (String segment : trimmed.substring(1).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("Landlock path must be normalised (no '', '.' or '..' segments): '" + path + "'");
      }
    }
    return trimmed;
  }
}
