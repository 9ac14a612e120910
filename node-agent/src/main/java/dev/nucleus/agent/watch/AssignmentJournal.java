package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
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
 * The agent's durable record of accepted sandboxes, one JSON file per UID under its state directory.
 * Files are written atomically (O_NOFOLLOW|O_EXCL temp file, mode 0600, fsync, rename, directory fsync)
 * and read without following symlinks; a file that is a symlink, not ours, too large or not exactly the
 * expected shape is refused, never trusted.
 */
public final class AssignmentJournal {
  static final int FORMAT_VERSION = 1;
  private static final long MAX_FILE_BYTES = 16 * 1024;
  private static final String SUFFIX = ".json";
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  private AssignmentJournal(Path dir) {
    this.dir = dir;
  }

  /** Opens (creating 0700 if needed) the journal directory; refuses a directory reached through a symlink. */
  public static AssignmentJournal open(Path dir) throws IOException {
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
    return new AssignmentJournal(absolute);
  }

  public Path directory() {
    return dir;
  }

  /** Durably records an assignment, replacing the previous record of the same UID. */
  public void write(Assignment assignment) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(toJson(assignment));
    Path target = fileOf(assignment.key().uid());
    Path temp = dir.resolve("." + assignment.key().uid() + ".tmp-" + UUID.randomUUID());
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
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    syncDirectory();
  }

  /** Reads the record of one UID: empty when there is none, an exception when the file cannot be trusted. */
  public Optional<Assignment> read(String uid) throws JournalException {
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
  public void delete(String uid) throws IOException {
    if (!SandboxKey.isValidUid(uid)) {
      throw new IOException("uid is not a Kubernetes UID: " + uid);
    }
    if (Files.deleteIfExists(fileOf(uid))) {
      syncDirectory();
    }
  }

  /** Every record on disk, with the files that were refused reported separately. */
  public Scan scan() throws IOException {
    List<Assignment> good = new ArrayList<>();
    List<JournalException> refused = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        if (fileName.startsWith(".")) {
          Files.deleteIfExists(file); // a temp file left by a crash mid-write: the rename never happened
          continue;
        }
        String uid = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        if (!fileName.endsWith(SUFFIX) || !SandboxKey.isValidUid(uid)) {
          refused.add(new JournalException(fileName, "unexpected file in the agent state directory"));
          continue;
        }
        try {
          good.add(load(uid, file));
        } catch (JournalException e) {
          refused.add(e);
        }
      }
    }
    return new Scan(List.copyOf(good), List.copyOf(refused));
  }

  /** The result of reading the whole journal at start-up. */
  public record Scan(List<Assignment> assignments, List<JournalException> refused) {}

  private Assignment load(String uid, Path file) throws JournalException {
    byte[] bytes;
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
      if (attrs.size() > MAX_FILE_BYTES) {
        throw new JournalException(uid, "state file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      bytes = readNoFollow(file);
    } catch (NoSuchFileException e) {
      throw new JournalException(uid, "state file " + file + " vanished while reading");
    } catch (IOException e) {
      // ELOOP from O_NOFOLLOW lands here when a symlink was swapped in between the checks.
      throw new JournalException(uid, "state file " + file + " unreadable: " + e.getMessage());
    }
    return parse(uid, bytes);
  }

  private static byte[] readNoFollow(Path file) throws IOException {
    try (SeekableByteChannel in = Files.newByteChannel(file, Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      ByteBuffer buffer = ByteBuffer.allocate((int) MAX_FILE_BYTES + 1);
      while (buffer.hasRemaining() && in.read(buffer) > 0) {
        // keep reading until EOF or the cap
      }
      if (!buffer.hasRemaining()) {
        throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
      }
      byte[] bytes = new byte[buffer.position()];
      buffer.flip().get(bytes);
      return bytes;
    }
  }

  static Assignment parse(String uid, byte[] bytes) throws JournalException {
    JsonNode root;
    try {
      root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new JournalException(uid, "state file is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new JournalException(uid, "state file is not a JSON object");
    }
    Set<String> allowed = Set.of("version", "namespace", "name", "uid", "stage", "sandboxId", "acceptedAt");
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw new JournalException(uid, "state file has unexpected field '" + field + "'");
      }
    }
    if (!root.path("version").isInt() || root.path("version").intValue() != FORMAT_VERSION) {
      throw new JournalException(uid, "state file has unsupported version " + root.path("version"));
    }
    try {
      SandboxKey key = new SandboxKey(text(root, "namespace"), text(root, "name"), text(root, "uid"));
      if (!key.uid().equals(uid)) {
        throw new JournalException(uid, "state file records uid " + key.uid() + " under the name of another uid");
      }
      Assignment.Stage stage = Assignment.Stage.valueOf(text(root, "stage"));
      String sandboxId = root.hasNonNull("sandboxId") ? text(root, "sandboxId") : null;
      return new Assignment(key, stage, sandboxId, text(root, "acceptedAt"));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new JournalException(uid, "state file is inconsistent: " + e.getMessage());
    }
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' missing or not a string");
    }
    return node.textValue();
  }

  private static ObjectNode toJson(Assignment a) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", FORMAT_VERSION);
    node.put("namespace", a.key().namespace());
    node.put("name", a.key().name());
    node.put("uid", a.key().uid());
    node.put("stage", a.stage().name());
    if (a.sandboxId() != null) {
      node.put("sandboxId", a.sandboxId());
    }
    node.put("acceptedAt", a.acceptedAt());
    return node;
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
