package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * The cluster-wide HMAC-SHA256 key that signs checkpoint manifests, read from a file (a Secret mounted into every
 * agent), so a checkpoint taken on one node verifies on any other; unlike the original's per-host key.
 */
public final class CheckpointKey {

    public static final int MIN_BYTES = 32;
    private static final int MAX_BYTES = 4096;

    private final byte[] key;
    private final String id;

    private CheckpointKey(byte[] key) {
        this.key = key.clone();
        this.id = HexFormat.of().formatHex(sha256(key), 0, 8);
    }

    /** Wraps raw key bytes (at least 32). */
    public static CheckpointKey of(byte[] key) throws CheckpointException {
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new CheckpointException(Reason.KeyInvalid,
                    "signing key must be " + MIN_BYTES + ".." + MAX_BYTES + " bytes, got " + key.length);
        }
        return new CheckpointKey(key);
    }

    /**
     * Loads the key file. Symlinks are followed on purpose: Secret volumes are symlinks into {@code ..data/}; trust
     * comes from the mount, so the file it resolves to must be a regular file nobody but its owner can write.
     */
    public static CheckpointKey load(Path file) throws CheckpointException {
        try {
            Path real = file.toRealPath();
            PosixFileAttributes attrs = Files.readAttributes(real, PosixFileAttributes.class);
            if (!attrs.isRegularFile()) {
                throw new CheckpointException(Reason.KeyInvalid, file + " is not a regular file");
            }
            if (attrs.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || attrs.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new CheckpointException(Reason.KeyInvalid, file + " is writable by group or others");
            }
            return of(Files.readAllBytes(real));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CheckpointException(Reason.KeyInvalid, "signing key " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.KeyInvalid, "cannot read signing key " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes 32 fresh random bytes to {@code file} (0600, atomically): a key for a single host or a new Secret. */
    public static CheckpointKey generate(Path file) throws CheckpointException {
        byte[] bytes = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(bytes);
        CheckpointFiles.write(file, bytes);
        return new CheckpointKey(bytes);
    }

    /** A short public fingerprint (first 8 bytes of SHA-256 of the key), so a mismatch can name the wrong key. */
    public String id() {
        return id;
    }

    byte[] sign(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Constant-time comparison of a signature against this key's signature of {@code data}. */
    boolean verify(byte[] data, byte[] signature) {
        return MessageDigest.isEqual(sign(data), signature);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "CheckpointKey[" + id + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckpointKey k && Arrays.equals(sha256(key), sha256(k.key));
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }
}
