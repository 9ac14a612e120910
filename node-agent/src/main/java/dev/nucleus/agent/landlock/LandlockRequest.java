package dev.nucleus.agent.landlock;

import java.util.List;

/**
 * What a sandbox asks of Landlock, in paths as the sandbox sees them (after pivot_root): extra read-only,
 * read-write and execute trees, the read-write volume mount points, and TCP ports it may bind or connect to.
 * An empty port list leaves that direction unrestricted; {@code restrictTcpBind}/{@code restrictTcpConnect}
 * restrict it even when the list is empty (deny all). {@code requireScoping} fails on nodes that cannot scope
 * signals and abstract unix sockets (ABI &lt; 6); without it scoping is applied wherever the node supports it.
 */
public record LandlockRequest(List<String> readOnly, List<String> readWrite, List<String> execute,
    List<Integer> tcpBind, List<Integer> tcpConnect, List<String> volumeRw, boolean restrictTcpBind,
    boolean restrictTcpConnect, boolean requireScoping) {

  public LandlockRequest {
    readOnly = List.copyOf(readOnly);
    readWrite = List.copyOf(readWrite);
    execute = List.copyOf(execute);
    tcpBind = List.copyOf(tcpBind);
    tcpConnect = List.copyOf(tcpConnect);
    volumeRw = List.copyOf(volumeRw);
  }

  /** The default request: no spec rules, no volumes. */
  public static LandlockRequest defaults() {
    return new LandlockRequest(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), false, false, false);
  }

  /** Path and port rules from a spec, restricting TCP in a direction exactly when ports are listed for it. */
  public static LandlockRequest of(List<String> readOnly, List<String> readWrite, List<String> execute,
      List<Integer> tcpBind, List<Integer> tcpConnect, List<String> volumeRw) {
    return new LandlockRequest(readOnly, readWrite, execute, tcpBind, tcpConnect, volumeRw, !tcpBind.isEmpty(),
        !tcpConnect.isEmpty(), false);
  }

  public boolean wantsNetwork() {
    return restrictTcpBind || restrictTcpConnect || !tcpBind.isEmpty() || !tcpConnect.isEmpty();
  }
}
