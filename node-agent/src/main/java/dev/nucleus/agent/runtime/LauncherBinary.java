package dev.nucleus.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Extracts the static C launcher shipped in the jar to a root-owned 0711 directory (traversable, not listable or
 * writable by others), named by its content hash.
 */
public final class LauncherBinary {

    static final String RESOURCE = "/native/nucleus-launcher";

    private LauncherBinary() {
    }

    /** Returns the path of an executable copy under {@code dir} (created 0711), extracting it if needed. */
    public static Path extract(Path dir) throws IOException {
        byte[] bytes;
        try (InputStream in = LauncherBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("launcher binary " + RESOURCE + " is missing from the classpath; build node-agent with gcc present");
            }
            bytes = in.readAllBytes();
        }
        // 0711: a user-namespaced sandbox's init (a mapped, unprivileged host uid) must reach the binary to bind it.
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing symlink " + dir);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path target = dir.resolve("nucleus-launcher-" + sha256(bytes).substring(0, 16));
        // r-x for everyone: each sandbox's init runs it through a bind mount, as the workload's (possibly mapped) uid.
        // It is not setuid and holds no secret; the temp file below stays 0700 until it is complete.
        var mode = PosixFilePermissions.fromString("r-xr-xr-x");
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == bytes.length) {
            if (!Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
                Files.setPosixFilePermissions(target, mode);
            }
            return target;
        }
        Path tmp = Files.createTempFile(dir, "launcher", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, mode);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
