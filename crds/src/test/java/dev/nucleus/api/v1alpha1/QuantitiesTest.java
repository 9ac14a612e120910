package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Quantity strings become the numbers the kernel is given, and bad ones are refused naming the field. */
class QuantitiesTest {
  @ParameterizedTest(name = "{0} = {1} bytes")
  @CsvSource({"1, 1", "64Mi, 67108864", "1Gi, 1073741824", "500M, 500000000", "2k, 2000", "3Ti, 3298534883328",
      "1P, 1000000000000000", "8Pi, 9007199254740992"})
  void bytes(String quantity, long expected) {
    assertThat(Quantities.bytes("spec.resources.memory", quantity)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} = {1} millicores")
  @CsvSource({"250m, 250", "1, 1000", "1.5, 1500", "0.5, 500", "0.05, 50", "0.001, 1", "16, 16000", "2.125, 2125"})
  void millicores(String quantity, long expected) {
    assertThat(Quantities.millicores("spec.resources.cpu", quantity)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"64MB", "0", "-1Gi", "1.5Gi", "1e9", ""})
  void badByteQuantityNamesTheField(String quantity) {
    assertThatThrownBy(() -> Quantities.bytes("spec.volumes[0].tmpfs.size", quantity))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.volumes[0].tmpfs.size: '" + quantity + "' is not a byte quantity");
  }

  @Test
  void byteQuantityBeyond63BitsIsRefused() {
    assertThatThrownBy(() -> Quantities.bytes("spec.resources.memory", "9999999999999999Pi"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("63 bits");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"0", "0m", "-1", "1.2345", "two"})
  void badCpuQuantityNamesTheField(String quantity) {
    assertThatThrownBy(() -> Quantities.millicores("spec.resources.cpu", quantity))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.resources.cpu: '" + quantity + "' is not a CPU quantity");
  }

  @Test
  void nullIsRefusedToo() {
    assertThatThrownBy(() -> Quantities.bytes("x", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Quantities.millicores("x", null)).isInstanceOf(IllegalArgumentException.class);
  }
}
