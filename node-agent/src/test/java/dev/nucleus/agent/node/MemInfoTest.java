package dev.nucleus.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** /proc/meminfo's sizes are read in bytes; counts, malformed and absent fields give nothing. */
class MemInfoTest {
  static final String SAMPLE = """
      MemTotal:       24684084 kB
      MemFree:        18868124 kB
      Dirty:             17208 kB
      Writeback:             0 kB
      Active(anon):       1552 kB
      HugePages_Total:       0
      Hugepagesize:       2048 kB
      Broken:          12 MB
      """;

  @Test
  void sizesAreBytesAndEverythingElseIsAbsent() {
    MemInfo m = MemInfo.parse(SAMPLE);
    assertThat(m.bytes("MemTotal")).hasValue(24684084L * 1024);
    assertThat(m.bytes("Dirty")).hasValue(17208L * 1024);
    assertThat(m.bytes("Writeback")).hasValue(0);
    assertThat(m.bytes("Active(anon)")).hasValue(1552L * 1024);
    assertThat(m.bytes("HugePages_Total")).as("a count, not a size").isEmpty();
    assertThat(m.bytes("Broken")).as("not in kB").isEmpty();
    assertThat(m.bytes("SwapTotal")).isEmpty();
    assertThat(MemInfo.parse("").bytes("MemTotal")).isEqualTo(OptionalLong.empty());
  }

  @Test
  void thisNodesFileHasItsTotalAndUnwrittenData() throws Exception {
    MemInfo m = MemInfo.read();
    assertThat(m.bytes("MemTotal").orElseThrow()).isPositive();
    assertThat(m.bytes("Dirty")).isPresent();
    assertThat(m.bytes("Writeback")).isPresent();
  }
}
