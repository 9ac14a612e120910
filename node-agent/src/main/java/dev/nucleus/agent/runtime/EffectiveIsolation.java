package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.RootfsSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Describes, truthfully and from the plan actually applied, which walls a sandbox has (for inspect and status). */
final class EffectiveIsolation {

    private EffectiveIsolation() {
    }

    /** {@code bornInCgroup}: the launcher created the init in its v2 cgroup (CLONE_INTO_CGROUP) rather than moving it there. */
    static Map<String, Object> describe(SandboxConfig c, LaunchPlan plan, SandboxPolicies.Compiled seccomp, boolean cgroup,
                                        boolean bornInCgroup) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespaces", plan.namespaces());
        m.put("network", c.network().name().charAt(0) + c.network().name().substring(1).toLowerCase());
        m.put("userNamespace", plan.uidMap().map(String::trim).orElse("none"));
        m.put("rootfs", c.rootfs() instanceof RootfsSource.Directory d
                ? Map.of("path", d.path().toString(), "writable", "overlay upper in the state directory")
                : Map.of("host", "system directories read-only, curated /etc, tmpfs /tmp"));
        m.put("pivotRoot", true);
        m.put("uid", c.uid());
        m.put("gid", c.gid());
        m.put("capabilities", capabilityNames(plan.capabilities()));
        m.put("noNewPrivileges", true);
        m.put("seccomp", seccomp.bpf().length == 0 ? Map.of("profile", "Unconfined")
                : Map.of("profile", seccomp.profile(), "allowedSyscalls", seccomp.allowedSyscalls()));
        m.put("landlock", plan.landlock().<Object>map(l -> Map.of("abi", l.abi(), "handledFs", l.handledFs(), "handledNet", l.handledNet(),
                "scoped", l.scoped(), "pathRules", l.paths().size(), "portRules", l.ports().size())).orElse("disabled"));
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("cgroup", !cgroup ? "none" : bornInCgroup
                ? "created in its v2 cgroup (CLONE_INTO_CGROUP), other hierarchies joined before the first step"
                : "joined before namespaces");
        res.put("memoryBytes", c.resources().memoryBytes());
        res.put("cpuMillis", c.resources().cpuMillis());
        res.put("pids", c.resources().pids());
        m.put("resources", res);
        m.put("rlimits", plan.rlimits().stream().map(r -> r.resource() + ":" + r.soft() + "/" + r.hard()).toList());
        m.put("timeoutSeconds", c.timeoutSeconds());
        return m;
    }

    static List<String> capabilityNames(long mask) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Capabilities.NAMES.size(); i++) {
            if ((mask & (1L << i)) != 0) {
                names.add("CAP_" + Capabilities.NAMES.get(i));
            }
        }
        return names;
    }
}
