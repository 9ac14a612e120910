package dev.nucleus.agent.watch;

import static dev.nucleus.agent.watch.JournalJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's durable record of accepted sandboxes, one JSON file per UID under its state directory
 * ({@link JournalFiles}: atomic writes, no symlinks followed); a file that is not exactly the expected shape is
 * refused, never trusted.
 */
public final class AssignmentJournal {
  static final int FORMAT_VERSION = 1;
  private static final long MAX_FILE_BYTES = 16 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("version", "namespace", "name", "uid", "stage", "sandboxId",
      "acceptedAt");

  private final JournalFiles files;

  private AssignmentJournal(JournalFiles files) {
    this.files = files;
  }

  /** Opens (creating 0700 if needed) the journal directory; refuses a directory reached through a symlink. */
  public static AssignmentJournal open(Path dir) throws IOException {
    return new AssignmentJournal(JournalFiles.open(dir, MAX_FILE_BYTES));
  }

  public Path directory() {
    return files.directory();
  }

  /** Durably records an assignment, replacing the previous record of the same UID. */
  public void write(Assignment assignment) throws IOException {
    files.write(assignment.key().uid(), JSON.writeValueAsBytes(toJson(assignment)));
  }

  /** Reads the record of one UID: empty when there is none, an exception when the file cannot be trusted. */
  public Optional<Assignment> read(String uid) throws JournalException {
    Optional<byte[]> bytes = files.read(uid);
    return bytes.isEmpty() ? Optional.empty() : Optional.of(parse(uid, bytes.get()));
  }

  /** Forgets one UID; removes a refused (symlinked or corrupted) file too, never what it points to. */
  public void delete(String uid) throws IOException {
    files.delete(uid);
  }

  /** Every record on disk, with the files that were refused reported separately. */
  public Scan scan() throws IOException {
    JournalFiles.Parsed<Assignment> parsed = files.scan(AssignmentJournal::parse);
    return new Scan(parsed.records(), parsed.refused());
  }

  /** The result of reading the whole journal at start-up. */
  public record Scan(List<Assignment> assignments, List<JournalException> refused) {}

  static Assignment parse(String uid, byte[] bytes) throws JournalException {
    JsonNode root = JournalJson.strictObject(uid, bytes, "state file", FIELDS, FORMAT_VERSION);
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

}
