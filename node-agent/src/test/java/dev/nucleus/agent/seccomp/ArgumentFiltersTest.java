package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.nativeaccess.SeccompArgCmp;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgumentFiltersTest {

  @Test
  void allowExceptMatchesExactlyTheValuesWhoseLow32BitsAreNotExcluded() {
    Set<Long> excluded = Set.of(ArgumentFilters.TIOCSTI, ArgumentFilters.TIOCLINUX);
    List<SeccompArgCmp> conds = ArgumentFilters.allowLow32Except(1, excluded);
    assertThat(conds).hasSizeLessThanOrEqualTo(64).allSatisfy(c -> assertThat(c.op()).isEqualTo(SeccompArgCmp.Op.MASKED_EQ));
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      long x = random.nextLong();
      assertThat(matches(conds, x)).as("0x%x", x).isEqualTo(!excluded.contains(x & 0xffff_ffffL));
    }
    for (long v : excluded) {
      assertThat(matches(conds, v)).isFalse();
      assertThat(matches(conds, v | (1L << 32))).as("high bits must not smuggle 0x%x through", v).isFalse();
      assertThat(matches(conds, v + 1)).isTrue();
      assertThat(matches(conds, v - 1)).isTrue();
    }
  }

  @Test
  void everyValueMatchesAtMostOneSubcube() {
    List<SeccompArgCmp> conds = ArgumentFilters.allowLow32Except(0, Set.of(1L, 2L, 10L));
    Random random = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      long x = random.nextInt(64);
      long hits = conds.stream().filter(c -> (x & c.mask()) == c.value()).count();
      assertThat(hits).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void cloneRulesAllowPlainForksAndRefuseEachNamespaceFlag() {
    List<SeccompRule> rules = ArgumentFilters.cloneWithoutNamespaces();
    assertThat(rules.stream().filter(r -> r.verdict().equals(Verdict.EPERM))).hasSize(7);
    SeccompArgCmp allow = rules.get(0).conditions().get(0);
    long threadFlags = 0x3d0f00; // what glibc's pthread_create passes
    assertThat(threadFlags & allow.mask()).isEqualTo(allow.value());
    assertThat(0x10000000L & allow.mask()).isNotEqualTo(allow.value()); // CLONE_NEWUSER
  }

  private static boolean matches(List<SeccompArgCmp> conds, long x) {
    return conds.stream().anyMatch(c -> (x & c.mask()) == c.value());
  }
}
