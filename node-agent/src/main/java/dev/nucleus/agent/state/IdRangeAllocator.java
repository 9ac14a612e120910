package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hands out disjoint host uid/gid ranges to user-namespaced sandboxes. The registry ({@code userns-ranges} under the
 * state root, one {@code <slot> <sandbox>} line each) is only read and rewritten while holding an exclusive lock on
 * {@code userns-ranges.lock}, so concurrent launches, from one agent's threads or from separate CLI processes, never
 * get the same range; it is replaced atomically ({@link AtomicFiles#write}). A range is freed by {@link #release}
 * (on {@code rm} and failed launches) and, should a process have died between the two, when its sandbox's directory
 * is gone at the next allocation.
 */
public final class IdRangeAllocator {

    /** The first range starts above every id a host normally uses (1,048,576). */
    public static final long DEFAULT_BASE = 1L << 20;
    /** Each sandbox maps 65,536 ids, so uid 0 to 65535 exist inside. */
    public static final long RANGE_SIZE = 65536;
    /** 16,000 ranges end below 2^30, far from the 2^32 - 1 limit of an id. */
    public static final int DEFAULT_SLOTS = 16_000;

    // FileChannel.lock is an fcntl lock, held per process: threads of one JVM queue on this monitor first.
    private static final Object JVM_LOCK = new Object();

    private final StateDirectory state;
    private final Path registry;
    private final Path lockFile;
    private final long base;
    private final int slots;

    public IdRangeAllocator(StateDirectory state) {
        this(state, DEFAULT_BASE, DEFAULT_SLOTS);
    }

    IdRangeAllocator(StateDirectory state, long base, int slots) {
        this.state = state;
        this.registry = state.root().resolve("userns-ranges");
        this.lockFile = state.root().resolve("userns-ranges.lock");
        this.base = base;
        this.slots = slots;
    }

    /** The first host id of {@code sandbox}'s range: the one it already holds, or the lowest free one. */
    public long allocate(String sandbox) throws IOException {
        StateDirectory.checkId(sandbox);
        synchronized (JVM_LOCK) {
            try (FileChannel lock = openLock(); FileLock held = lock.lock()) {
                Map<Integer, String> taken = read();
                for (Map.Entry<Integer, String> e : taken.entrySet()) {
                    if (e.getValue().equals(sandbox)) {
                        return hostId(e.getKey());
                    }
                }
                Set<String> present = new HashSet<>(state.list());
                taken.values().removeIf(name -> !present.contains(name));
                for (int slot = 0; slot < slots; slot++) {
                    if (!taken.containsKey(slot)) {
                        taken.put(slot, sandbox);
                        write(taken);
                        return hostId(slot);
                    }
                }
                throw new IdRangesExhaustedException(slots);
            }
        }
    }

    /** Frees {@code sandbox}'s range; nothing happens when it holds none. */
    public void release(String sandbox) throws IOException {
        synchronized (JVM_LOCK) {
            try (FileChannel lock = openLock(); FileLock held = lock.lock()) {
                Map<Integer, String> taken = read();
                if (taken.values().removeIf(sandbox::equals)) {
                    write(taken);
                }
            }
        }
    }

    /** The first host id of the range {@code sandbox} holds, if any. */
    public OptionalLong lookup(String sandbox) throws IOException {
        for (Map.Entry<Integer, String> e : read().entrySet()) {  // the registry is replaced atomically: no lock needed
            if (e.getValue().equals(sandbox)) {
                return OptionalLong.of(hostId(e.getKey()));
            }
        }
        return OptionalLong.empty();
    }

    private long hostId(int slot) {
        return base + slot * RANGE_SIZE;
    }

    private FileChannel openLock() throws IOException {
        AtomicFiles.refuseSymlink(lockFile);
        return FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /** A registry that cannot be parsed hands out nothing: a guess could give two sandboxes the same ids. */
    private Map<Integer, String> read() throws IOException {
        Map<Integer, String> taken = new TreeMap<>();
        if (!Files.exists(registry, LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.refuseSymlink(registry);
            return taken;
        }
        for (String line : new String(AtomicFiles.read(registry), StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ");
            int slot;
            try {
                slot = f.length == 2 ? Integer.parseInt(f[0]) : -1;
                StateDirectory.checkId(f.length == 2 ? f[1] : "");
            } catch (IllegalArgumentException e) {
                slot = -1;
            }
            if (slot < 0 || taken.putIfAbsent(slot, f[1]) != null) {
                throw new IOException("corrupt user namespace range registry " + registry + ": line '" + line
                        + "'; fix or remove it after checking which sandboxes still run");
            }
        }
        return taken;
    }

    private void write(Map<Integer, String> taken) throws IOException {
        StringBuilder b = new StringBuilder();
        taken.forEach((slot, name) -> b.append(slot).append(' ').append(name).append('\n'));
        AtomicFiles.write(registry, b.toString().getBytes(StandardCharsets.UTF_8));
    }
}
