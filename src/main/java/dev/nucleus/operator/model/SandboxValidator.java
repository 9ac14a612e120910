package dev.nucleus.operator.model;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.Network;
import dev.nucleus.api.v1alpha1.NetworkMode;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import dev.nucleus.api.v1alpha1.Volume;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a sandbox spec beyond what the schema can say and returns the problems as values. An empty list means
 * the spec can be placed. Each problem names the field so the condition and the event tell the user what to fix.
 */
public final class SandboxValidator {

  /** What the validator needs to know about the checkpoint a restore names (looked up in the same namespace). */
  public record RestoreSource(String name, boolean exists, NucleusCheckpointStatus status) {
    public static RestoreSource missing(String name) {
      return new RestoreSource(name, false, null);
    }
  }

  private SandboxValidator() {}

  /** Every problem with {@code spec}; {@code restore} describes spec.restoreFrom's checkpoint, if any. */
  public static List<SpecProblem> validate(NucleusSandboxSpec spec, Optional<RestoreSource> restore) {
    List<SpecProblem> problems = new ArrayList<>();
    if (spec == null) {
      problems.add(new SpecProblem("spec", "is required"));
      return problems;
    }
    checkFeatures(spec, problems);
    checkPath("spec.workingDir", spec.getWorkingDir(), problems);
    if (spec.getRootfs() != null && spec.getRootfs().getPath() != null) {
      String path = spec.getRootfs().getPath();
      if (checkPath("spec.rootfs.path", path, problems) && path.equals("/")) {
        problems.add(new SpecProblem("spec.rootfs.path", "must not be \"/\": use rootfs.host for the host system"));
      }
    }
    checkLandlock(spec, problems);
    checkVolumes(spec.getVolumes(), problems);
    checkMemory(spec, problems);
    checkRestore(spec, restore, problems);
    return problems;
  }

  /** True when the only problems are about the restore's checkpoint, which may still become Completed. */
  public static boolean onlyRestoreProblems(List<SpecProblem> problems) {
    return !problems.isEmpty() && problems.stream().allMatch(p -> p.field().startsWith("spec.restoreFrom"));
  }

  private static void checkFeatures(NucleusSandboxSpec spec, List<SpecProblem> problems) {
    if (spec.getRuntime() == SandboxRuntime.GVisor) {
      problems.add(new SpecProblem("spec.runtime", "GVisor is not supported yet: use Native"));
    }
    Network network = spec.getNetwork();
    if (network != null && network.getMode() == NetworkMode.Bridge) {
      problems.add(new SpecProblem("spec.network.mode", "Bridge is not supported yet: use None or Host"));
    }
  }

  private static void checkLandlock(NucleusSandboxSpec spec, List<SpecProblem> problems) {
    Landlock landlock = spec.getSecurity() == null ? null : spec.getSecurity().getLandlock();
    if (landlock == null) {
      return;
    }
    checkPaths("spec.security.landlock.readOnly", landlock.getReadOnly(), problems);
    checkPaths("spec.security.landlock.readWrite", landlock.getReadWrite(), problems);
    checkPaths("spec.security.landlock.execute", landlock.getExecute(), problems);
  }

  private static void checkVolumes(List<Volume> volumes, List<SpecProblem> problems) {
    if (volumes == null) {
      return;
    }
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      String field = "spec.volumes[" + i + "]";
      if (checkPath(field + ".mountPath", v.getMountPath(), problems) && v.getMountPath().equals("/")) {
        problems.add(new SpecProblem(field + ".mountPath", "must not be \"/\": that would replace the root filesystem"));
      }
      if (v.getHostPath() != null) {
        String path = v.getHostPath().getPath();
        if (checkPath(field + ".hostPath.path", path, problems)) {
          refuseSensitiveHostPath(field + ".hostPath.path", path, problems);
        }
      }
      if (v.getTmpfs() != null && v.getTmpfs().getSize() != null && !positiveQuantity(v.getTmpfs().getSize())) {
        problems.add(new SpecProblem(field + ".tmpfs.size", "must be a positive quantity, got \""
            + v.getTmpfs().getSize() + "\""));
      }
    }
  }

  private static void refuseSensitiveHostPath(String field, String path, List<SpecProblem> problems) {
    if (path.equals("/")) {
      problems.add(new SpecProblem(field, "must not be \"/\": that exposes the whole host"));
      return;
    }
    for (String tree : SandboxPaths.SENSITIVE_HOST_TREES) {
      if (SandboxPaths.isAtOrBelow(path, tree)) {
        problems.add(new SpecProblem(field, "must not be at or below " + tree + ": host kernel interfaces are refused"));
      }
    }
  }

  private static void checkMemory(NucleusSandboxSpec spec, List<SpecProblem> problems) {
    String memory = spec.getResources() == null ? null : spec.getResources().getMemory();
    if (memory != null && !positiveQuantity(memory)) {
      problems.add(new SpecProblem("spec.resources.memory", "must be a positive quantity, got \"" + memory + "\""));
    }
  }

  private static void checkRestore(NucleusSandboxSpec spec, Optional<RestoreSource> restore,
      List<SpecProblem> problems) {
    if (spec.getRestoreFrom() == null) {
      return;
    }
    String field = "spec.restoreFrom.checkpointRef.name";
    if (restore.isEmpty() || !restore.get().exists()) {
      String name = restore.map(RestoreSource::name).orElse("");
      problems.add(new SpecProblem(field, "checkpoint \"" + name + "\" does not exist in this namespace"));
      return;
    }
    NucleusCheckpointStatus status = restore.get().status();
    CheckpointPhase phase = status == null || status.getPhase() == null ? CheckpointPhase.Pending : status.getPhase();
    if (phase != CheckpointPhase.Completed) {
      problems.add(new SpecProblem(field, "checkpoint \"" + restore.get().name() + "\" is " + phase
          + ", not Completed"));
    } else if (status.getNodeName() == null) {
      problems.add(new SpecProblem(field, "checkpoint \"" + restore.get().name() + "\" records no node"));
    }
  }

  private static void checkPaths(String field, List<String> paths, List<SpecProblem> problems) {
    if (paths != null) {
      for (int i = 0; i < paths.size(); i++) {
        checkPath(field + "[" + i + "]", paths.get(i), problems);
      }
    }
  }

  /** Adds a problem when {@code path} is set but not clean; true when it is set and clean. */
  private static boolean checkPath(String field, String path, List<SpecProblem> problems) {
    if (path == null) {
      return false;
    }
    Optional<String> why = SandboxPaths.notNormalizedAbsolute(path);
    why.ifPresent(w -> problems.add(new SpecProblem(field, w)));
    return why.isEmpty();
  }

  static boolean positiveQuantity(String text) {
    try {
      return Quantity.getAmountInBytes(new Quantity(text)).signum() > 0;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
