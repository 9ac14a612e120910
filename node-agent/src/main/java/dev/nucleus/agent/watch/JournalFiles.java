package dev.nucleus.agent.watch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One directory of the agent's durable memory, one file per Kubernetes UID ({@code <uid>.json}). Files are written
 * atomically (O_NOFOLLOW|O_EXCL temp file, mode 0600, fsync, rename, directory fsync) and read without following
 * symlinks; a file that is a symlink, not 0600, not regular or too large is refused, never trusted. What a file
 * says is the caller's to parse.
 */
final class JournalFiles {
  private static final String SUFFIX = ".json";
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  private final Path dir;
  private final long maxBytes;

  private JournalFiles(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Opens (creating 0700 if needed) the directory; refuses one reached through a symlink or writable by others. */
  static JournalFiles open(Path dir, long maxBytes) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(absolute, PosixFilePermissions.asFileAttribute(DIR_MODE));
    }
    if (!absolute.toRealPath().equals(absolute)) {
      throw new IOException("agent state directory " + absolute + " is reached through a symlink; refusing it");
    }
    PosixFileAttributes attrs = Files.readAttributes(absolute, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isDirectory()) {
      throw new IOException("agent state directory " + absolute + " is not a directory");
    }
    if (attrs.permissions().contains(PosixFilePermission.OTHERS_WRITE)
        || attrs.permissions().contains(PosixFilePermission.GROUP_WRITE)) {
      throw new IOException("agent state directory " + absolute + " is writable by others; refusing it");
    }
    return new JournalFiles(absolute, maxBytes);
  }

  Path directory() {
    return dir;
  }

  /** Durably replaces the file of {@code uid} with {@code bytes}. */
  void write(String uid, byte[] bytes) throws IOException {
    requireUid(uid);
    Path temp = dir.resolve("." + uid + ".tmp-" + UUID.randomUUID());
    try (FileChannel out = FileChannel.open(temp,
        Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
        PosixFilePermissions.asFileAttribute(FILE_MODE))) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      out.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    try {
      // rename(2) replaces a symlink planted at the target instead of writing through it.
      Files.move(temp, fileOf(uid), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    syncDirectory();
  }

  /** The bytes of one UID's file: empty when there is none, an exception when the file cannot be trusted. */
  Optional<byte[]> read(String uid) throws JournalException {
    if (!SandboxKey.isValidUid(uid)) {
      throw new JournalException(uid, "uid is not a Kubernetes UID");
    }
    Path file = fileOf(uid);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return Optional.of(load(uid, file));
  }

  /** Forgets one UID; removes a refused (symlinked or corrupted) file too, never what it points to. */
  void delete(String uid) throws IOException {
    requireUid(uid);
    if (Files.deleteIfExists(fileOf(uid))) {
      syncDirectory();
    }
  }

  /** One file found by {@link #scan}: its UID and either its bytes or why it was refused. */
  record Entry(String uid, byte[] bytes, JournalException refused) {}

  /** Turns one file's bytes into a record, or refuses it. */
  interface Parser<T> {
    T parse(String uid, byte[] bytes) throws JournalException;
  }

  /** The trusted records, and separately every file refused unread or by the parser. */
  record Parsed<T>(List<T> records, List<JournalException> refused) {}

  <T> Parsed<T> scan(Parser<T> parser) throws IOException {
    List<T> good = new ArrayList<>();
    List<JournalException> refused = new ArrayList<>();
    for (Entry e : scan()) {
      if (e.refused() != null) {
        refused.add(e.refused());
        continue;
      }
      try {
        good.add(parser.parse(e.uid(), e.bytes()));
      } catch (JournalException ex) {
        refused.add(ex);
      }
    }
    return new Parsed<>(List.copyOf(good), List.copyOf(refused));
  }

  /** Every file on disk; temp files a crash left mid-write are removed (their rename never happened). */
  List<Entry> scan() throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        if (fileName.startsWith(".")) {
          Files.deleteIfExists(file);
          continue;
        }
        String uid = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        if (!fileName.endsWith(SUFFIX) || !SandboxKey.isValidUid(uid)) {
          entries.add(new Entry(fileName, null,
              new JournalException(fileName, "unexpected file in the agent state directory")));
          continue;
        }
        try {
          entries.add(new Entry(uid, load(uid, file), null));
        } catch (JournalException e) {
          entries.add(new Entry(uid, null, e));
        }
      }
    }
    return entries;
  }

  private byte[] load(String uid, Path file) throws JournalException {
    try {
      PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isSymbolicLink()) {
        throw new JournalException(uid, "state file " + file + " is a symlink");
      }
      if (!attrs.isRegularFile()) {
        throw new JournalException(uid, "state file " + file + " is not a regular file");
      }
      if (attrs.permissions().stream().anyMatch(p -> p != PosixFilePermission.OWNER_READ
          && p != PosixFilePermission.OWNER_WRITE)) {
        throw new JournalException(uid, "state file " + file + " has mode "
            + PosixFilePermissions.toString(attrs.permissions()) + ", expected rw-------");
      }
      if (attrs.size() > maxBytes) {
        throw new JournalException(uid, "state file " + file + " is larger than " + maxBytes + " bytes");
      }
      return readNoFollow(file);
    } catch (NoSuchFileException e) {
      throw new JournalException(uid, "state file " + file + " vanished while reading");
    } catch (IOException e) {
      // ELOOP from O_NOFOLLOW lands here when a symlink was swapped in between the checks.
      throw new JournalException(uid, "state file " + file + " unreadable: " + e.getMessage());
    }
  }

  private byte[] readNoFollow(Path file) throws IOException {
    try (SeekableByteChannel in = Files.newByteChannel(file,
        Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      ByteBuffer buffer = ByteBuffer.allocate((int) maxBytes + 1);
      while (buffer.hasRemaining() && in.read(buffer) > 0) {
        // keep reading until EOF or the cap
      }
      if (!buffer.hasRemaining()) {
        throw new IOException("larger than " + maxBytes + " bytes");
      }
      byte[] bytes = new byte[buffer.position()];
      buffer.flip().get(bytes);
      return bytes;
    }
  }

  private static void requireUid(String uid) throws IOException {
    if (!SandboxKey.isValidUid(uid)) {
      throw new IOException("uid is not a Kubernetes UID: " + uid);
    }
  }

  private Path fileOf(String uid) {
    return dir.resolve(uid + SUFFIX);
  }

  private void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
