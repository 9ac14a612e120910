package dev.nucleus.agent.runtime;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Describes, truthfully and from the plan actually applied, which walls a sandbox has (for inspect and status). */
final class EffectiveIsolation {

    private EffectiveIsolation() {
    }

    /**
     * Everything {@link #describe} reads, and nothing else: launches with equal keys have equal descriptions (a launch
     * may then reuse one, {@link IsolationCache}). A new input of the description must be added here too.
     */
    record Key(NetworkMode network, List<String> namespaces, Optional<String> uidMap, RootfsSource rootfs, long uid,
               long gid, long capabilities, boolean seccompUnconfined, String seccompProfile, int allowedSyscalls,
               Optional<LaunchPlan.LandlockRules> landlock, boolean cgroup, boolean bornInCgroup,
               SandboxConfig.Resources resources, List<LaunchPlan.Rlimit> rlimits, long timeoutSeconds) {
        static Key of(SandboxConfig c, LaunchPlan plan, SandboxPolicies.Compiled seccomp, boolean cgroup, boolean bornInCgroup) {
            return new Key(c.network(), plan.namespaces(), plan.uidMap(), c.rootfs(), c.uid(), c.gid(), plan.capabilities(),
                    seccomp.bpf().length == 0, seccomp.profile(), seccomp.allowedSyscalls(), plan.landlock(), cgroup,
                    bornInCgroup, c.resources(), plan.rlimits(), c.timeoutSeconds());
        }

        /*
         * Written out instead of a record's generated methods, which run through method handles: a claim looks its key
         * up while the launcher applies it, on cold caches (benchmarks.md, "Launch latency", session 8). The plan's
         * walls are shared objects (LaunchPlanning.walls), so most components compare by identity first.
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && network == k.network && uid == k.uid && gid == k.gid && capabilities == k.capabilities
                    && seccompUnconfined == k.seccompUnconfined && allowedSyscalls == k.allowedSyscalls && cgroup == k.cgroup
                    && bornInCgroup == k.bornInCgroup && timeoutSeconds == k.timeoutSeconds
                    && resources.memoryBytes() == k.resources.memoryBytes() && resources.cpuMillis() == k.resources.cpuMillis()
                    && resources.pids() == k.resources.pids() && seccompProfile.equals(k.seccompProfile)
                    && same(namespaces, k.namespaces) && same(uidMap, k.uidMap) && same(landlock, k.landlock)
                    && same(rlimits, k.rlimits) && sameRootfs(rootfs, k.rootfs);
        }

        private static boolean same(Object a, Object b) {
            return a == b || a.equals(b);
        }

        private static boolean sameRootfs(RootfsSource a, RootfsSource b) {
            return a instanceof RootfsSource.Host ? b instanceof RootfsSource.Host : a.equals(b);  // Host has no fields
        }

        @Override
        public int hashCode() {  // the cheap components; equals decides
            long h = ((uid * 31 + gid) * 31 + capabilities) * 31 + timeoutSeconds;
            h = ((h * 31 + resources.memoryBytes()) * 31 + resources.cpuMillis()) * 31 + resources.pids();
            h = (h * 31 + allowedSyscalls) * 31 + seccompProfile.hashCode();
            h = h * 31 + network.ordinal() + 4L * namespaces.size() + 64L * rlimits.size() + (landlock.isPresent() ? 1024 : 0)
                    + (cgroup ? 2048 : 0) + (bornInCgroup ? 4096 : 0) + (seccompUnconfined ? 8192 : 0);
            return Long.hashCode(h);
        }
    }

    /**
     * {@code bornInCgroup}: the launcher created the init in its v2 cgroup (CLONE_INTO_CGROUP) rather than moving it
     * there. Reads only what {@link Key} holds; the maps and lists are unmodifiable (a description may be shared).
     */
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
        m.put("capabilities", List.copyOf(capabilityNames(plan.capabilities())));
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
        m.put("resources", Collections.unmodifiableMap(res));
        m.put("rlimits", plan.rlimits().stream().map(r -> r.resource() + ":" + r.soft() + "/" + r.hard()).toList());
        m.put("timeoutSeconds", c.timeoutSeconds());
        return Collections.unmodifiableMap(m);
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
