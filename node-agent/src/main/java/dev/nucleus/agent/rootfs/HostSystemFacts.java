package dev.nucleus.agent.rootfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caches, between launches, the host facts behind the {@code rootfs.host} part of a mount plan: the kind and link
 * target of the host system directories and of the curated /etc entries. Nothing else is cached: volume sources,
 * {@code rootfs.path} and its mount targets, and /proc (a module can add a /proc entry at any time) are looked up
 * on every launch through the host itself.
 *
 * <p>Why it is safe: what is cached is the type of a directory entry (and a symlink's target), and that changes only
 * when the entry is created, removed, renamed or replaced, which updates the mtime and ctime of the directory holding
 * it (a mount cannot change an entry's type: the kernel mounts only a directory over a directory and a file over a
 * file). Every launch first compares the stamps (device, inode, mtime, ctime) of those directories, "/", "/etc" and
 * "/etc/ssl", with the ones the cache was filled under and starts afresh on any difference; ctime cannot be set back
 * from user space. A host whose stamps cannot be read caches nothing.
 */
public final class HostSystemFacts {

    private final HostFiles host;
    private final Set<Path> cached;
    private final List<Path> watched;
    private volatile Snapshot current;

    private record Snapshot(List<String> stamps, Map<Path, HostFiles.Kind> kinds, Map<Path, String> links) {
    }

    public HostSystemFacts(HostFiles host) {
        this.host = host;
        this.cached = Set.copyOf(MountPlanner.hostSystemPaths());
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : cached) {
            for (Path d = p.getParent(); d != null; d = d.getParent()) {
                dirs.add(d);
            }
        }
        this.watched = List.copyOf(dirs);
    }

    /** The directories whose stamps guard the cache (every ancestor of a cached path). */
    public List<Path> watchedDirectories() {
        return watched;
    }

    /**
     * The facts to plan one launch with: answers from the cache for the host system paths while no watched
     * directory changed, straight from the host for every other path.
     */
    public HostFiles forLaunch() {
        List<String> stamps = new ArrayList<>(watched.size());
        for (Path d : watched) {
            Optional<String> s = host.changeStamp(d);
            if (s.isEmpty()) {
                return host;
            }
            stamps.add(s.get());
        }
        Snapshot s = current;
        if (s == null || !s.stamps().equals(stamps)) {
            s = new Snapshot(List.copyOf(stamps), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
            current = s;
        }
        return new View(s);
    }

    private final class View implements HostFiles {
        private final Snapshot s;

        View(Snapshot s) {
            this.s = s;
        }

        @Override
        public Kind kind(Path path) {
            return cached.contains(path) ? s.kinds().computeIfAbsent(path, host::kind) : host.kind(path);
        }

        @Override
        public String readLink(Path path) throws IOException {
            if (!cached.contains(path)) {
                return host.readLink(path);
            }
            String l = s.links().get(path);
            if (l == null) {
                l = host.readLink(path);
                s.links().put(path, l);
            }
            return l;
        }

        @Override
        public Path realPath(Path path) throws IOException {
            return host.realPath(path);
        }

        @Override
        public Optional<String> changeStamp(Path dir) {
            return host.changeStamp(dir);
        }
    }
}
