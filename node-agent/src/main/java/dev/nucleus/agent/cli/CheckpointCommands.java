package dev.nucleus.agent.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.checkpoint.CheckpointKey;
import dev.nucleus.agent.checkpoint.CheckpointService;
import dev.nucleus.agent.checkpoint.CheckpointTarget;
import dev.nucleus.agent.checkpoint.CriuConfig;
import dev.nucleus.agent.checkpoint.CriuRunner;
import dev.nucleus.agent.checkpoint.ExternalMount;
import dev.nucleus.agent.checkpoint.ResourceLimits;
import dev.nucleus.agent.checkpoint.RestoreCgroups;
import dev.nucleus.agent.checkpoint.RestoreMonitor;
import dev.nucleus.agent.checkpoint.RuntimeRestoreMonitor;
import dev.nucleus.agent.landlock.LandlockAccess;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SandboxPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code nucleus checkpoint} and {@code nucleus restore}: CRIU snapshots of sandboxes started by {@code nucleus run}. */
final class CheckpointCommands {

    /** Per-sandbox file written by {@code run}: its host-path volumes, which CRIU must treat as external mounts. */
    static final String VOLUMES_FILE = "checkpoint-volumes.json";
    static final String KEY_FILE = "checkpoint.key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_HELP = "HMAC signing key file (default: $NUCLEUS_SIGNING_KEY, else <state-dir>/"
            + KEY_FILE + ", created 0600 with 32 random bytes on first use; checkpoints then verify only on this node).";
    /** Refusals of the request or of the checkpoint itself; everything else is a failed CRIU or system step. */
    private static final Set<Reason> BAD_INPUT = Set.of(Reason.InvalidRequest, Reason.NotRunning, Reason.NonRootTasks,
            Reason.GvisorUnsupported, Reason.OutputNotEmpty, Reason.MetadataMissing, Reason.MetadataInvalid,
            Reason.SymlinkRefused, Reason.SpecialFileRefused, Reason.ManifestMissing, Reason.ManifestInvalid,
            Reason.SignatureMismatch, Reason.DigestMismatch, Reason.FileMissing, Reason.UnexpectedFile,
            Reason.KeyInvalid, Reason.LandlockRestoreRefused, Reason.LandlockBlocksDump);

    private CheckpointCommands() {
    }

    @Command(name = "checkpoint", description = {"Dump a running sandbox (started by nucleus run -d) with CRIU into DIR "
            + "and print DIR. The sandbox stops unless --leave-running; on failure it keeps running untouched.",
        "Exit 2 for bad input (unknown or stopped sandbox, non-empty DIR, bad key), 1 when CRIU fails."})
    static final class Checkpoint extends SandboxCommand {
        @Option(names = "--output", required = true, description = "New or empty directory for the checkpoint.")
        Path output;
        @Option(names = "--leave-running", description = "Keep the sandbox running after the dump.")
        boolean leaveRunning;
        @Option(names = "--key", description = KEY_HELP)
        Path keyFile;

        @Override
        int run(SandboxRuntime rt) throws Exception {
            try {
                CheckpointTarget target = target(rt, name);
                var c = service(cli, rt, keyFile).checkpoint(target, output.toAbsolutePath().normalize(), leaveRunning);
                System.out.println(c.location());
                return 0;
            } catch (CheckpointException e) {
                return fail(e);
            }
        }
    }

    @Command(name = "restore", description = {"Verify a checkpoint's signature, restore it as a new sandbox and print "
            + "its name and host pid.",
        "The launcher runs criu and stays the restored sandbox's monitor: ps, logs, inspect, stop, rm, exit codes and "
            + "a new checkpoint work as for a sandbox started by nucleus run."})
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        NucleusCli cli;
        @Option(names = "--name", description = "Name of the restored sandbox (default: the checkpointed name).")
        String name;
        @Option(names = "--key", description = KEY_HELP)
        Path keyFile;
        @Option(names = "--accept-landlock-loss", description = "Restore a Landlock sandbox without Landlock (CRIU "
                + "cannot restore Landlock domains).")
        boolean acceptLandlockLoss;
        @Parameters(paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() throws Exception {
            SandboxRuntime rt = cli.runtime();
            Path ckpt = dir.toAbsolutePath().normalize();
            try {
                CheckpointService service = service(cli, rt, keyFile);
                String n = name != null ? name : checkpointedName(ckpt);
                CheckpointService.Restored r = RuntimeRestoreMonitor.restoreInto(service, rt, n, ckpt, Map.of(),
                        acceptLandlockLoss);
                rememberRestoredVolumes(rt, n, r);
                System.out.println(n + " " + r.initPid());
                return 0;
            } catch (CheckpointException e) {
                return fail(e);
            }
        }
    }

    /** After {@code run} launched a sandbox: remembers its host volumes for a later checkpoint. */
    static void rememberVolumes(SandboxRuntime rt, dev.nucleus.agent.runtime.SandboxConfig config) throws IOException {
        List<ExternalMount> volumes = new java.util.ArrayList<>();
        for (int i = 0; i < config.volumes().size(); i++) {
            if (config.volumes().get(i) instanceof dev.nucleus.agent.rootfs.Volume.HostPath h) {
                volumes.add(new ExternalMount("vol" + i, h.target(), h.source().toAbsolutePath().toString()));
            }
        }
        AtomicFiles.write(rt.stateDirectory().open(config.name()).dir().resolve(VOLUMES_FILE),
                JSON.writeValueAsBytes(volumes));
    }

    private static CheckpointTarget target(SandboxRuntime rt, String name) throws CheckpointException, IOException {
        dev.nucleus.agent.state.StateDirectory.checkId(name);
        if (!rt.stateDirectory().exists(name)) {
            throw new CheckpointException(Reason.InvalidRequest, "no sandbox named " + name + " (see: nucleus ps)");
        }
        SandboxInfo info = rt.inspect(name);
        if (info.state() != SandboxInfo.State.Running) {
            throw new CheckpointException(Reason.NotRunning, "sandbox " + name + " is " + info.state() + ", not Running");
        }
        Path volumesFile = rt.stateDirectory().open(name).dir().resolve(VOLUMES_FILE);
        if (!Files.isRegularFile(volumesFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new CheckpointException(Reason.InvalidRequest, "sandbox " + name + " was not started by nucleus run "
                    + "(no " + VOLUMES_FILE + "); only nucleus run sandboxes can be checkpointed from the CLI");
        }
        List<ExternalMount> volumes = JSON.readValue(AtomicFiles.read(volumesFile), new TypeReference<>() { });
        SandboxRecord r = info.record();
        Map<?, ?> iso = r.isolation();
        refuseScopedLandlock(name, iso);
        Map<?, ?> res = iso.get("resources") instanceof Map<?, ?> m ? m : Map.of();
        ResourceLimits limits = ResourceLimits.of(number(res.get("memoryBytes")), number(res.get("cpuMillis")),
                number(res.get("pids")), null);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", name);
        spec.put("command", r.command());
        return new CheckpointTarget(name, name, r.initPid(), r.command(), limits, volumes, JSON.valueToTree(spec),
                iso.get("landlock") instanceof Map, false, !"none".equals(iso.get("userNamespace")));
    }

    /**
     * CRIU's parasite code runs inside the dumped process and connects to criu over an abstract unix socket; a Landlock
     * domain that scopes abstract unix sockets (ABI 6+) refuses that connect and the dump fails. Say so before trying.
     */
    private static void refuseScopedLandlock(String name, Map<?, ?> iso) throws CheckpointException {
        if (iso.get("landlock") instanceof Map<?, ?> landlock
                && (number(landlock.get("scoped")) & LandlockAccess.SCOPE_ABSTRACT_UNIX_SOCKET) != 0) {
            throw new CheckpointException(Reason.LandlockBlocksDump, "sandbox " + name + " runs in a Landlock domain "
                    + "that scopes abstract unix sockets, which CRIU's parasite needs to reach criu; start it with "
                    + "--no-landlock (or with its own network, where Landlock leaves abstract sockets unscoped) to make it "
                    + "checkpointable");
        }
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private static String checkpointedName(Path ckpt) throws CheckpointException {
        // Only a hint for the default name: restore verifies the signature before it trusts anything inside.
        return dev.nucleus.agent.checkpoint.CheckpointMetadata.load(ckpt).containerName();
    }

    /** A restored sandbox can be checkpointed again from the CLI: same volume keys, same host paths. */
    private static void rememberRestoredVolumes(SandboxRuntime rt, String name, CheckpointService.Restored r)
            throws CheckpointException {
        try {
            AtomicFiles.write(rt.stateDirectory().open(name).dir().resolve(VOLUMES_FILE),
                    JSON.writeValueAsBytes(r.metadata().externalMounts()));
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, name + " was restored and runs, but its volumes could not "
                    + "be recorded for a later checkpoint: " + e.getMessage(), e);
        }
    }

    private static CheckpointService service(NucleusCli cli, SandboxRuntime rt, Path keyFile)
            throws CheckpointException {
        CheckpointKey key = key(rt.stateDirectory().root(), keyFile);
        String v = NucleusCli.class.getPackage().getImplementationVersion();
        return new CheckpointService(new CriuRunner(CriuConfig.fromEnvironment()), key,
                RestoreCgroups.of(CgroupManager.system(cli.cgroupRoot)), hostname(), v == null ? "development" : v);
    }

    /** --key, else $NUCLEUS_SIGNING_KEY, else the node-local key under the state dir (generated once). */
    static CheckpointKey key(Path stateRoot, Path keyFile) throws CheckpointException {
        if (keyFile != null) {
            return CheckpointKey.load(keyFile);
        }
        String env = System.getenv("NUCLEUS_SIGNING_KEY");
        if (env != null && !env.isBlank()) {
            return CheckpointKey.load(Path.of(env));
        }
        Path local = stateRoot.resolve(KEY_FILE);
        return Files.exists(local, LinkOption.NOFOLLOW_LINKS) ? CheckpointKey.load(local) : CheckpointKey.generate(local);
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int fail(CheckpointException e) {
        System.err.println("nucleus: " + e.getMessage());
        // A corrupt checkpoint is one line: criu may have run (page images are checked while it restores), but
        // its log of the aborted restore says nothing about what is wrong with the checkpoint.
        boolean corrupt = dev.nucleus.api.v1alpha1.Reasons.CHECKPOINT_CORRUPT.equals(e.apiReason(true));
        for (String line : corrupt ? java.util.List.<String>of() : e.criuLog()) {
            System.err.println("  criu: " + line);
        }
        return BAD_INPUT.contains(e.reason()) ? NucleusCli.USAGE : 1;
    }
}
