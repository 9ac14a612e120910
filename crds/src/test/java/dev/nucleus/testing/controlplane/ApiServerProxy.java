package dev.nucleus.testing.controlplane;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port in front of the real API server, which a test can cut: while closed it accepts
 * every connection and closes it at once (what a client sees when the server or a load balancer in between drops
 * it, e.g. a pooled connection the server has closed); open, it relays bytes both ways (TLS passes through
 * untouched, the API server's certificate is for 127.0.0.1). {@link #cut()} also closes every relayed connection,
 * as an API server restart does.
 */
public final class ApiServerProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private volatile boolean open;

  private ApiServerProxy(URI apiServer, boolean open) throws IOException {
    this.target = new InetSocketAddress(apiServer.getHost(), apiServer.getPort());
    this.listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    this.open = open;
    daemon(this::acceptLoop, "api-proxy-accept").start();
  }

  /** A relay to {@code apiServerUrl}, closed (every connection dropped) until {@link #open()}. */
  public static ApiServerProxy closedTo(String apiServerUrl) {
    try {
      return new ApiServerProxy(URI.create(apiServerUrl), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for the API server proxy", e);
    }
  }

  /** The URL clients use instead of the API server's. */
  public String url() {
    return "https://127.0.0.1:" + listener.getLocalPort();
  }

  /** Connections dropped at once while closed: a client that retries makes this grow. */
  public int refused() {
    return refused.get();
  }

  public void open() {
    open = true;
  }

  /** Drops every relayed connection and every new one until {@link #open()}. */
  public void cut() {
    open = false;
    sockets.forEach(ApiServerProxy::closeQuietly);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (!open) {
          refused.incrementAndGet();
          closeQuietly(client);
          continue;
        }
        Socket server = new Socket();
        server.connect(target, 5_000);
        sockets.add(client);
        sockets.add(server);
        daemon(() -> pump(client, server), "api-proxy-up").start();
        daemon(() -> pump(server, client), "api-proxy-down").start();
      } catch (IOException e) {
        // the listener was closed, or the API server refused: the client sees its connection dropped
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // one side went away; the other is closed below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  @Override
  public void close() {
    closeQuietly(listener);
    cut();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
