package dev.nucleus.operator.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Builds merge patches over JSON trees, so "changed" means "the API server would store something different". */
final class StatusPatches {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> TREE = new TypeReference<>() {};

  private StatusPatches() {}

  static Map<String, Object> tree(Object status) {
    if (status == null) {
      return new HashMap<>();
    }
    Map<String, Object> tree = JSON.convertValue(status, TREE);
    return tree == null ? new HashMap<>() : new HashMap<>(tree);
  }

  /** A JSON value of {@code value}: maps, lists, strings, numbers, booleans or null. */
  static Object json(Object value) {
    return value == null ? null : JSON.convertValue(value, Object.class);
  }

  /** Keeps only the entries of {@code wanted} that differ from {@code current}. */
  static Map<String, Object> diff(Map<String, Object> current, Map<String, Object> wanted) {
    Map<String, Object> patch = new LinkedHashMap<>();
    wanted.forEach((key, value) -> {
      if (!Objects.equals(normalize(current.get(key)), normalize(value))) {
        patch.put(key, value);
      }
    });
    return patch;
  }

  /** Numbers compare by value whatever their boxed type (Jackson reads 1 as Integer, we may write Long). */
  private static Object normalize(Object value) {
    if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
      return n.longValue();
    }
    return value;
  }

  static <S> S apply(Map<String, Object> current, Map<String, Object> patch, Class<S> type) {
    Map<String, Object> merged = new HashMap<>(current);
    patch.forEach((k, v) -> {
      if (v == null) {
        merged.remove(k);
      } else {
        merged.put(k, v);
      }
    });
    return JSON.convertValue(merged, type);
  }
}
