package dev.nucleus.operator.testing;

import dev.nucleus.testing.controlplane.ApiServerProxy;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link RealControlPlane}'s client settings with the API server's URL replaced by an {@link ApiServerProxy} the test
 * can cut and open, so the operator's connection fails while the test's own client (straight to the API server)
 * does not. Init argument {@code open}: whether the proxy relays from the start ({@code true}) or drops every
 * connection until the test opens it.
 */
public final class ProxiedControlPlane implements QuarkusTestResourceLifecycleManager {
  private static volatile ApiServerProxy proxy;
  private boolean openAtStart;

  /** The proxy in front of the API server of the running test application. */
  public static ApiServerProxy proxy() {
    return proxy;
  }

  @Override
  public void init(Map<String, String> initArgs) {
    openAtStart = Boolean.parseBoolean(initArgs.getOrDefault("open", "false"));
  }

  @Override
  public Map<String, String> start() {
    Map<String, String> properties = new HashMap<>(new RealControlPlane().start());
    proxy = ApiServerProxy.closedTo(RealControlPlane.plane().apiServerUrl());
    if (openAtStart) {
      proxy.open();
    }
    properties.put("quarkus.kubernetes-client.api-server-url", proxy.url());
    return properties;
  }

  @Override
  public void stop() {
    proxy.close();
  }
}
