package dev.nucleus.api.v1alpha1;

/** How a sandbox's processes are isolated: the native Linux walls, or gVisor (reserved). */
public enum SandboxRuntime {
  /** Namespaces, cgroups, seccomp and Landlock applied by the Nucleus launcher. */
  Native,
  /** Reserved for a later release: the gVisor user-space kernel (runsc). Rejected by the API today. */
  GVisor
}
