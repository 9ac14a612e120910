package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.network.NetworkMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streamed record is byte for byte what Jackson's binding of the record writes, for real plans' isolations. */
class RecordJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Effective isolations of real plans (fake kernel): every spec of the pool's shapes, with each member trait. */
    static List<Map<String, Object>> isolations() throws Exception {
        return IsolationCacheTest.inputs().stream().map(IsolationCacheTest.Input::fresh).toList();
    }

    @Test
    void pooledAndColdRecordsAreTheBoundRecordsBytes() throws Exception {
        List<Map<String, Object>> isolations = new java.util.ArrayList<>(isolations());
        assertThat(isolations).hasSize(NetworkMode.values().length * 9 * 2);  // each with and without a time namespace
        Map<String, Object> odd = new java.util.LinkedHashMap<>();  // what a restore or an older agent may put there
        odd.put("isolationReason", null);
        odd.put("nested", Map.of("list", List.of(1, 2L, "x", true, List.of()), "double", 1.5));
        odd.put("keys", Map.of(7, "a non-string key goes through the binding"));
        odd.put("path", "/srv/r\u00e9pertoire \"q\" \\ \u0007");
        isolations.add(odd);
        isolations.add(null);
        for (Map<String, Object> iso : isolations) {
            SandboxRecord pooled = new SandboxRecord("box-1", List.of("/bin/sh", "-c", "echo \"a\\b\" \u00e9 \u0001 </>"),
                    1796042913997L, 21547, 5826117, 21552, 5826137, "hybrid", iso, 0, "pool.1-2-3", "1-2-3");
            SandboxRecord cold = new SandboxRecord("b", List.of(), 0, 1, 0, 2, 0, "none", iso, 7);
            for (SandboxRecord r : List.of(pooled, cold)) {
                byte[] streamed = RecordJson.write(r);
                assertThat(new String(streamed, java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo(new String(JSON.writeValueAsBytes(r), java.nio.charset.StandardCharsets.UTF_8));
                assertThat(RecordJson.write(r, RecordJson.isolation(r.isolation()))).as("with the isolation pre-encoded")
                        .isEqualTo(JSON.writeValueAsBytes(r));
                assertThat(JSON.readValue(streamed, SandboxRecord.class)).isEqualTo(JSON.readValue(JSON.writeValueAsBytes(r), SandboxRecord.class));
            }
        }
    }
}
