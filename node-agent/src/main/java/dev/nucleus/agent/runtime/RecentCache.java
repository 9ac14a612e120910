package dev.nucleus.agent.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of a pure function for its most recently used keys, bounded: an agent runs for months and sees any number
 * of distinct specs, so a cache of everything it ever computed would grow its heap without end.
 */
final class RecentCache<K, V> {

    /** Makes the value of a key; may throw the checked exception of the computation it caches. */
    @FunctionalInterface
    interface Maker<K, V, X extends Exception> {
        V make(K key) throws X;
    }

    private final Map<K, V> recent;

    RecentCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.recent = new LinkedHashMap<>(2 * capacity, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * The value kept for {@code key}, else the one {@code maker} makes now, kept from then on. It runs outside the lock:
     * two threads missing the same key both make it, equal values of a pure function, and the last one is kept.
     */
    <X extends Exception> V get(K key, Maker<? super K, ? extends V, X> maker) throws X {
        synchronized (recent) {
            V hit = recent.get(key);
            if (hit != null) {
                return hit;
            }
        }
        V made = maker.make(key);
        synchronized (recent) {
            recent.put(key, made);
        }
        return made;
    }

    /** How many keys are kept now. */
    int size() {
        synchronized (recent) {
            return recent.size();
        }
    }
}
