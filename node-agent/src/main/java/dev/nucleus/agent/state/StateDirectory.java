package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The node's state root (default {@code /var/lib/nucleus}): one 0700 directory per sandbox under {@code sandboxes/},
 * holding its state file, exit status, logs, overlay layers and mount root. Symlinks are refused on every component.
 */
public final class StateDirectory {

    /** Default root on a node. */
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/nucleus");
    private static final java.nio.file.attribute.FileAttribute<java.util.Set<java.nio.file.attribute.PosixFilePermission>>
            TRAVERSE_ONLY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x"));
    private static final Pattern ID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** A warm-pool member: {@code <owner pid>-<owner start time>-<sequence>}, never a sandbox id's shape. */
    private static final Pattern MEMBER = Pattern.compile("[0-9]{1,10}-[0-9]{1,20}-[0-9]{1,10}");

    private final Path root;

    public StateDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * Creates the directory of a new sandbox; fails if it exists. Directories on the way are 0711: a user-namespaced
     * sandbox's root (an unprivileged host uid) must traverse them to reach its mount point, but nobody may list them;
     * every file inside is 0600 and every subdirectory 0700.
     */
    public SandboxPaths create(String id) throws IOException {
        Path dir = sandboxesDir(true).resolve(checkId(id));
        Files.createDirectory(dir, TRAVERSE_ONLY);
        Files.setPosixFilePermissions(dir, TRAVERSE_ONLY.value());
        return new SandboxPaths(dir);
    }

    /** The directory of an existing sandbox, verified to be a real directory reached without symlinks. */
    public SandboxPaths open(String id) throws IOException {
        Path dir = sandboxesDir(false).resolve(checkId(id));
        requireRealDirectory(dir);
        return new SandboxPaths(dir);
    }

    public boolean exists(String id) throws IOException {
        Path dir = sandboxesDir(false).resolve(checkId(id));
        AtomicFiles.refuseSymlink(dir);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
    }

    /** Ids of all sandbox directories, in name order. A symlink among them is refused, not listed. */
    public List<String> list() throws IOException {
        return entries(sandboxesDir(false), ID);
    }

    private static List<String> entries(Path dir, Pattern names) throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return ids;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                AtomicFiles.refuseSymlink(entry);
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && names.matcher(entry.getFileName().toString()).matches()) {
                    ids.add(entry.getFileName().toString());
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Deletes a sandbox's directory tree without following any symlink inside it. */
    public void delete(String id) throws IOException {
        deleteTree(sandboxesDir(false).resolve(checkId(id)));
    }

    /**
     * Creates the directory of a warm-pool member under {@code pool/} (0711, like a sandbox's: it holds the member's
     * root mount point and launcher log until the member is claimed or discarded).
     */
    public SandboxPaths createMember(String id) throws IOException {
        Path dir = subdir("pool", true).resolve(checkMember(id));
        Files.createDirectory(dir, TRAVERSE_ONLY);
        Files.setPosixFilePermissions(dir, TRAVERSE_ONLY.value());
        return new SandboxPaths(dir);
    }

    /** Ids of the warm-pool members' directories (unclaimed members, live or left by an agent that died). */
    public List<String> listMembers() throws IOException {
        return entries(subdir("pool", false), MEMBER);
    }

    /** Deletes a warm-pool member's directory tree. */
    public void deleteMember(String id) throws IOException {
        deleteTree(subdir("pool", false).resolve(checkMember(id)));
    }

    private static String checkMember(String id) {
        if (id == null || !MEMBER.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid pool member id '" + id + "'");
        }
        return id;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        requireRealDirectory(dir);
        DirectoryTrees.delete(dir, DirectoryTrees.OnFailure.FAIL);
    }

    private Path sandboxesDir(boolean create) throws IOException {
        return subdir("sandboxes", create);
    }

    /**
     * {@code root/name}, every component checked not to be a symlink; with {@code create} made (0711) if missing and
     * its mode set. One lstat per component tells symlink, directory and mode at once: this runs at every launch.
     */
    private Path subdir(String name, boolean create) throws IOException {
        PosixFileAttributes rootAttributes = null;
        for (Path p = root; p != null; p = p.getParent()) {
            PosixFileAttributes a = notSymlink(p);
            rootAttributes = p == root ? a : rootAttributes;
        }
        Path dir = root.resolve(name);
        PosixFileAttributes d = notSymlink(dir);
        if (create) {
            if (rootAttributes == null || !rootAttributes.isDirectory()) {
                Files.createDirectories(root, TRAVERSE_ONLY);
            }
            if (d == null || !d.isDirectory()) {
                Files.createDirectory(dir, TRAVERSE_ONLY);
                Files.setPosixFilePermissions(dir, TRAVERSE_ONLY.value());
            } else if (!d.permissions().equals(TRAVERSE_ONLY.value())) {
                Files.setPosixFilePermissions(dir, TRAVERSE_ONLY.value());
            }
        }
        return dir;
    }

    /** {@code p}'s own attributes (lstat), null if it does not exist; a symlink is refused. */
    private static PosixFileAttributes notSymlink(Path p) throws IOException {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                throw new SymlinkRefusedException(p);
            }
            return a;
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private static void requireRealDirectory(Path dir) throws IOException {
        AtomicFiles.refuseSymlink(dir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no such sandbox");
        }
    }

    /** Sandbox ids are DNS labels: they become directory, cgroup and host names. */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid sandbox name '" + id
                    + "': use lower-case letters, digits and '-', at most 63 characters");
        }
        return id;
    }
}
