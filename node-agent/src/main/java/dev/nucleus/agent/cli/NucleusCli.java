package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.StateDirectory;
import dev.nucleus.agent.watch.AgentCommand;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code nucleus} command line: run and manage sandboxes on this machine, the embedded default. */
@Command(name = "nucleus", mixinStandardHelpOptions = true, versionProvider = NucleusCli.Version.class,
        description = "Run isolated sandboxes on this machine.",
        subcommands = {RunCommand.class, ManageCommands.Ps.class, ManageCommands.Logs.class, ManageCommands.Stop.class,
            ManageCommands.Rm.class, ManageCommands.Inspect.class, ManageCommands.Check.class, CheckpointCommands.Checkpoint.class,
            CheckpointCommands.Restore.class, BenchCommand.class, SuperviseCommand.class,
            AgentCommand.class})
public final class NucleusCli {

    /** Exit code for bad flags or specs. */
    public static final int USAGE = 2;

    @Option(names = "--state-dir", description = "State directory (default: $NUCLEUS_STATE_DIR or /var/lib/nucleus).")
    Path stateDir;

    @Option(names = "--cgroup-root", defaultValue = "nucleus", description = "cgroup below this process's own cgroup that holds the sandboxes (default: ${DEFAULT-VALUE}).")
    String cgroupRoot;

    /** Closed when the command returns: a launch's state file is durable before the CLI exits. */
    private final java.util.List<SandboxRuntime> opened = new java.util.ArrayList<>();

    SandboxRuntime runtime() throws IOException {
        return runtime(false);
    }

    /** With {@code zygote}, launches fork from a pre-spawned launcher (worth it only for many launches per JVM). */
    SandboxRuntime runtime(boolean zygote) throws IOException {
        Path root = stateDir != null ? stateDir
                : System.getenv("NUCLEUS_STATE_DIR") != null ? Path.of(System.getenv("NUCLEUS_STATE_DIR")) : StateDirectory.DEFAULT_ROOT;
        SandboxRuntime rt = SandboxRuntime.open(root, NodePolicies.system(cgroupRoot), zygote);
        opened.add(rt);
        return rt;
    }

    /** Waits for the state files the command's launches published and stops their zygotes; sandboxes run on. */
    private void closeRuntimes() {
        for (SandboxRuntime rt : opened) {
            try {
                rt.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                System.err.println("nucleus: " + e.getMessage());
            }
        }
        opened.clear();
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI; bad input gives one line naming the field and the fix, and exit code 2. */
    public static int execute(String... args) {
        NucleusCli cli = new NucleusCli();
        try {
            return execute(cli, args);
        } finally {
            cli.closeRuntimes();
        }
    }

    private static int execute(NucleusCli cli, String... args) {
        CommandLine cl = new CommandLine(cli);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("nucleus: " + e.getMessage());
                return USAGE;
            }
            if (e instanceof dev.nucleus.agent.runtime.LaunchException le) {
                // invalid input found while planning (a volume, a rule) is a usage error like a bad flag
                boolean invalid = le.reason().startsWith("Invalid") || le.reason().endsWith("Invalid");
                cmd.getErr().println("nucleus: " + (invalid ? "" : le.reason() + ": ") + le.getMessage());
                return invalid ? USAGE : 125;
            }
            cmd.getErr().println("nucleus: " + e.getMessage());
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("nucleus: " + e.getMessage() + " (see: nucleus "
                    + e.getCommandLine().getCommandName() + " --help)");
            return USAGE;
        });
        return cl.execute(args);
    }

    /** Version from the jar manifest (the root pom's version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = NucleusCli.class.getPackage().getImplementationVersion();
            return new String[] {"nucleus " + (v == null ? "development build" : v)};
        }
    }
}
