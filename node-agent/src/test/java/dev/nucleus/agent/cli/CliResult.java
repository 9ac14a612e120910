package dev.nucleus.agent.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One in-process `nucleus` invocation for CLI tests: its exit code and what it printed. */
record CliResult(int code, String out, String err) {

    /** Unique per test JVM: CLI tests of parallel builds on one machine must not share sandbox cgroups. */
    static final String CGROUP_ROOT = "nucleus-cli-test-" + ProcessHandle.current().pid();

    /** Runs the CLI against its own state directory and cgroup root, capturing stdout and stderr. */
    static CliResult run(Path stateDir, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 2];
            all[0] = "--state-dir=" + stateDir;
            all[1] = "--cgroup-root=" + CGROUP_ROOT;
            System.arraycopy(args, 0, all, 2, args.length);
            int code = NucleusCli.execute(all);
            return new CliResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A test's clean-up: {@code nucleus rm} of every sandbox left in {@code stateDir}, if it was ever made. */
    static void removeAll(Path stateDir) throws IOException {
        Path sandboxes = stateDir.resolve("sandboxes");
        if (Files.isDirectory(sandboxes)) {
            try (var names = Files.list(sandboxes)) {
                for (Path p : names.toList()) {
                    run(stateDir, "rm", p.getFileName().toString());
                }
            }
        }
    }
}
