package dev.nucleus.agent.rootfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Refuses volume sources that would hand the sandbox the host's secrets or control files, and unsafe targets. */
public final class VolumeValidator {

    /** Host sources refused after resolving {@code ..} and symlinks (the source itself or anything beneath). */
    static final List<Path> SENSITIVE_SOURCES = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"),
            Path.of("/etc"), Path.of("/boot"), Path.of("/root"), Path.of("/run"), Path.of("/var/run"));
    /** Targets that would shadow the sandbox's system or kernel views. */
    static final List<String> RESERVED_TARGETS = List.of("/proc", "/sys", "/dev", "/etc", "/usr", "/bin", "/sbin",
            "/lib", "/lib32", "/lib64", "/libx32", "/boot");
    /** 64 GiB: above that a tmpfs is a memory-exhaustion request, not a volume. */
    static final long MAX_TMPFS_BYTES = 64L << 30;

    private final HostFiles files;
    private final Path stateRoot;

    public VolumeValidator(HostFiles files, Path stateRoot) {
        this.files = files;
        this.stateRoot = stateRoot;
    }

    /** Returns the volume with its source resolved to a real path, or explains why it is refused. */
    public Volume validate(Volume volume, String field) throws InvalidMountException {
        String target = checkTarget(volume.target(), field + ".mountPath");
        if (volume instanceof Volume.Tmpfs t) {
            if (t.sizeBytes() <= 0 || t.sizeBytes() > MAX_TMPFS_BYTES) {
                throw new InvalidMountException(field + ".sizeLimit", "tmpfs size must be between 1 byte and 64Gi");
            }
            return new Volume.Tmpfs(target, t.sizeBytes());
        }
        Volume.HostPath h = (Volume.HostPath) volume;
        if (!h.source().isAbsolute()) {
            throw new InvalidMountException(field + ".path", "host path must be absolute, got " + h.source());
        }
        Path real;
        try {
            real = files.realPath(h.source());
        } catch (IOException e) {
            throw new InvalidMountException(field + ".path", "host path " + h.source() + " does not exist; create it first");
        }
        if (real.getNameCount() == 0) {
            throw new InvalidMountException(field + ".path", "the host's / cannot be a volume; mount a subdirectory");
        }
        for (Path s : SENSITIVE_SOURCES) {
            if (real.startsWith(s)) {
                throw new InvalidMountException(field + ".path", "host path " + h.source() + " resolves to " + real
                        + " under sensitive " + s + "; choose a data directory instead");
            }
        }
        if (real.startsWith(stateRoot) || stateRoot.startsWith(real)) {
            throw new InvalidMountException(field + ".path", "host path " + real
                    + " overlaps the Nucleus state directory " + stateRoot + "; choose another directory");
        }
        return new Volume.HostPath(real, target, h.readOnly());
    }

    /** Absolute, normalized, no {@code ..}, not a reserved system location. */
    public static String checkTarget(String target, String field) throws InvalidMountException {
        if (target == null || !target.startsWith("/")) {
            throw new InvalidMountException(field, "mount path must be absolute, got '" + target + "'");
        }
        Path p = Path.of(target);
        if (!p.normalize().toString().equals(target) || target.contains("/../") || target.endsWith("/..")
                || target.length() > 1 && target.endsWith("/")) {
            throw new InvalidMountException(field, "mount path '" + target + "' must be normalized (no '..', '.', '//' or trailing '/')");
        }
        if (target.equals("/")) {
            throw new InvalidMountException(field, "a volume cannot replace /; use rootfs.path instead");
        }
        for (String r : RESERVED_TARGETS) {
            if (target.equals(r) || target.startsWith(r + "/")) {
                throw new InvalidMountException(field, "mount path " + target + " is reserved (" + r + "); mount it elsewhere, e.g. /data");
            }
        }
        if (target.chars().anyMatch(c -> c < 0x20 || c == ',' || c == ':')) {
            throw new InvalidMountException(field, "mount path contains control characters, ',' or ':'");
        }
        return target;
    }
}
