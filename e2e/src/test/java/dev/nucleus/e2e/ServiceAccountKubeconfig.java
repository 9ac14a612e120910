package dev.nucleus.e2e;

import dev.nucleus.testing.controlplane.KubeControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * A kubeconfig that authenticates as one ServiceAccount with a token from the TokenRequest API
 * ({@code kubectl create token}), as a pod's projected token would: the process using it has exactly the
 * permissions the chart gave that ServiceAccount, and its writes pass through the chart's admission policy.
 */
final class ServiceAccountKubeconfig {
  private ServiceAccountKubeconfig() {}

  /** The cluster's CA as base64 PEM, whether the admin kubeconfig embeds it or names a file. */
  private static String caData(KubeControlPlane plane) {
    String data = plane.kubectl("config", "view", "--raw", "--minify",
        "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}").orThrow().stdout().trim();
    if (!data.isEmpty()) {
      return data;
    }
    String file = plane.kubectl("config", "view", "--raw", "--minify",
        "-o", "jsonpath={.clusters[0].cluster.certificate-authority}").orThrow().stdout().trim();
    try {
      return file.isEmpty() ? "" : Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the cluster CA " + file, e);
    }
  }

  static Path write(KubeControlPlane plane, String namespace, String serviceAccount, Path file) {
    String token = plane.kubectl("create", "token", serviceAccount, "-n", namespace, "--duration=2h")
        .orThrow().stdout().trim();
    String server = plane.kubectl("config", "view", "--raw", "--minify",
        "-o", "jsonpath={.clusters[0].cluster.server}").orThrow().stdout().trim();
    String ca = caData(plane);
    if (token.isEmpty() || server.isEmpty() || ca.isEmpty()) {
      throw new IllegalStateException("incomplete credentials for " + namespace + "/" + serviceAccount
          + ": token " + !token.isEmpty() + ", server '" + server + "', CA " + !ca.isEmpty());
    }
    String user = "system:serviceaccount:" + namespace + ":" + serviceAccount;
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: e2e
            cluster:
              server: %s
              certificate-authority-data: %s
        users:
          - name: %s
            user:
              token: %s
        contexts:
          - name: %s
            context:
              cluster: e2e
              user: %s
              namespace: %s
        current-context: %s
        """.formatted(server, ca, serviceAccount, token, serviceAccount, serviceAccount, namespace, serviceAccount);
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the kubeconfig of " + user + " to " + file, e);
    }
    String whoami = plane.kubectl("--kubeconfig=" + file, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
        .orThrow().stdout().trim();
    if (!whoami.equals(user)) {
      throw new IllegalStateException("the API server authenticates " + file + " as '" + whoami + "', not " + user);
    }
    return file;
  }
}
