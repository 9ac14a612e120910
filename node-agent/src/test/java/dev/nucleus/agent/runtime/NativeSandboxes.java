package dev.nucleus.agent.runtime;

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

    NativeSandboxes(SandboxPolicies policies) throws IOException {
        stateRoot = Files.createTempDirectory("nucleus-native-");
        Files.setPosixFilePermissions(stateRoot, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        runtime = SandboxRuntime.open(stateRoot, policies, true);  // every wall test also proves the zygote path
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
        runtime.launch(config);
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
        try (var s = Files.walk(stateRoot)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
