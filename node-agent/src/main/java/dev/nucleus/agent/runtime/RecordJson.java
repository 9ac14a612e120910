package dev.nucleus.agent.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A {@link SandboxRecord}'s JSON for its first state file, streamed field by field: the bytes are exactly what
 * Jackson's binding of the record writes, at about half its cost on a launch's critical path (no serializer lookups
 * for the record, nor for each value of the isolation's tree of maps and lists).
 */
final class RecordJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordJson() {
    }

    /** {@code r} as JSON, as {@code new ObjectMapper().writeValueAsBytes(r)} writes it. */
    static byte[] write(SandboxRecord r) {
        return write(r, null);
    }

    /** An isolation's JSON as {@link #write} writes it inside a record (for {@link #write(SandboxRecord, String)}). */
    static String isolation(Map<String, Object> isolation) {
        java.io.StringWriter out = new java.io.StringWriter(1024);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            value(g, isolation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** {@link #write(SandboxRecord)} with {@code isolationJson}, {@link #isolation} of {@code r.isolation()}, copied in as is. */
    static byte[] write(SandboxRecord r, String isolationJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("name", r.name());
            g.writeFieldName("command");
            value(g, r.command());
            g.writeNumberField("createdAtMillis", r.createdAtMillis());
            g.writeNumberField("monitorPid", r.monitorPid());
            g.writeNumberField("monitorStartTime", r.monitorStartTime());
            g.writeNumberField("initPid", r.initPid());
            g.writeNumberField("initStartTime", r.initStartTime());
            g.writeStringField("cgroupVersion", r.cgroupVersion());
            g.writeFieldName("isolation");
            if (isolationJson != null) {
                g.writeRawValue(isolationJson);
            } else {
                value(g, r.isolation());
            }
            g.writeNumberField("restartCount", r.restartCount());
            g.writeStringField("cgroup", r.cgroup());
            g.writeStringField("poolMember", r.poolMember());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // a byte array does not fail
        }
        return out.toByteArray();
    }

    /** The value types an effective isolation holds; anything else goes through Jackson's binding, as before. */
    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Map<?, ?> m && stringKeys(m)) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName((String) e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                value(g, o);
            }
            g.writeEndArray();
        } else {
            JSON.writeValue(g, v);
        }
    }

    private static boolean stringKeys(Map<?, ?> m) {
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                return false;
            }
        }
        return true;
    }
}
