package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;
import java.util.List;

import dev.nucleus.agent.cgroup.CgroupException;
import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.cgroup.SandboxCgroup;
import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/** Recreates a restored sandbox's cgroups with the limits recorded in its checkpoint. */
public interface RestoreCgroups {

    /** The created cgroups: where criu is placed so the restored tree is born inside them. */
    interface Handle {
        List<Path> procsFiles();

        /** Kills everything inside and removes the cgroups (a failed restore leaves nothing behind). */
        void destroy();
    }

    Handle create(String sandboxId, ResourceLimits limits) throws CheckpointException;

    /** Through the node's cgroup manager. */
    static RestoreCgroups of(CgroupManager manager) {
        return (id, limits) -> {
            try {
                SandboxCgroup cg = manager.create(id, new dev.nucleus.agent.cgroup.ResourceLimits(
                        limits.memoryBytes() == null ? 0 : limits.memoryBytes(), limits.cpuMillis(),
                        limits.pidsMax() == null ? 0 : limits.pidsMax(), limits.ioWeight()));
                return new Handle() {
                    @Override
                    public List<Path> procsFiles() {
                        return cg.procsFiles();
                    }

                    @Override
                    public void destroy() {
                        cg.kill();
                        cg.remove();
                    }
                };
            } catch (CgroupException | IllegalArgumentException e) {
                throw new CheckpointException(Reason.CgroupFailed, "cannot recreate cgroups of " + id + ": "
                        + e.getMessage(), e);
            }
        };
    }

    /** For nodes without a cgroup manager: fails closed when the checkpoint recorded any limit. */
    static RestoreCgroups unavailable() {
        return (id, limits) -> {
            if (!limits.isEmpty()) {
                throw new CheckpointException(Reason.CgroupFailed, "the checkpoint recorded resource limits "
                        + limits + " but this node has no cgroup manager to re-apply them");
            }
            return null;
        };
    }
}
