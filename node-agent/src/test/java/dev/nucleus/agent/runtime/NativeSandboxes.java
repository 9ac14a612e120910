package dev.nucleus.agent.runtime;

import dev.nucleus.agent.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Test helper: a real runtime on a throw-away state root, and a one-call "run this and give me its output". */
final class NativeSandboxes implements AutoCloseable {

    private static final AtomicInteger SEQ = new AtomicInteger();

    final Path stateRoot;
    final SandboxRuntime runtime;
    private final List<String> created = new ArrayList<>();
    private final boolean pooled;

    NativeSandboxes(SandboxPolicies policies) throws IOException {
        this(policies, 0);
    }

    /**
     * With {@code pool} > 0 every launch of the warm pool's shape waits for a member and must have claimed one (and
     * every other must be cold): the same wall tests then prove the pooled path.
     */
    NativeSandboxes(SandboxPolicies policies, int pool) throws IOException {
        stateRoot = TempDirs.stateRoot("nucleus-native-");
        runtime = SandboxRuntime.open(stateRoot, policies, true);  // every wall test also proves the zygote path
        pooled = pool > 0;
        try {
            runtime.enableWarmPool(pool, PoolShape.NETWORK_NONE);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    /**
     * {@link SandboxPolicies#unavailable()} (no cgroups, seccomp or Landlock for a workload) that still compiles the
     * filter a warm-pool member's pid 1 puts on itself: a pool is never made without it.
     */
    static SandboxPolicies unavailableButTheReaper() {
        SandboxPolicies none = SandboxPolicies.unavailable();
        return new SandboxPolicies() {
            @Override
            public java.util.Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources r) throws LaunchException {
                return none.createCgroup(id, r);
            }

            @Override
            public java.util.Optional<CgroupHandle> findCgroup(String id) {
                return none.findCgroup(id);
            }

            @Override
            public Compiled seccomp(SandboxConfig c) throws LaunchException {
                return none.seccomp(c);
            }

            @Override
            public java.util.Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) throws LaunchException {
                return none.landlock(c);
            }

            @Override
            public byte[] reaperSeccomp() {
                return new dev.nucleus.agent.seccomp.SeccompCompiler().compileReaper().bpf();
            }
        };
    }

    /** Launches {@code config}; in pooled mode from a member whenever its shape allows (asserted). */
    SandboxRecord launch(SandboxConfig config) throws Exception {
        boolean poolable = pooled && PoolShape.of(config).equals(java.util.Optional.of(PoolShape.NETWORK_NONE));
        if (poolable && !runtime.awaitWarmPool(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the warm pool did not fill: " + runtime.warmPoolReport());
        }
        SandboxRecord r = runtime.launch(config);
        if ((r.poolMember() != null) != poolable) {
            throw new AssertionError(config.name() + (poolable ? " should have claimed a member" : " should be cold"));
        }
        return r;
    }

    /** A unique sandbox name. */
    String name(String prefix) {
        String n = prefix + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
        created.add(n);
        return n;
    }

    /** Output of one finished run. */
    record Run(ExitStatus exit, String stdout, String stderr) {
    }

    Run run(SandboxConfig config) throws Exception {
        launch(config);
        ExitStatus exit = runtime.await(config.name(), Duration.ofSeconds(60)).orElseThrow();
        var paths = runtime.stateDirectory().open(config.name());
        return new Run(exit, Files.readString(paths.stdoutLog(), StandardCharsets.UTF_8),
                Files.readString(paths.stderrLog(), StandardCharsets.UTF_8));
    }

    /** Runs {@code sh -c script} with the given config template. */
    Run sh(SandboxConfig template, String script) throws Exception {
        return run(template.withCommand(List.of("/bin/sh", "-c", script)));
    }

    @Override
    public void close() throws Exception {
        for (String n : created) {
            if (runtime.stateDirectory().exists(n)) {
                runtime.remove(n);
            }
        }
        runtime.close();
        TempDirs.deleteTree(stateRoot);
    }
}
