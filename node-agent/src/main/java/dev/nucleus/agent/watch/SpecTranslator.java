package dev.nucleus.agent.watch;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.api.v1alpha1.Capability;
import dev.nucleus.api.v1alpha1.EnvVar;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Quantities;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.Resources;
import dev.nucleus.api.v1alpha1.Rootfs;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import dev.nucleus.api.v1alpha1.Security;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure translation of a NucleusSandbox spec into the runtime's {@link SandboxConfig}. Fails closed: a field
 * the runtime cannot honour yet is refused with a message naming it, never silently dropped.
 */
final class SpecTranslator {
  private SpecTranslator() {}

  static SandboxConfig translate(String sandboxId, NucleusSandboxSpec spec) throws EngineException {
    if (spec == null || spec.getCommand() == null || spec.getCommand().isEmpty()) {
      throw invalid("spec.command is required");
    }
    if (spec.getRuntime() != null && spec.getRuntime() != SandboxRuntime.Native) {
      throw new EngineException(Reasons.RUNTIME_UNAVAILABLE,
          "spec.runtime " + spec.getRuntime() + " is not available on this node; use Native");
    }
    if (spec.getRestoreFrom() != null) {
      throw new EngineException(Reasons.RESTORE_FAILED,
          "spec.restoreFrom: a restore is not a launch; the node agent restores it from the checkpoint's image");
    }
    List<String> command = new ArrayList<>(spec.getCommand());
    if (spec.getArgs() != null) {
      command.addAll(spec.getArgs());
    }
    Security security = spec.getSecurity() == null ? new Security() : spec.getSecurity();
    boolean userNamespace = Boolean.TRUE.equals(security.getUserNamespace());
    return new SandboxConfig(sandboxId, command, env(spec.getEnv()),
        spec.getWorkingDir() == null ? "/" : spec.getWorkingDir(), rootfs(spec.getRootfs(), security), volumes(spec),
        resources(spec.getResources()),
        security.getRunAsUser() == null ? 0 : security.getRunAsUser(),
        security.getRunAsGroup() == null ? 0 : security.getRunAsGroup(),
        userNamespace, network(spec), seccomp(security), landlock(security.getLandlock()), capabilities(security),
        spec.getLifecycle() == null || spec.getLifecycle().getActiveDeadlineSeconds() == null ? 0
            : spec.getLifecycle().getActiveDeadlineSeconds())
        .withTimeNamespace(Boolean.TRUE.equals(security.getTimeNamespace()));
  }

  private static Map<String, String> env(List<EnvVar> vars) throws EngineException {
    Map<String, String> env = new LinkedHashMap<>();
    if (vars != null) {
      for (EnvVar v : vars) {
        if (v.getName() == null || v.getName().isEmpty() || v.getName().contains("=")) {
          throw invalid("spec.env: variable name '" + v.getName() + "' is not valid");
        }
        env.put(v.getName(), v.getValue() == null ? "" : v.getValue());
      }
    }
    return env;
  }

  private static RootfsSource rootfs(Rootfs rootfs, Security security) throws EngineException {
    if (rootfs == null || rootfs.getPath() == null) {
      return new RootfsSource.Host(); // read-only host system directories: readOnlyRootfs holds either way
    }
    if (!Boolean.TRUE.equals(rootfs.getWritable())) {
      throw invalid("spec.rootfs.path without writable: true asks for a read-only root, which this node's runtime"
          + " cannot enforce yet (it always overlays a writable upper layer); set writable: true or use rootfs.host");
    }
    if (Boolean.TRUE.equals(security.getReadOnlyRootfs())) {
      throw invalid("spec.security.readOnlyRootfs contradicts spec.rootfs.writable: true");
    }
    return new RootfsSource.Directory(Path.of(rootfs.getPath()));
  }

