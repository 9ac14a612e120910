package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Set;

/**
 * The strict reading both journals apply before they look at a record: one JSON object, only known fields, the
 * expected format version. Anything else is refused, never guessed at.
 */
final class JournalJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JournalJson() {}

  /** The file's JSON object; {@code what} names the record in refusals ("state file", "checkpoint record"). */
  static JsonNode strictObject(String uid, byte[] bytes, String what, Set<String> allowed, int version)
      throws JournalException {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new JournalException(uid, what + " is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new JournalException(uid, what + " is not a JSON object");
    }
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw new JournalException(uid, what + " has unexpected field '" + field + "'");
      }
    }
    if (!root.path("version").isInt() || root.path("version").intValue() != version) {
      throw new JournalException(uid, what + " has unsupported version " + root.path("version"));
    }
    return root;
  }

  /** A required string field; IllegalArgumentException (the callers' "inconsistent") when missing or mistyped. */
  static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' missing or not a string");
    }
    return node.textValue();
  }
}
