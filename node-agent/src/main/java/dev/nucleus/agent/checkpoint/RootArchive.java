package dev.nucleus.agent.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * Writes the sandbox root mount's own contents as a ustar archive, read through {@code /proc/PID/root}: every
 * mount point is kept (CRIU mounts onto it at restore) but nothing below or inside it is copied. Mount points come
 * from the process's mountinfo rather than from device numbers, because a restored sandbox's root is a bind mount
 * of a host directory that shares its device with the host's own binds ({@code tar --one-file-system} would walk
 * into {@code /usr}).
 */
final class RootArchive {

    private static final int BLOCK = 512;

    private RootArchive() {
    }

    /**
     * Archives the root of {@code pid} into {@code archive}. Like CRIU's images it is not fsync'ed here: the
     * checkpoint's {@link BulkSync} syncs it with the images before the manifest is signed.
     */
    static void write(long pid, Path archive) throws CheckpointException {
        Path root = Path.of("/proc", Long.toString(pid), "root", ".");  // "." so the magic link itself is followed
        try {
            Set<String> mountPoints = mountPoints(pid);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), 1 << 16)) {
                Files.walkFileTree(root, new Writer(root, mountPoints, out));
                out.write(new byte[2 * BLOCK]);
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot archive the root of pid " + pid + ": " + e, e);
        }
    }

    /** Mount points of {@code pid} other than its root, as archive names ({@code ./usr}), octal escapes decoded. */
    static Set<String> mountPoints(long pid) throws IOException {
        Set<String> points = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "mountinfo"))) {
            String point = unescape(line.split(" ")[4]);
            if (!point.equals("/")) {
                points.add("." + point);
            }
        }
        return points;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    /** Emits one ustar entry per directory, file, symlink or device; mount points without their contents. */
    private static final class Writer extends SimpleFileVisitor<Path> {
        private final Path root;
        private final Set<String> mountPoints;
        private final OutputStream out;

        Writer(Path root, Set<String> mountPoints, OutputStream out) {
            this.root = root;
            this.mountPoints = mountPoints;
            this.out = out;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
            String name = name(dir);
            entry(dir, name + "/", '5', 0);
            return mountPoints.contains(name) && !dir.equals(root) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
            String name = name(file);
            if (a.isSymbolicLink()) {
                entry(file, name, '2', 0);
            } else if (a.isRegularFile()) {
                // A file mount point is only needed as a place to mount onto: its (host) content is not copied.
                long size = mountPoints.contains(name) ? 0 : a.size();
                entry(file, name, '0', size);
                if (size > 0) {
                    copy(file, size);
                }
            } else if (a.isOther()) {
                special(file, name);
            }
            return FileVisitResult.CONTINUE;
        }

        private String name(Path p) {
            String rel = root.relativize(p).toString();
            return rel.isEmpty() ? "." : "./" + rel;
        }

        private void special(Path file, String name) throws IOException {
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            char type = switch (mode & 0170000) {
                case 0020000 -> '3';
                case 0060000 -> '4';
                case 0010000 -> '6';
                default -> 0;  // sockets are recreated by their owners, as tar does it
            };
            if (type != 0) {
                entry(file, name, type, 0);
            }
        }

        private void entry(Path p, String name, char type, long size) throws IOException {
            Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid,rdev,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            byte[] h = new byte[BLOCK];
            names(h, name);
            octal(h, 100, 8, (Integer) u.get("mode") & 07777);
            octal(h, 108, 8, (Integer) u.get("uid"));
            octal(h, 116, 8, (Integer) u.get("gid"));
            octal(h, 124, 12, size);
            octal(h, 136, 12, ((java.nio.file.attribute.FileTime) u.get("lastModifiedTime")).toMillis() / 1000);
            h[156] = (byte) type;
            if (type == '2') {
                ascii(h, 157, 100, Files.readSymbolicLink(p).toString());
            }
            ascii(h, 257, 8, "ustar\u000000");
            long rdev = (Long) u.get("rdev");
            octal(h, 329, 8, ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            octal(h, 337, 8, (rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            octal(h, 148, 7, sum);
            out.write(h);
        }

        private void copy(Path file, long size) throws IOException {
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                long n = in.transferTo(out);
                if (n != size) {
                    throw new IOException(file + " changed size while archived");
                }
            }
            int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
            out.write(new byte[pad]);
        }
    }

    /** ustar splits long names into prefix (155) and name (100) at a '/'. */
    private static void names(byte[] h, String name) throws IOException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 100) {
            ascii(h, 0, 100, name);
            return;
        }
        int cut = name.lastIndexOf('/', Math.min(name.length() - 1, 155));
        if (cut <= 0 || name.substring(cut + 1).getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new IOException("path too long for the root archive: " + name);
        }
        ascii(h, 345, 155, name.substring(0, cut));
        ascii(h, 0, 100, name.substring(cut + 1));
    }

    private static void ascii(byte[] h, int off, int len, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > len) {
            throw new IOException("field too long for the root archive: " + s);
        }
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static void octal(byte[] h, int off, int len, long v) throws IOException {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) {
            throw new IOException("value " + v + " too large for the root archive");
        }
        ascii(h, off, len, "0".repeat(len - 1 - s.length()) + s);
    }
}
