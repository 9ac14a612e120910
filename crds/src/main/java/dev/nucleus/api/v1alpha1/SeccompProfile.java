package dev.nucleus.api.v1alpha1;

/** The seccomp system-call filter a sandbox runs under. */
public enum SeccompProfile {
  /** An allowlist of the calls ordinary programs need, with argument filters on the dangerous ones. */
  Default,
  /** A narrower allowlist for compute-only workloads. */
  Strict,
  /** No filter at all; only when asked for, and then visible in status. */
  Unconfined
}
