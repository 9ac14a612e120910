package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssignmentJournalTest {
  static final String UID = "0b5f6a1e-8c2d-4e8b-9a51-2f3c4d5e6f70";
  @TempDir Path dir;

  Assignment accepted() {
    return new Assignment(new SandboxKey("team-a", "hello", UID), Assignment.Stage.ACCEPTED, null,
        "2026-11-29T20:00:00Z");
  }

  @Test
  void writesAtomicallyWithMode0600AndReadsBack() throws Exception {
    AssignmentJournal journal = AssignmentJournal.open(dir.resolve("j"));
    journal.write(accepted());
    journal.write(accepted().started("sb-1"));
    Path file = dir.resolve("j").resolve(UID + ".json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("j")))).isEqualTo("rwx------");
    assertThat(journal.read(UID)).contains(accepted().started("sb-1"));
    assertThat(journal.scan().assignments()).containsExactly(accepted().started("sb-1"));
    try (var files = Files.list(dir.resolve("j"))) {
      assertThat(files).containsExactly(file); // no temp file left behind
    }
    journal.delete(UID);
    assertThat(journal.read(UID)).isEmpty();
  }

  @Test
  void writeReplacesAPlantedSymlinkInsteadOfWritingThroughIt() throws Exception {
    AssignmentJournal journal = AssignmentJournal.open(dir.resolve("j"));
    Path victim = Files.writeString(dir.resolve("victim"), "precious");
    Files.createSymbolicLink(dir.resolve("j").resolve(UID + ".json"), victim);
    journal.write(accepted());
    assertThat(Files.readString(victim)).isEqualTo("precious");
    assertThat(Files.isSymbolicLink(dir.resolve("j").resolve(UID + ".json"))).isFalse();
    assertThat(journal.read(UID)).contains(accepted());
  }

  @Test
  void refusesSymlinkedCorruptedForeignAndLooseFiles() throws Exception {
    AssignmentJournal journal = AssignmentJournal.open(dir.resolve("j"));
    journal.write(accepted());
    Path good = dir.resolve("j").resolve(UID + ".json");
    String json = Files.readString(good);

    String linked = "11111111-1111-1111-1111-111111111111";
    Path bait = Files.writeString(dir.resolve("bait"), json.replace(UID, linked));
    Files.setPosixFilePermissions(bait, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(dir.resolve("j").resolve(linked + ".json"), bait);
    assertThatThrownBy(() -> journal.read(linked)).isInstanceOf(JournalException.class).hasMessageContaining("symlink");

    String garbled = "22222222-2222-2222-2222-222222222222";
    write(dir.resolve("j").resolve(garbled + ".json"), "{\"version\":1,", "rw-------");
    assertThatThrownBy(() -> journal.read(garbled)).hasMessageContaining("not valid JSON");

    String other = "33333333-3333-3333-3333-333333333333";
    write(dir.resolve("j").resolve(other + ".json"), json, "rw-------"); // claims UID under another name
    assertThatThrownBy(() -> journal.read(other)).hasMessageContaining("another uid");

    String loose = "44444444-4444-4444-4444-444444444444";
    write(dir.resolve("j").resolve(loose + ".json"), json.replace(UID, loose), "rw-rw-rw-");
    assertThatThrownBy(() -> journal.read(loose)).hasMessageContaining("mode");

    String extra = "55555555-5555-5555-5555-555555555555";
    write(dir.resolve("j").resolve(extra + ".json"), json.replace(UID, extra).replace("{", "{\"pid\":1,"), "rw-------");
    assertThatThrownBy(() -> journal.read(extra)).hasMessageContaining("unexpected field 'pid'");

    AssignmentJournal.Scan scan = journal.scan();
    assertThat(scan.assignments()).containsExactly(accepted());
    assertThat(scan.refused()).extracting(JournalException::uid)
        .containsExactlyInAnyOrder(linked, garbled, other, loose, extra);
    assertThat(Files.readString(bait)).isEqualTo(json.replace(UID, linked)); // never touched through the link
    journal.delete(linked);
    assertThat(Files.exists(dir.resolve("j").resolve(linked + ".json"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(bait).exists();
  }

  @Test
  void refusesADirectoryReachedThroughASymlinkOrWritableByOthers() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("link"), real);
    assertThatThrownBy(() -> AssignmentJournal.open(dir.resolve("link"))).hasMessageContaining("symlink");
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> AssignmentJournal.open(real)).hasMessageContaining("writable by others");
  }

  @Test
  void scanDropsTempFilesOfAnInterruptedWriteAndRejectsStrangers() throws Exception {
    AssignmentJournal journal = AssignmentJournal.open(dir.resolve("j"));
    write(dir.resolve("j").resolve("." + UID + ".tmp-x"), "{", "rw-------");
    write(dir.resolve("j").resolve("notes.txt"), "hi", "rw-------");
    AssignmentJournal.Scan scan = journal.scan();
    assertThat(scan.assignments()).isEmpty();
    assertThat(scan.refused()).singleElement().satisfies(e -> assertThat(e.uid()).isEqualTo("notes.txt"));
    assertThat(dir.resolve("j").resolve("." + UID + ".tmp-x")).doesNotExist();
  }

  @Test
  void refusesUidsThatCouldTraverse() throws Exception {
    AssignmentJournal journal = AssignmentJournal.open(dir.resolve("j"));
    assertThatThrownBy(() -> journal.read("../../etc/passwd")).isInstanceOf(JournalException.class);
    assertThatThrownBy(() -> new SandboxKey("ns", "n", "../x")).isInstanceOf(IllegalArgumentException.class);
  }

  private static void write(Path file, String content, String mode) throws Exception {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
  }
}
