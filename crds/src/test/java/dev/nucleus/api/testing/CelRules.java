package dev.nucleus.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles and evaluates {@code x-kubernetes-validations} rules with cel-java, the way the API server does:
 * {@code self} is the value at the rule's node, {@code oldSelf} the previous value on an update, the result a
 * bool. {@code self} is declared with the CEL type of its schema (string, int, list, map...), as the API server
 * does, except that objects are {@code map(string, dyn)} rather than typed records; {@code CelRuleStaticTest}
 * makes up for that by checking that every field a rule selects exists.
 */
public final class CelRules {
  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  private CelRules() {}

  /** Whether a rule is a transition rule (it reads {@code oldSelf}), evaluated only on updates. */
  public static boolean isTransitionRule(String rule) {
    return rule.matches("(?s).*\\boldSelf\\b.*");
  }

  /**
   * Compiles a rule guarding a node of the given schema, failing with CEL's own message when it does not parse
   * or type-check (wrong operand types, a non-bool result, an unknown function).
   */
  public static CelRuntime.Program compile(String rule, JsonNode schema) {
    CelType type = celType(schema);
    return PROGRAMS.computeIfAbsent(type + "\u0000" + rule, key -> {
      // The environment Kubernetes gives rules: standard macros plus the string extension library.
      Cel cel = CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", type)
          .addVar("oldSelf", type)
          .setResultType(SimpleType.BOOL)
          .addCompilerLibraries(CelExtensions.strings())
          .addRuntimeLibraries(CelExtensions.strings())
          .build();
      try {
        CelAbstractSyntaxTree ast = cel.compile(rule).getAst();
        return cel.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException e) {
        throw new IllegalArgumentException("CEL rule does not compile: " + rule + "\n" + e.getMessage(), e);
      }
    });
  }

  /** The CEL type the API server declares for a value of this schema (objects approximated as maps). */
  static CelType celType(JsonNode schema) {
    return switch (schema.path("type").asText()) {
      case "string" -> SimpleType.STRING;
      case "integer" -> SimpleType.INT;
      case "number" -> SimpleType.DOUBLE;
      case "boolean" -> SimpleType.BOOL;
      case "array" -> ListType.create(celType(schema.path("items")));
      case "object" -> MapType.create(SimpleType.STRING,
          schema.path("additionalProperties").isObject() ? celType(schema.get("additionalProperties")) : SimpleType.DYN);
      default -> SimpleType.DYN;
    };
  }

  /** Evaluates a rule guarding a node of the given schema; {@code oldSelf} may be null unless the rule reads it. */
  public static boolean evaluate(String rule, JsonNode schema, JsonNode self, JsonNode oldSelf) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("self", toCel(self));
    if (oldSelf != null) {
      vars.put("oldSelf", toCel(oldSelf));
    }
    try {
      return (Boolean) compile(rule, schema).eval(vars);
    } catch (CelEvaluationException e) {
      throw new IllegalStateException("CEL rule failed to evaluate: " + rule + ": " + e.getMessage(), e);
    }
  }

  /**
   * Converts a JSON tree into the Java values cel-java understands (Map, List, Long, Double, String...); null fields
   * are left out, as the API server leaves them out of the objects it hands to CEL.
   */
  public static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!field.getValue().isNull()) {
          map.put(field.getKey(), toCel(field.getValue()));
        }
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    throw new IllegalArgumentException("unsupported JSON value for CEL: " + node);
  }
}
