package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's NAME=value list is the filtered environment, in its order, with or without the user's variables. */
class EnvFilterTest {

    static List<String> rendered(Map<String, String> user, String hostname, long uid) {
        List<String> out = new ArrayList<>();
        EnvFilter.build(user, hostname, uid).forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    @Test
    void entriesAreTheBuiltEnvironmentRendered() {
        List<Map<String, String>> users = List.of(Map.of(), Map.of("APP", "1"), Map.of("HOSTNAME", "mine", "Z", "z", "A", "a"),
                Map.of("PATH", "/opt/bin", "HOME", "/home/x"), Map.of("LD_PRELOAD", "/evil.so", "MALLOC_CHECK_", "3", "OK", "1"));
        for (Map<String, String> user : users) {
            for (long uid : new long[] {0, 1000}) {
                assertThat(EnvFilter.entries(user, "box", uid)).as("%s uid %d", user, uid).isEqualTo(rendered(user, "box", uid));
            }
        }
        assertThat(EnvFilter.entries(Map.of(), "box", 0)).containsExactly("PATH=" + EnvFilter.DEFAULT_PATH, "HOME=/root", "HOSTNAME=box");
        assertThat(EnvFilter.entries(Map.of("LD_PRELOAD", "/evil.so"), "box", 7)).noneMatch(e -> e.startsWith("LD_"));
    }
}
