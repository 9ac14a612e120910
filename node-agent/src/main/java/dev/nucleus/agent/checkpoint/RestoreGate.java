package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.state.DirectoryTrees;

/**
 * The agent's side of a gated restore. criu runs the launcher as its action script; at {@code post-restore} (every
 * task restored, none has run its own code yet) the launcher connects to this gate's socket and criu only lets the
 * tasks go if the answer is {@code y}. The answer is {@code y} only once the page images, hashed in parallel with
 * the restore, matched the signed manifest; otherwise {@code n}, and criu kills the restored tree. A gate closed
 * without an answer (the restore failed earlier, or the agent gave up) also makes the launcher refuse.
 */
final class RestoreGate implements AutoCloseable {

    /** criu's environment names the gate's socket; the launcher, run as criu's action script, connects to it. */
    static final String ENV = "NUCLEUS_RESTORE_GATE";

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread answerer;
    private volatile boolean released;
    private volatile long waitedMillis = -1;

    private RestoreGate(Path dir, ServerSocketChannel server, CompletableFuture<Void> pages) {
        this.dir = dir;
        this.socket = dir.resolve("gate");
        this.server = server;
        this.answerer = new Thread(() -> answer(pages), "restore-gate");
        this.answerer.setDaemon(true);
    }

    /**
     * Opens a gate whose answer is the outcome of {@code pages}. The socket lives in a fresh 0700 directory under
     * the JVM's temp dir (a sockaddr_un path must stay under 108 bytes; state directories can be deeper).
     */
    static RestoreGate open(CompletableFuture<Void> pages) throws CheckpointException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nucleus-gate-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(dir.resolve("gate")));
            RestoreGate gate = new RestoreGate(dir, server, pages);
            gate.answerer.start();
            return gate;
        } catch (IOException | UnsupportedOperationException e) {
            if (dir != null) {
                DirectoryTrees.deleteQuietly(dir);
            }
            throw new CheckpointException(Reason.IoFailed, "cannot open the restore gate: " + e.getMessage(), e);
        }
    }

    /** {@code KEY=VALUE} for criu's environment. */
    String environment() {
        return ENV + "=" + socket;
    }

    private void answer(CompletableFuture<Void> pages) {
        try (SocketChannel hook = server.accept()) {
            long asked = System.nanoTime();
            boolean ok;
            try {
                pages.get();
                ok = true;
            } catch (ExecutionException e) {
                ok = false;
            }
            hook.write(ByteBuffer.wrap(new byte[] {(byte) (ok ? 'y' : 'n')}));
            released = ok;
            waitedMillis = (System.nanoTime() - asked) / 1_000_000;
        } catch (IOException e) {
            // closed before criu asked (its restore failed earlier) or the hook went away: no 'y' was sent
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long criu's hook waited for the answer (the page check still running), or -1 if it never asked. */
    long waitedMillis() {
        return waitedMillis;
    }

    /** Whether the gate let the restored tasks go: they ran only if this is true. */
    boolean released() {
        return released;
    }

    /**
     * Closes the socket and waits for the answerer: it is either still waiting for criu (the close ends that) or
     * answering (criu asked, so the page check it waits for is already running and ends).
     */
    @Override
    public void close() {
        try {
            server.close();
            answerer.join();
        } catch (IOException e) {
            // the directory goes below either way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            DirectoryTrees.deleteQuietly(dir);
        }
    }
}
