package dev.nucleus.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
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
 * bool. Values are untyped ({@code dyn}): the API server also type-checks against the schema, which
 * {@code CelRuleStaticTest} approximates by checking that every field a rule selects exists.
 */
public final class CelRules {
  /** The CEL environment: standard macros plus the string extension library Kubernetes enables. */
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .addVar("oldSelf", SimpleType.DYN)
      .setResultType(SimpleType.BOOL)
      .addCompilerLibraries(CelExtensions.strings())
      .addRuntimeLibraries(CelExtensions.strings())
      .build();

  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  private CelRules() {}

  /** Whether a rule is a transition rule (it reads {@code oldSelf}), evaluated only on updates. */
  public static boolean isTransitionRule(String rule) {
    return rule.matches("(?s).*\\boldSelf\\b.*");
  }

  /** Compiles a rule, failing with CEL's own message when it does not parse or type-check. */
  public static CelRuntime.Program compile(String rule) {
    return PROGRAMS.computeIfAbsent(rule, r -> {
      try {
        CelAbstractSyntaxTree ast = CEL.compile(r).getAst();
        return CEL.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException e) {
        throw new IllegalArgumentException("CEL rule does not compile: " + r + "\n" + e.getMessage(), e);
      }
    });
  }

  /** Evaluates a rule; {@code oldSelf} may be null for a rule that does not read it. */
  public static boolean evaluate(String rule, JsonNode self, JsonNode oldSelf) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("self", toCel(self));
    if (oldSelf != null) {
      vars.put("oldSelf", toCel(oldSelf));
    }
    try {
      return (Boolean) compile(rule).eval(vars);
    } catch (CelEvaluationException e) {
      throw new IllegalStateException("CEL rule failed to evaluate: " + rule + ": " + e.getMessage(), e);
    }
  }

  /** Converts a JSON tree into the Java values cel-java understands (Map, List, Long, Double, String...). */
  static Object toCel(JsonNode node) {
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
