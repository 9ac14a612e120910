package dev.nucleus.e2e;

import java.nio.file.Path;

/** The NucleusSandbox manifests the tests apply besides docs/examples, written as a user would write them. */
final class Manifests {
  private Manifests() {}

  /** Waits for the file {@code <gates>/<name>} to appear, then exits with {@code exitCode}. */
  static String gated(String name, Path gates, int exitCode) {
    return """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusSandbox
        metadata:
          name: %s
        spec:
          command: ["/bin/sh", "-c", "while [ ! -e /gates/%s ]; do sleep 0.2; done; exit %d"]
          rootfs:
            host: true
          volumes:
            - name: gates
              mountPath: /gates
              hostPath:
                path: %s
                readOnly: true
        """.formatted(name, name, exitCode, gates);
  }

  /** A root filesystem directory that does not exist on the node: the schema accepts it, the node cannot. */
  static String missingRootfs(String name, String path) {
    return """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusSandbox
        metadata:
          name: %s
        spec:
          command: ["/bin/true"]
          rootfs:
            path: %s
            writable: true
        """.formatted(name, path);
  }

  /** The host's /etc as a volume: a sensitive path every node refuses to mount into a sandbox. */
  static String etcVolume(String name) {
    return """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusSandbox
        metadata:
          name: %s
        spec:
          command: ["/bin/true"]
          rootfs:
            host: true
          volumes:
            - name: etc
              mountPath: /host-etc
              hostPath:
                path: /etc
                readOnly: true
        """.formatted(name);
  }
}
