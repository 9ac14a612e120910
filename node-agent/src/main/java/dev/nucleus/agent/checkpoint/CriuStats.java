package dev.nucleus.agent.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The numbers CRIU prints with {@code --display-stats} ("Frozen time: 23245 us", "Memory pages written: 62"). */
public record CriuStats(Map<String, Long> values) {

    private static final Pattern LINE = Pattern.compile("^\\s*([A-Za-z][A-Za-z ]*?):\\s+(\\d+)(?:\\s+us)?(?:\\s+\\(0x[0-9a-f]+\\))?\\s*$");

    public static final CriuStats EMPTY = new CriuStats(Map.of());

    public CriuStats {
        values = Map.copyOf(values);
    }

    /** Parses CRIU's stats block out of its stdout; unrelated lines are ignored. */
    public static CriuStats parse(String output) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                values.put(m.group(1).trim(), Long.parseLong(m.group(2)));
            }
        }
        return new CriuStats(values);
    }

    /** Microseconds the dumped tree was frozen (dump only). */
    public OptionalLong frozenMicros() {
        return get("Frozen time");
    }

    public OptionalLong freezingMicros() {
        return get("Freezing time");
    }

    public OptionalLong memoryPagesWritten() {
        return get("Memory pages written");
    }

    /** Microseconds of CRIU's restore phase (restore only). */
    public OptionalLong restoreMicros() {
        return get("Restore time");
    }

    public OptionalLong get(String name) {
        Long v = values.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
