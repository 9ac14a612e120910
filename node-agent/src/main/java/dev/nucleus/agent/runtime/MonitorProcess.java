package dev.nucleus.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A monitor forked by the {@link LauncherZygote}: not this JVM's child, but it holds its end of the launch's
 * connection until it exits (after writing the exit status), so the end of that stream is its exit. The exit status
 * that matters is the sandbox's, in its status file; {@link #exitValue()} is 0 once the monitor is gone.
 */
final class MonitorProcess extends Process {

    private final long pid;
    private final SocketChannel ch;
    private boolean ended;  // guarded by this

    MonitorProcess(long pid, SocketChannel ch) {
        this.pid = pid;
        this.ch = ch;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public int waitFor() throws InterruptedException {
        while (!waitFor(1, TimeUnit.DAYS)) {
            // keep waiting
        }
        return 0;
    }

    @Override
    public synchronized boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        try (Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            while (!drained()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return true;
        } catch (IOException e) {
            end();  // a broken connection: the monitor is gone too
            return true;
        }
    }

    /** Reads whatever is there; true once the monitor closed its end. */
    private boolean drained() throws IOException {
        if (ended) {
            return true;
        }
        ByteBuffer sink = ByteBuffer.allocate(256);
        for (int n; (n = ch.read(sink)) != 0; sink.clear()) {
            if (n < 0) {
                end();
                return true;
            }
        }
        return false;
    }

    private void end() {
        ended = true;
        try {
            ch.close();
        } catch (IOException e) {
            // closing a finished connection: nothing to recover
        }
    }

    @Override
    public int exitValue() {
        try {
            if (waitFor(0, TimeUnit.NANOSECONDS)) {
                return 0;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalThreadStateException("monitor " + pid + " is still running");
    }

    @Override
    public boolean isAlive() {
        try {
            return !waitFor(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Signals only while the connection is open: until then the pid cannot have been recycled. */
    @Override
    public void destroy() {
        signal(false);
    }

    @Override
    public Process destroyForcibly() {
        signal(true);
        return this;
    }

    private void signal(boolean kill) {
        if (isAlive()) {
            ProcessHandle.of(pid).ifPresent(h -> {
                if (kill) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            });
        }
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }
}
