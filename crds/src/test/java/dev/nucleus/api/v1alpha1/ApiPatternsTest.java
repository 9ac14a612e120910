package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shared patterns accept and refuse what their Javadoc says; the CLI and operator reuse them. */
class ApiPatternsTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "/, true", "/tmp, true", "/var/lib/nucleus, true", "/a/.hidden, true", "/a/..b, true", "/a/...,  true",
    "'', false", "tmp, false", "/tmp/, false", "//tmp, false", "/a/../b, false", "/.., false", "/a/./b, false",
    "/a/., false", "./a, false"
  })
  void absolutePath(String path, boolean valid) {
    assertThat(path.matches(ApiPatterns.ABSOLUTE_PATH)).isEqualTo(valid);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1, true", "64Mi, true", "1Gi, true", "500M, true", "2k, true", "0, false", "064Mi, false", "64MB, false",
    "1.5Gi, false", "-1Gi, false", "1e9, false", "500m, false", "Mi, false"
  })
  void byteQuantity(String quantity, boolean valid) {
    assertThat(quantity.matches(ApiPatterns.BYTE_QUANTITY)).isEqualTo(valid);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1, true", "250m, true", "1.5, true", "0.5, true", "0.05, true", "0.001, true", "0.50, true", "16, true",
    "0, false", "0m, false", "0.0, false", "0.000, false", "-1, false", "1.2345, false", "1c, false", "m, false"
  })
  void cpuQuantity(String quantity, boolean valid) {
    assertThat(quantity.matches(ApiPatterns.CPU_QUANTITY)).isEqualTo(valid);
  }
}
