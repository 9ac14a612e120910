package dev.nucleus.agent.node;

import dev.nucleus.agent.cgroup.CgroupException;
import dev.nucleus.agent.cgroup.CgroupLayout;
import dev.nucleus.agent.nativeaccess.NativeAccess;
import dev.nucleus.agent.nativeaccess.NativeAccessException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Probes what this node can enforce by asking the kernel and trying the tools, never by comparing versions.
 */
public final class NodeProbe {
  /** CRIU's FI_NO_BREAKPOINTS: without it dumps hang on VMs where hardware breakpoints never fire. */
  public static final Map<String, String> CRIU_ENV = Map.of("CRIU_FAULT", "130");

  private final NativeAccess nativeAccess;
  private final ProbeConfig config;

  public NodeProbe(NativeAccess nativeAccess, ProbeConfig config) {
    this.nativeAccess = nativeAccess;
    this.config = config;
  }

  public NodeProbe() {
    this(NativeAccess.system(), ProbeConfig.defaults());
  }

  public NodeCapabilities probe() {
    Check userns = userNamespaces();
    Check criu = criu();
    Check runsc = runsc();
    Check timens = timeNamespaces();
    return new NodeCapabilities(read("sys/kernel/osrelease", "unknown").strip(), cgroupMode(), nativeAccess.landlockAbi(),
        seccompActions(), libseccomp(), userns.ok, userns.reason, criu.ok, criu.reason, runsc.ok, runsc.reason, timens.ok,
        timens.reason);
  }

  private String cgroupMode() {
    try {
      return CgroupLayout.parse(read("self/mountinfo", ""), read("self/cgroup", "")).mode();
    } catch (CgroupException e) {
      return "none";
    }
  }

  private List<String> seccompActions() {
    String avail = read("sys/kernel/seccomp/actions_avail", "").strip();
    return avail.isEmpty() ? List.of() : Arrays.asList(avail.split("\\s+"));
  }

  private String libseccomp() {
    try {
      return nativeAccess.libseccompVersion();
    } catch (NativeAccessException e) {
      return "unavailable: " + e.getMessage();
    }
  }

  private Check userNamespaces() {
    String max = read("sys/user/max_user_namespaces", "").strip();
    if (max.isEmpty()) {
      return new Check(false, "the kernel has no user namespaces (no /proc/sys/user/max_user_namespaces)");
    }
    if (max.equals("0")) {
      return new Check(false, "user.max_user_namespaces is 0");
    }
    if (!Files.isExecutable(config.unshare())) {
      return new Check(true, "user.max_user_namespaces=" + max + " (not tried: no " + config.unshare() + ")");
    }
    return tool(List.of(config.unshare().toString(), "--user", "--map-root-user", "true"), Map.of(), "unshare --user");
  }

  /**
   * Tried for real as the launcher does it: unshare(CLONE_NEWTIME), then a child that must be in another time namespace
   * than this process (the probe never changes the agent's own namespaces, so it runs unshare(1)).
   */
  private Check timeNamespaces() {
    String own;
    try {
      own = Files.readSymbolicLink(config.proc().resolve("self/ns/time")).toString();
    } catch (IOException e) {
      return new Check(false, "the kernel has no time namespaces (no " + config.proc().resolve("self/ns/time") + ")");
    }
    String max = read("sys/user/max_time_namespaces", "").strip();
    if (max.equals("0")) {
      return new Check(false, "user.max_time_namespaces is 0");
    }
    if (!Files.isExecutable(config.unshare())) {
      return new Check(true, own + " present (not tried: no " + config.unshare() + ")");
    }
    List<String> command = List.of(config.unshare().toString(), "--time", "--fork", "readlink", "/proc/self/ns/time");
    Check tried = tool(command, Map.of(), "unshare --time");
    if (tried.ok && tried.reason.endsWith(": " + own)) {
      return new Check(false, "unshare --time: the child stayed in this process's time namespace " + own);
    }
    return tried;
  }

  private Check criu() {
    if (!Files.isExecutable(config.criu())) {
      return new Check(false, "criu not found at " + config.criu());
    }
    return tool(List.of(config.criu().toString(), "check"), CRIU_ENV, "criu check");
  }

  private Check runsc() {
    if (!Files.isExecutable(config.runsc())) {
      return new Check(false, "runsc not found at " + config.runsc());
    }
    return tool(List.of(config.runsc().toString(), "--version"), Map.of(), "runsc --version");
  }

  private Check tool(List<String> command, Map<String, String> env, String what) {
    try {
      ToolRun run = ToolRun.run(command, env, config.timeout());
      if (run.timedOut()) {
        return new Check(false, what + " did not finish within " + config.timeout().toSeconds() + " s");
      }
      String line = run.lastLine();
      return run.exitCode() == 0 ? new Check(true, what + ": " + (line.isEmpty() ? "ok" : line))
          : new Check(false, what + " exited " + run.exitCode() + (line.isEmpty() ? "" : ": " + line));
    } catch (IOException e) {
      return new Check(false, what + " could not start: " + e.getMessage());
    }
  }

  private String read(String relative, String fallback) {
    try {
      return Files.readString(config.proc().resolve(relative));
    } catch (IOException e) {
      return fallback;
    }
  }

  private record Check(boolean ok, String reason) {}
}
