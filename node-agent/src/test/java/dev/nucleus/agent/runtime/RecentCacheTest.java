package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentCacheTest {

    private final List<Integer> made = new ArrayList<>();

    private String square(Integer key) {
        made.add(key);
        return Integer.toString(key * key);
    }

    @Test
    void aKeptKeyIsNotMadeAgainAndTheLeastRecentlyUsedGoesFirst() {
        RecentCache<Integer, String> cache = new RecentCache<>(2);
        assertThat(cache.get(2, this::square)).isEqualTo("4");
        assertThat(cache.get(3, this::square)).isEqualTo("9");
        assertThat(cache.get(2, this::square)).isEqualTo("4");  // 2 is now the most recently used
        assertThat(cache.get(5, this::square)).isEqualTo("25");  // evicts 3, not 2
        assertThat(cache.get(2, this::square)).isEqualTo("4");
        assertThat(cache.get(3, this::square)).isEqualTo("9");
        assertThat(made).containsExactly(2, 3, 5, 3);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void staysBoundedHoweverManyKeysItSees() {
        RecentCache<Integer, String> cache = new RecentCache<>(16);
        for (int i = 0; i < 10_000; i++) {
            cache.get(i, this::square);
        }
        assertThat(cache.size()).isEqualTo(16);
    }

    @Test
    void aFailureIsThrownAndNothingIsKept() {
        RecentCache<Integer, String> cache = new RecentCache<>(4);
        assertThatThrownBy(() -> cache.get(1, k -> {
            throw new IOException("refused");
        })).isInstanceOf(IOException.class).hasMessage("refused");
        assertThat(cache.size()).isZero();
        assertThat(cache.get(1, this::square)).isEqualTo("1");
    }

    @Test
    void refusesACapacityThatKeepsNothing() {
        assertThatThrownBy(() -> new RecentCache<Integer, String>(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
