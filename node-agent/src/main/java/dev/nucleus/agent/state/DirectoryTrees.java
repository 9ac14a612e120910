package dev.nucleus.agent.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The agent's one recursive delete. It walks bottom-up without following any symlink (walkFileTree without
 * FOLLOW_LINKS visits a link as a file and unlinks it), so a link inside the tree, or at its top, is removed and its
 * target never touched. What the top may be (a sandbox's directory must be a real one) is the caller's check.
 */
public final class DirectoryTrees {

    /** What a failure to read or remove one entry does to the delete. */
    public enum OnFailure {
        /** It fails the delete, an entry removed by someone else meanwhile included: a sandbox's own state. */
        FAIL,
        /** An entry removed by someone else meanwhile counts as deleted; any other failure fails the delete. */
        VANISHED_IS_DELETED,
        /** Ignored: every entry that can go goes (scratch and half-written checkpoint directories). */
        IGNORE
    }

    private DirectoryTrees() {
    }

    /** Deletes {@code tree} and everything under it; a missing {@code tree} is nothing to delete. */
    public static void delete(Path tree, OnFailure onFailure) throws IOException {
        if (Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            Files.walkFileTree(tree, new Deleter(onFailure));
        }
    }

    /** {@link #delete} with {@link OnFailure#IGNORE}, which never throws. */
    public static void deleteQuietly(Path tree) {
        try {
            delete(tree, OnFailure.IGNORE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // unreachable: with IGNORE the Deleter swallows every failure
        }
    }

    private static final class Deleter extends SimpleFileVisitor<Path> {
        private final OnFailure onFailure;

        Deleter(OnFailure onFailure) {
            this.onFailure = onFailure;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            remove(file);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (!tolerated(e)) {
                throw e;
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !tolerated(e)) {
                throw e;
            }
            remove(dir);
            return FileVisitResult.CONTINUE;
        }

        private void remove(Path p) throws IOException {
            try {
                Files.delete(p);
            } catch (IOException e) {
                if (!tolerated(e)) {
                    throw e;
                }
            }
        }

        private boolean tolerated(IOException e) {
            return onFailure == OnFailure.IGNORE
                    || onFailure == OnFailure.VANISHED_IS_DELETED && e instanceof NoSuchFileException;
        }
    }
}
