package dev.nucleus.api.v1alpha1;

import java.math.BigDecimal;

/**
 * Parses the quantity strings of the API ({@link ApiPatterns#BYTE_QUANTITY}, {@link ApiPatterns#CPU_QUANTITY})
 * into numbers, so the agent, the CLI and the operator agree on what {@code 64Mi} or {@code 1.5} means.
 * Anything the pattern refuses is refused here too, with a message that names the field.
 */
public final class Quantities {
  private Quantities() {}

  /** Bytes of a byte quantity such as {@code 64Mi}, {@code 1G} or {@code 1048576}. */
  public static long bytes(String field, String quantity) {
    if (quantity == null || !quantity.matches(ApiPatterns.BYTE_QUANTITY)) {
      throw new IllegalArgumentException(field + ": '" + quantity
          + "' is not a byte quantity; use a positive integer with an optional suffix, e.g. 64Mi or 1G");
    }
    int digits = 0;
    while (digits < quantity.length() && Character.isDigit(quantity.charAt(digits))) {
      digits++;
    }
    long multiplier = switch (quantity.substring(digits)) {
      case "" -> 1L;
      case "k" -> 1_000L;
      case "M" -> 1_000_000L;
      case "G" -> 1_000_000_000L;
      case "T" -> 1_000_000_000_000L;
      case "P" -> 1_000_000_000_000_000L;
      case "Ki" -> 1L << 10;
      case "Mi" -> 1L << 20;
      case "Gi" -> 1L << 30;
      case "Ti" -> 1L << 40;
      case "Pi" -> 1L << 50;
      default -> throw new IllegalStateException("pattern admitted suffix of " + quantity);
    };
    try {
      return Math.multiplyExact(Long.parseLong(quantity.substring(0, digits)), multiplier);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(field + ": '" + quantity + "' is more bytes than fit in 63 bits", e);
    }
  }

  /** Thousandths of a CPU of a CPU quantity such as {@code 250m} (250) or {@code 1.5} (1500). */
  public static long millicores(String field, String quantity) {
    if (quantity == null || !quantity.matches(ApiPatterns.CPU_QUANTITY)) {
      throw new IllegalArgumentException(field + ": '" + quantity
          + "' is not a CPU quantity; use millicores (250m) or cores with up to three decimals (0.5, 2)");
    }
    if (quantity.endsWith("m")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 1));
    }
    return new BigDecimal(quantity).movePointRight(3).longValueExact();
  }
}
