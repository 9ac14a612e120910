package dev.nucleus.agent.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The node's memory counters from /proc/meminfo: the one reader of that file (the agent's size, the dump's sync). */
public final class MemInfo {
  private static final Path FILE = Path.of("/proc/meminfo");
  // "Dirty:   17208 kB"; the unit-less counts (HugePages_Total: 0) are not sizes and are left out.
  private static final Pattern SIZE = Pattern.compile("([A-Za-z0-9_()]+):\\s+(\\d{1,15}) kB");

  private final Map<String, Long> bytes;

  private MemInfo(Map<String, Long> bytes) {
    this.bytes = bytes;
  }

  /** Reads /proc/meminfo now. */
  public static MemInfo read() throws IOException {
    return parse(Files.readString(FILE));
  }

  /** The sizes in a /proc/meminfo text; a line of another form is skipped. */
  public static MemInfo parse(String text) {
    Map<String, Long> sizes = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SIZE.matcher(line.strip());
      if (m.matches()) {
        sizes.put(m.group(1), Long.parseLong(m.group(2)) * 1024);
      }
    }
    return new MemInfo(sizes);
  }

  /** The field's size in bytes (the file counts kB); empty when the file has no such size. */
  public OptionalLong bytes(String field) {
    Long b = bytes.get(field);
    return b == null ? OptionalLong.empty() : OptionalLong.of(b);
  }
}
