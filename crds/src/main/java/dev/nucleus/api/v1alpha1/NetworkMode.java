package dev.nucleus.api.v1alpha1;

/** How a sandbox sees the network. */
public enum NetworkMode {
  /** A fresh network namespace with only loopback up. */
  None,
  /** The node's network namespace (explicit opt-in, reported in status). */
  Host,
  /** Reserved for a later release: a veth pair on a node bridge. Rejected by the API today. */
  Bridge
}
