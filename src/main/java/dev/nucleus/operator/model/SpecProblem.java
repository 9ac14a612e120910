package dev.nucleus.operator.model;

/** One reason a spec cannot run as written; {@code field} is the JSON path a user would fix. */
public record SpecProblem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
