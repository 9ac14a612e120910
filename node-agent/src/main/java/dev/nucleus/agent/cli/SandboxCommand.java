package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.SandboxRuntime;
import java.util.concurrent.Callable;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** A subcommand about one existing sandbox, named by its positional NAME, run against the CLI's state directory. */
abstract class SandboxCommand implements Callable<Integer> {

    @ParentCommand
    NucleusCli cli;
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public final Integer call() throws Exception {
        return run(cli.runtime());
    }

    /** The command's work on {@link #name}; its result is the process's exit code. */
    abstract int run(SandboxRuntime runtime) throws Exception;
}
