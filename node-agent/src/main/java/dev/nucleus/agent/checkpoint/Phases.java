package dev.nucleus.agent.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock milliseconds of the steps of one checkpoint or restore, in order: what the benchmark reports so the
 * cost of each step next to criu's own is visible. Not thread-safe; one instance per operation.
 */
final class Phases {

    private final Map<String, Long> millis = new LinkedHashMap<>();
    private long last = System.nanoTime();

    /** Ends the current step as {@code name} (time since the previous mark) and starts the next one. */
    void mark(String name) {
        long now = System.nanoTime();
        millis.merge(name, (now - last) / 1_000_000, Long::sum);
        last = now;
    }

    /** Records a step that ran alongside the others (measured by its own clock). */
    void parallel(String name, long stepMillis) {
        millis.put(name, stepMillis);
    }

    Map<String, Long> snapshot() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(millis));
    }
}
