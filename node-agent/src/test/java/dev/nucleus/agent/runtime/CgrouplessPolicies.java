package dev.nucleus.agent.runtime;

import java.util.Optional;

/** Test policies for planning alone: no cgroup is ever made or found, the walls are the implementation's. */
interface CgrouplessPolicies extends SandboxPolicies {

    @Override
    default Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources resources) {
        return Optional.empty();
    }

    @Override
    default Optional<CgroupHandle> findCgroup(String id) {
        return Optional.empty();
    }
}
