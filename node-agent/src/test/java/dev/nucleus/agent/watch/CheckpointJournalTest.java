package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointJournalTest {
  @TempDir Path dir;

  static CheckpointRecord running() {
    return CheckpointDecisionTest.record(CheckpointRecord.Stage.RUNNING, 1);
  }

  @Test
  void recordsRoundTripWithTheirOutcomeIn0600Files() throws Exception {
    CheckpointJournal journal = CheckpointJournal.open(dir.resolve("j"));
    journal.write(running());
    CheckpointRecord done = running().ended(CheckpointRecord.Stage.COMPLETED, new NucleusCheckpointStatus()
        .setPhase(CheckpointPhase.Completed).setAttempts(1).setDigest("sha256:00").setSizeBytes(42L));
    journal.write(done);
    Path file = dir.resolve("j").resolve(running().key().uid() + ".json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    CheckpointJournal.Scan scan = CheckpointJournal.open(dir.resolve("j")).scan();
    assertThat(scan.refused()).isEmpty();
    assertThat(scan.records()).singleElement().satisfies(r -> {
      assertThat(r.stage()).isEqualTo(CheckpointRecord.Stage.COMPLETED);
      assertThat(r.outcome().getDigest()).isEqualTo("sha256:00");
      assertThat(r.outcome().getSizeBytes()).isEqualTo(42L);
      assertThat(r.location()).isEqualTo(running().location());
      assertThat(r.sandboxUid()).isEqualTo(running().sandboxUid());
    });
    journal.delete(running().key().uid());
    assertThat(journal.scan().records()).isEmpty();
  }

  @Test
  void aTamperedSymlinkedOrForeignRecordIsRefused() throws Exception {
    CheckpointJournal journal = CheckpointJournal.open(dir.resolve("j"));
    journal.write(running());
    Path file = dir.resolve("j").resolve(running().key().uid() + ".json");
    String json = Files.readString(file);

    Files.writeString(file, json.replace("\"stage\"", "\"command\":\"rm -rf /\",\"stage\""));
    assertThat(journal.scan().refused()).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("unexpected field 'command'"));

    Files.writeString(file, json.replace("\"outcome\"", "\"x\"").replace("\"leaveRunning\":false",
        "\"leaveRunning\":false,\"outcome\":{\"phase\":\"Completed\",\"bogus\":1}"));
    assertThat(journal.scan().refused()).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("inconsistent"));

    String other = "99999999-8888-7777-6666-555555555555";
    Path foreign = dir.resolve("j").resolve(other + ".json");
    Files.delete(file);
    Files.writeString(foreign, json);
    Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rw-------"));
    assertThat(journal.scan().refused()).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("under the name of another"));

    Files.delete(foreign);
    Path bait = Files.writeString(dir.resolve("bait.json"), json);
    Files.setPosixFilePermissions(bait, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(file, bait);
    assertThat(journal.scan().refused()).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("symlink"));
  }
}
