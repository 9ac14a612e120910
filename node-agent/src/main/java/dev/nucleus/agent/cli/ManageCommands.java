package dev.nucleus.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nucleus.agent.node.NodeProbe;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxRuntime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** The sandbox management subcommands: ps, logs, stop, rm, inspect, check. */
final class ManageCommands {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManageCommands() {
    }

    @Command(name = "ps", description = "List sandboxes.")
    static final class Ps implements Callable<Integer> {
        @ParentCommand
        NucleusCli cli;

        @Override
        public Integer call() throws Exception {
            SandboxRuntime rt = cli.runtime();
            System.out.printf("%-28s %-8s %-8s %-18s %s%n", "NAME", "STATE", "PID", "EXIT", "COMMAND");
            for (SandboxInfo i : rt.list()) {
                // ttlSecondsAfterFinished: with no operator around, listing is when the CLI collects expired sandboxes
                if (i.exit().isPresent() && CliLifecycle.load(rt, i.name()).expired(i.exit().get(), System.currentTimeMillis())) {
                    rt.remove(i.name());
                    System.err.println("nucleus: removed " + i.name() + " (finished longer than its ttlSecondsAfterFinished ago)");
                    continue;
                }
                String exit = i.exit().map(e -> e.shellCode() + " " + e.reason()).orElse("");
                System.out.printf("%-28s %-8s %-8d %-18s %s%n", i.name(), i.state(), i.record().initPid(), exit,
                        String.join(" ", i.record().command()));
            }
            return 0;
        }
    }

    @Command(name = "logs", description = "Print a sandbox's output.")
    static final class Logs extends SandboxCommand {
        @Option(names = {"-f", "--follow"}, description = "Keep printing until the sandbox ends.")
        boolean follow;

        @Override
        int run(SandboxRuntime rt) throws Exception {
            var paths = rt.stateDirectory().open(name);
            if (follow) {
                LogFollower.follow(paths.stdoutLog(), paths.stderrLog(), () -> rt.exitStatus(name));
            } else {
                LogFollower.print(paths.stdoutLog(), paths.stderrLog());
            }
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop a sandbox: SIGTERM, then kill after the grace period.")
    static final class Stop extends SandboxCommand {
        @Option(names = {"-t", "--time"}, description = "Grace period in seconds (default: the manifest's stopGracePeriodSeconds, else 10).")
        Long grace;

        @Override
        int run(SandboxRuntime rt) throws Exception {
            var exit = rt.stop(name, grace != null ? Duration.ofSeconds(grace) : CliLifecycle.load(rt, name).grace());
            System.out.println(name + ": " + exit.map(e -> e.reason() + " (" + e.shellCode() + ")").orElse("still running"));
            return exit.isPresent() ? 0 : 1;
        }
    }

    @Command(name = "rm", description = "Remove a sandbox (stopping it first) and everything it left on this machine.")
    static final class Rm extends SandboxCommand {
        @Override
        int run(SandboxRuntime rt) throws Exception {
            if (rt.inspect(name).state() == SandboxInfo.State.Running) {
                rt.stop(name, CliLifecycle.load(rt, name).grace());  // the sandbox's own grace period, then the cgroup kill
            }
            rt.remove(name);
            System.out.println(name);
            return 0;
        }
    }

    @Command(name = "inspect", description = "Show a sandbox's state and effective isolation as JSON.")
    static final class Inspect extends SandboxCommand {
        @Override
        int run(SandboxRuntime rt) throws Exception {
            SandboxInfo i = rt.inspect(name);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", i.name());
            out.put("state", i.state());
            out.put("command", i.record().command());
            out.put("monitorPid", i.record().monitorPid());
            out.put("initPid", i.record().initPid());
            out.put("restartCount", i.record().restartCount());
            out.put("cgroupVersion", i.record().cgroupVersion());
            out.put("isolation", i.record().isolation());
            i.exit().ifPresent(e -> out.put("exit", Map.of("exitCode", e.exitCode(), "signal", e.signal(),
                    "reason", e.reason(), "finishedAtMillis", e.finishedAtMillis())));
            System.out.println(JSON.writeValueAsString(out));
            return 0;
        }
    }

    @Command(name = "check", description = "Show what this node can enforce (kernel, cgroups, Landlock, seccomp, CRIU, runsc).")
    static final class Check implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(new NodeProbe().probe().toJson());
            return 0;
        }
    }
}
