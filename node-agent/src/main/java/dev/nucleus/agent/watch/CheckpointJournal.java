package dev.nucleus.agent.watch;

import static dev.nucleus.agent.watch.JournalJson.text;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The agent's durable record of the checkpoints it served, one JSON file per checkpoint UID
 * ({@link JournalFiles}: atomic, 0600, never through a symlink); a file that is not exactly the expected shape is
 * refused, never trusted.
 */
public final class CheckpointJournal {
  static final int FORMAT_VERSION = 1;
  private static final long MAX_FILE_BYTES = 64 * 1024;
  private static final Set<String> FIELDS = Set.of("version", "namespace", "name", "uid", "sandboxName",
      "sandboxUid", "attempt", "stage", "location", "leaveRunning", "startedAt", "outcome");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final JournalFiles files;

  private CheckpointJournal(JournalFiles files) {
    this.files = files;
  }

  /** Opens (creating 0700 if needed) the journal directory; refuses one reached through a symlink. */
  public static CheckpointJournal open(Path dir) throws IOException {
    return new CheckpointJournal(JournalFiles.open(dir, MAX_FILE_BYTES));
  }

  /** Durably records the checkpoint, replacing its previous record. */
  public void write(CheckpointRecord record) throws IOException {
    files.write(record.key().uid(), JSON.writeValueAsBytes(toJson(record)));
  }

  public void delete(String uid) throws IOException {
    files.delete(uid);
  }

  /** Every record on disk, with the refused files reported separately. */
  public Scan scan() throws IOException {
    JournalFiles.Parsed<CheckpointRecord> parsed = files.scan(CheckpointJournal::parse);
    return new Scan(parsed.records(), parsed.refused());
  }

  /** The result of reading the whole journal at start-up. */
  public record Scan(List<CheckpointRecord> records, List<JournalException> refused) {}

  static CheckpointRecord parse(String uid, byte[] bytes) throws JournalException {
    JsonNode root = JournalJson.strictObject(uid, bytes, "checkpoint record", FIELDS, FORMAT_VERSION);
    try {
      SandboxKey key = new SandboxKey(text(root, "namespace"), text(root, "name"), text(root, "uid"));
      if (!key.uid().equals(uid)) {
        throw new JournalException(uid, "checkpoint record names uid " + key.uid() + " under the name of another");
      }
      if (!root.path("attempt").isInt() || !root.path("leaveRunning").isBoolean()) {
        throw new IllegalArgumentException("attempt or leaveRunning missing or mistyped");
      }
      JsonNode outcome = root.get("outcome");
      NucleusCheckpointStatus status = outcome == null || outcome.isNull() ? null
          : JSON.treeToValue(outcome, NucleusCheckpointStatus.class);
      return new CheckpointRecord(key, text(root, "sandboxName"), text(root, "sandboxUid"),
          root.get("attempt").intValue(), CheckpointRecord.Stage.valueOf(text(root, "stage")),
          text(root, "location"), root.get("leaveRunning").booleanValue(), text(root, "startedAt"), status);
    } catch (IllegalArgumentException | NullPointerException | IOException e) {
      throw new JournalException(uid, "checkpoint record is inconsistent: " + e.getMessage());
    }
  }

  private static ObjectNode toJson(CheckpointRecord r) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", FORMAT_VERSION);
    node.put("namespace", r.key().namespace());
    node.put("name", r.key().name());
    node.put("uid", r.key().uid());
    node.put("sandboxName", r.sandboxName());
    node.put("sandboxUid", r.sandboxUid());
    node.put("attempt", r.attempt());
    node.put("stage", r.stage().name());
    node.put("location", r.location());
    node.put("leaveRunning", r.leaveRunning());
    node.put("startedAt", r.startedAt());
    if (r.outcome() != null) {
      node.set("outcome", JSON.valueToTree(r.outcome()));
    }
    return node;
  }
}
