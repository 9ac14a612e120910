package dev.nucleus.agent.runtime;

import java.util.Map;

/**
 * The effective isolation of recent claims, described and encoded once per {@link EffectiveIsolation.Key}: a launch
 * whose spec differs from a recent one only in what the description does not read (name, command, environment,
 * hostname, working directory; a warm pool's usual traffic) reuses the description and its JSON, so its record step
 * streams only the fields that name the sandbox. Per claim the description and its JSON cost 0.2 + 0.4 ms of CPU in a
 * JVM that has not compiled them yet (bench, 200 launches): most of the record step. Bounded to the 16 most recent.
 */
final class IsolationCache {

    private static final int SIZE = 16;

    /** A description, shared and unmodifiable, and its JSON. */
    record Described(Map<String, Object> isolation, String json) {
    }

    private final RecentCache<EffectiveIsolation.Key, Described> recent = new RecentCache<>(SIZE);

    /** {@link EffectiveIsolation#describe} of these inputs and its JSON, made now or by an earlier launch. */
    Described describe(SandboxConfig c, LaunchPlan plan, SandboxPolicies.Compiled seccomp, boolean cgroup,
                       boolean bornInCgroup) {
        return recent.get(EffectiveIsolation.Key.of(c, plan, seccomp, cgroup, bornInCgroup), key -> {
            Map<String, Object> isolation = EffectiveIsolation.describe(c, plan, seccomp, cgroup, bornInCgroup);
            return new Described(isolation, RecordJson.isolation(isolation));
        });
    }
}