  private static List<Volume> volumes(NucleusSandboxSpec spec) throws EngineException {
    List<Volume> volumes = new ArrayList<>();
    if (spec.getVolumes() == null) {
      return volumes;
    }
    for (var v : spec.getVolumes()) {
      String field = "spec.volumes[" + v.getName() + "]";
      if (v.getMountPath() == null) {
        throw invalid(field + ".mountPath is required");
      }
      if (v.getHostPath() != null && v.getTmpfs() == null) {
        volumes.add(new Volume.HostPath(Path.of(v.getHostPath().getPath()), v.getMountPath(),
            Boolean.TRUE.equals(v.getHostPath().getReadOnly())));
      } else if (v.getTmpfs() != null && v.getHostPath() == null) {
        long size = v.getTmpfs().getSize() == null ? 0 : bytes(field + ".tmpfs.size", v.getTmpfs().getSize());
        volumes.add(new Volume.Tmpfs(v.getMountPath(), size));
      } else {
        throw invalid(field + " must set exactly one of hostPath and tmpfs");
      }
    }
    return volumes;
  }

  private static SandboxConfig.Resources resources(Resources r) throws EngineException {
    if (r == null) {
      return SandboxConfig.Resources.UNLIMITED;
    }
    if (r.getIoWeight() != null) {
      throw invalid("spec.resources.ioWeight is not enforced by this node's runtime yet; remove it");
    }
    long memory = r.getMemory() == null ? 0 : bytes("spec.resources.memory", r.getMemory());
    long cpuMillis = 0;
    if (r.getCpu() != null) {
      try {
        cpuMillis = Quantities.millicores("spec.resources.cpu", r.getCpu());
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw invalid(e.getMessage());
      }
      if (cpuMillis <= 0) {
        throw invalid("spec.resources.cpu must be at least 1m");
      }
    }
    return new SandboxConfig.Resources(memory, cpuMillis, r.getPids() == null ? 0 : r.getPids());
  }

  private static NetworkMode network(NucleusSandboxSpec spec) throws EngineException {
    if (spec.getNetwork() == null || spec.getNetwork().getMode() == null) {
      return NetworkMode.NONE;
    }
    return switch (spec.getNetwork().getMode()) {
      case None -> NetworkMode.NONE;
      case Host -> NetworkMode.HOST;
      default -> throw invalid("spec.network.mode " + spec.getNetwork().getMode()
          + " is not available on this node; use None or Host");
    };
  }

  private static SandboxConfig.Seccomp seccomp(Security security) {
    var s = security.getSeccomp();
    if (s == null) {
      return SandboxConfig.Seccomp.DEFAULT;
    }
    String profile = s.getProfile() == null ? "Default" : s.getProfile().name();
    return new SandboxConfig.Seccomp(profile, s.getAllowSyscalls() == null ? List.of() : List.copyOf(s.getAllowSyscalls()));
  }

  private static SandboxConfig.Landlock landlock(Landlock l) throws EngineException {
    if (l == null) {
      return SandboxConfig.Landlock.DEFAULT;
    }
    if (l.getExecute() != null && !l.getExecute().isEmpty()) {
      throw invalid("spec.security.landlock.execute rules are not enforced by this node's runtime yet");
    }
    return new SandboxConfig.Landlock(true, copy(l.getReadWrite()), copy(l.getReadOnly()), copy(l.getTcpBind()),
        copy(l.getTcpConnect()));
  }

  private static Set<String> capabilities(Security security) {
    Set<String> add = new LinkedHashSet<>();
    if (security.getCapabilities() != null && security.getCapabilities().getAdd() != null) {
      for (Capability c : security.getCapabilities().getAdd()) {
        add.add(c.name());
      }
    }
    return add;
  }

  private static long bytes(String field, String quantity) throws EngineException {
    try {
      return Quantities.bytes(field, quantity);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static <T> List<T> copy(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  private static EngineException invalid(String message) {
    return new EngineException(Reasons.INVALID_SPEC, message);
  }
}
