package dev.nucleus.agent.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/security-model.md names every syscall the profiles allow or always deny, so the page cannot drift. */
class SecurityModelDocTest {

  @Test
  void everyListedSyscallIsDocumented() throws Exception {
    Path doc = Path.of(System.getProperty("user.dir")).resolve("../docs/security-model.md").normalize();
    String text = Files.readString(doc);
    Set<String> words = new TreeSet<>();
    Matcher m = Pattern.compile("[a-z][a-z0-9_]*").matcher(text);
    while (m.find()) {
      words.add(m.group());
    }
    Set<String> missing = new TreeSet<>(SyscallSets.DEFAULT_ALLOW);
    missing.addAll(SyscallSets.ALWAYS_DENIED.keySet());
    assertThat(SyscallSets.DEFAULT_ALLOW).containsAll(SyscallSets.STRICT_REMOVE); // Strict is a subset, covered
    missing.removeAll(words);
    assertThat(missing).as("syscalls missing from %s", doc).isEmpty();
  }
}
