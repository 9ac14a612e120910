package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;

/**
 * {@code nucleus supervise NAME} (hidden): the restart loop of a detached {@code run -d} whose manifest says
 * restartPolicy OnFailure. {@code run -d} copies the manifest into the sandbox's state directory and starts this in
 * its own session, so it outlives the CLI; it ends when the sandbox completes, hits its deadline, or is stopped or
 * removed.
 */
@Command(name = "supervise", hidden = true, description = "Restart a detached sandbox on failure (started by run -d).")
final class SuperviseCommand extends SandboxCommand {

    static final String MANIFEST = "sandbox.yaml";
    static final String LOG = "supervisor.log";

    @Override
    int run(SandboxRuntime runtime) throws Exception {
        Path dir = runtime.stateDirectory().open(name).dir();
        CliLifecycle lifecycle = CliLifecycle.load(runtime, name);
        var sandbox = SpecMapper.parse(dir.resolve(MANIFEST));
        SandboxConfig config = SpecMapper.map(sandbox.getMetadata().getName(), sandbox.getSpec())
                .withLogLimit(lifecycle.logLimitBytes());
        if (!config.name().equals(name)) {
            throw new IllegalArgumentException("NAME: the saved manifest is for " + config.name() + ", not " + name);
        }
        Optional<ExitStatus> last = new RestartSupervisor(runtime, lifecycle).supervise(config, n -> awaitEnd(runtime, n));
        System.out.println("nucleus supervise: " + name + " done: " + last.map(ExitStatus::reason).orElse("removed"));
        return 0;
    }

    private static ExitStatus awaitEnd(SandboxRuntime runtime, String name) throws IOException, InterruptedException {
        while (true) {
            Optional<ExitStatus> exit = runtime.await(name, Duration.ofMinutes(1));
            if (exit.isPresent()) {
                return exit.get();
            }
        }
    }

    /** Saves the manifest next to the sandbox and starts the supervisor detached (setsid), logging to its directory. */
    static void startDetached(NucleusCli cli, SandboxRuntime runtime, String name, Path manifest) throws IOException {
        Path dir = runtime.stateDirectory().open(name).dir();
        AtomicFiles.write(dir.resolve(MANIFEST), Files.readAllBytes(manifest));
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "-cp", System.getProperty("java.class.path"),
                NucleusCli.class.getName(), "--state-dir", runtime.stateDirectory().root().toString(),
                "--cgroup-root", cli.cgroupRoot, "supervise", name));
        Path log = dir.resolve(LOG);
        AtomicFiles.refuseSymlink(log);
        new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true).start();
    }
}
