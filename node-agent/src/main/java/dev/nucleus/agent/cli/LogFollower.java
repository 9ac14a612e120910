package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.ExitStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Streams a sandbox's two log files to this process's stdout and stderr until the sandbox has ended. */
final class LogFollower {

    /** Source of the exit status; empty while the sandbox runs. */
    interface Status {
        Optional<ExitStatus> get() throws IOException;
    }

    private LogFollower() {
    }

    static ExitStatus follow(Path stdout, Path stderr, Status status) throws IOException, InterruptedException {
        return follow(stdout, stderr, status, new long[] {0, 0});
    }

    /** Follows from {@code offsets} (stdout, stderr) and leaves them at the end: a restarted run appends to the logs. */
    static ExitStatus follow(Path stdout, Path stderr, Status status, long[] offsets) throws IOException, InterruptedException {
        while (true) {
            Optional<ExitStatus> done = status.get();
            // copy after reading the status: once it exists the monitor has drained both pipes
            offsets[0] = copy(stdout, offsets[0], System.out);
            offsets[1] = copy(stderr, offsets[1], System.err);
            if (done.isPresent()) {
                return done.get();
            }
            Thread.sleep(20);
        }
    }

    /** Prints the logs once, or follows them when {@code status} is given. */
    static void print(Path stdout, Path stderr) throws IOException {
        copy(stdout, 0, System.out);
        copy(stderr, 0, System.err);
    }

    private static long copy(Path file, long offset, OutputStream out) throws IOException {
        if (!Files.exists(file)) {
            return offset;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            byte[] buf = new byte[65536];
            int n;
            while ((n = f.read(buf)) > 0) {
                out.write(buf, 0, n);
                offset += n;
            }
            out.flush();
        }
        return offset;
    }
}
