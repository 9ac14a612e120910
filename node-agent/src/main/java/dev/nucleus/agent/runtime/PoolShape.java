package dev.nucleus.agent.runtime;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a warm-pool member is made for: everything a sandbox's launch applies before its workload is known. A member's
 * plan is {@link LaunchPlanner}'s plan of {@link #template}; a spec has this shape when its own plan's namespaces,
 * loopback and mount ops up to pivot_root are the template's (the root mount path aside). That holds for the host
 * rootfs, no volumes and no user namespace, per network mode: the mount plan then depends on nothing else of the spec
 * (the hostname, /etc/hostname, /etc/hosts and the read-only remount of the root come after pivot_root, in the claim).
 * A time namespace is part of the shape: the member's init is born in it (or not), and a claim cannot change that.
 * {@code PoolShapeTest} proves it plan against plan.
 */
public record PoolShape(NetworkMode network, boolean timeNamespace) {

    /** The default member: host rootfs, its own network namespace with loopback, no user or time namespace. */
    public static final PoolShape NETWORK_NONE = new PoolShape(NetworkMode.NONE);

    /** A shape without a time namespace. */
    public PoolShape(NetworkMode network) {
        this(network, false);
    }

    /** The shape of {@code c}, or empty when no member can serve it ({@link #mismatch} says why). */
    public static Optional<PoolShape> of(SandboxConfig c) {
        return mismatch(c).isEmpty() ? Optional.of(new PoolShape(c.network(), c.timeNamespace())) : Optional.empty();
    }

    /** Why {@code c} needs a cold launch, or empty when a member of {@code of(c)} can serve it. */
    public static Optional<String> mismatch(SandboxConfig c) {
        if (!(c.rootfs() instanceof RootfsSource.Host)) {
            return Optional.of("rootfs.path: the node directory is mounted as its overlay's lower layer, per sandbox");
        }
        if (!c.volumes().isEmpty()) {
            return Optional.of("volumes are mounted before pivot_root");
        }
        if (c.userNamespace()) {
            return Optional.of("a user namespace owns the other namespaces and its id range is the sandbox's");
        }
        return Optional.empty();
    }

    /** The config a member of this shape is planned from (its workload part is never sent: the claim brings it). */
    SandboxConfig template(String memberName) {
        return new SandboxConfig(memberName, List.of("/nonexistent-unclaimed"), Map.of(), "/", new RootfsSource.Host(),
                List.of(), SandboxConfig.Resources.UNLIMITED, 0, 0, false, network, SandboxConfig.Seccomp.UNCONFINED,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0).withTimeNamespace(timeNamespace);
    }
}
