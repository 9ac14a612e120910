package dev.nucleus.agent.runtime;

import dev.nucleus.agent.cgroup.CgroupException;
import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.cgroup.ResourceLimits;
import dev.nucleus.agent.cgroup.SandboxCgroup;
import dev.nucleus.agent.landlock.LandlockPlanner;
import dev.nucleus.agent.landlock.LandlockRequest;
import dev.nucleus.agent.landlock.LandlockRuleset;
import dev.nucleus.agent.landlock.LandlockUnsupportedException;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.seccomp.SeccompCompiler;
import dev.nucleus.agent.seccomp.SeccompPolicy;
import dev.nucleus.agent.seccomp.SeccompPolicyException;
import dev.nucleus.agent.seccomp.SeccompProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;

/** {@link SandboxPolicies} on this node: the cgroup manager, the seccomp compiler and the Landlock planner. */
public final class NodePolicies implements SandboxPolicies {

    private final CgroupManager cgroups;
    private final SeccompCompiler seccomp;
    private final LandlockPlanner landlock = new LandlockPlanner();
    private final IntSupplier landlockAbi;
    /**
     * Compiling is a pure function of the policy and costs tens of milliseconds through libseccomp: the programs of the
     * policies used last are kept (each distinct allowSyscalls/capabilities list is one policy: bounded, not all).
     */
    private final RecentCache<SeccompPolicy, Compiled> compiled = new RecentCache<>(64);

    public NodePolicies(CgroupManager cgroups, SeccompCompiler seccomp, IntSupplier landlockAbi) {
        this.cgroups = cgroups;
        this.seccomp = seccomp;
        this.landlockAbi = landlockAbi;
    }

    /** The real engines, with sandbox cgroups nested under {@code cgroupRoot} below the agent's own cgroup. */
    public static NodePolicies system(String cgroupRoot) {
        var nativeAccess = dev.nucleus.agent.nativeaccess.NativeAccess.system();
        return new NodePolicies(CgroupManager.system(cgroupRoot), new SeccompCompiler(nativeAccess), nativeAccess::landlockAbi);
    }

    @Override
    public Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources r) throws LaunchException {
        try {
            return Optional.of(handle(cgroups.create(id, new ResourceLimits(r.memoryBytes(), r.cpuMillis(), r.pids(), null))));
        } catch (CgroupException e) {
            throw new LaunchException(e.reason(), e.getMessage(), e);
        }
    }

    @Override
    public Optional<CgroupHandle> findCgroup(String id) {
        SandboxCgroup cg = cgroups.open(id);
        return cg.directories().stream().anyMatch(Files::isDirectory) ? Optional.of(handle(cg)) : Optional.empty();
    }

    @Override
    public Compiled seccomp(SandboxConfig c) throws LaunchException {
        try {
            SeccompPolicy policy = SeccompPolicy.of(c.seccomp().profile(), c.seccomp().extraAllowed(), c.capabilitiesAdd());
            return compiled.get(policy, key -> {
                SeccompProgram p = seccomp.compile(key);
                return new Compiled(p.bpf(), p.profile(), p.allowedSyscallCount());
            });
        } catch (SeccompPolicyException e) {
            throw new LaunchException(e.reason(), e.getMessage(), e);
        }
    }

    @Override
    public byte[] reaperSeccomp() throws LaunchException {
        try {
            return seccomp.compileReaper().bpf();
        } catch (SeccompPolicyException e) {
            throw new LaunchException(e.reason(), e.getMessage(), e);
        }
    }

    @Override
    public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) throws LaunchException {
        if (!c.landlock().enabled()) {
            return Optional.empty();
        }
        List<String> volumeRw = new ArrayList<>();
        for (Volume v : c.volumes()) {
            if (v instanceof Volume.Tmpfs || v instanceof Volume.HostPath h && !h.readOnly()) {
                volumeRw.add(v.target());
            }
        }
        LandlockRequest request = LandlockRequest.of(c.landlock().readOnly(), c.landlock().readWrite(), c.landlock().execute(),
                c.landlock().tcpBind(), c.landlock().tcpConnect(), volumeRw);
        try {
            LandlockRuleset r = landlock.plan(request, landlockAbi.getAsInt(), c.network().newNamespace());
            return Optional.of(new LaunchPlan.LandlockRules(r.abi(), r.handledFs(), r.handledNet(), r.scoped(),
                    r.pathRules().stream().map(p -> new LaunchPlan.LandlockRules.PathRule(p.path(), p.access())).toList(),
                    r.portRules().stream().map(p -> new LaunchPlan.LandlockRules.PortRule(p.port(), p.access())).toList()));
        } catch (LandlockUnsupportedException e) {
            throw new LaunchException(e.reason(), e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new LaunchException("InvalidLandlock", "spec.security.landlock: " + e.getMessage(), e);
        }
    }

    private CgroupHandle handle(SandboxCgroup cg) {
        return new CgroupHandle() {
            @Override
            public void limit(SandboxConfig.Resources r) throws LaunchException {
                try {
                    cgroups.limit(cg, new ResourceLimits(r.memoryBytes(), r.cpuMillis(), r.pids(), null));
                } catch (CgroupException e) {
                    throw new LaunchException(e.reason(), e.getMessage(), e);
                }
            }

            @Override
            public void rememberLimitFiles() {
                cg.rememberLimitFiles();
            }

            @Override
            public List<Path> procsFiles() {
                return cg.procsFiles();
            }

            @Override
            public List<Path> directories() {
                return cg.directories();
            }

            @Override
            public boolean oomKilled() {
                return cg.oomKilled();
            }

            @Override
            public void kill() {
                cg.kill();
            }

            @Override
            public void remove() {
                cg.remove();
            }

            @Override
            public String version() {
                return cg.version();
            }

            @Override
            public Optional<Path> v2Directory() {
                return cg.v2Directory();
            }
        };
    }
}
