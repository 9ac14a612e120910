package dev.nucleus.api.v1alpha1;

/** Whether a finished sandbox is started again. */
public enum RestartPolicy {
  /** A finished sandbox stays finished. */
  Never,
  /** A sandbox that fails (non-zero exit, signal, node loss) is started again. */
  OnFailure
}
