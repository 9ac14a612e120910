package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.api.v1alpha1.Reasons;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirectoriesTest {
  static final SandboxKey KEY = CheckpointDecisionTest.KEY;
  @TempDir Path tmp;

  @Test
  void imagesLiveUnderTheCheckpointRootByNamespaceNameAndUid() throws Exception {
    Path root = tmp.resolve("checkpoints");
    assertThat(CheckpointDirectories.location(root, KEY, null))
        .isEqualTo(root.resolve("team-a").resolve("counter-1-" + KEY.uid()));
    assertThat(CheckpointDirectories.location(root, KEY, root + "/fast"))
        .isEqualTo(root.resolve("fast").resolve("team-a").resolve("counter-1-" + KEY.uid()));
  }

  @Test
  void aStoragePathOutsideTheRootIsRefused() {
    Path root = tmp.resolve("checkpoints");
    for (String outside : new String[] {"/etc", root + "/../elsewhere", "relative/dir"}) {
      assertThatThrownBy(() -> CheckpointDirectories.location(root, KEY, outside))
          .isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reasons.INVALID_SPEC);
            assertThat(e.getMessage()).contains("spec.storage.path");
          });
    }
  }

  @Test
  void parentsReachedThroughASymlinkAreRefused() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("checkpoints"));
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Files.createSymbolicLink(root.resolve("team-a"), elsewhere);
    Path dir = CheckpointDirectories.location(root, KEY, null);
    assertThatThrownBy(() -> CheckpointDirectories.prepareParent(root, dir))
        .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.getMessage()).contains("symlink"));
  }

  @Test
  void deletingATreeRemovesLinksNotTheirTargets() throws Exception {
    Path precious = Files.writeString(tmp.resolve("precious"), "keep");
    Path dir = Files.createDirectories(tmp.resolve("checkpoints/team-a/x/images"));
    Files.writeString(dir.resolve("pages.img"), "pages");
    Files.createSymbolicLink(dir.resolve("link"), precious);
    CheckpointDirectories.deleteTree(tmp.resolve("checkpoints/team-a/x"));
    assertThat(tmp.resolve("checkpoints/team-a/x")).doesNotExist();
    assertThat(Files.readString(precious)).isEqualTo("keep");
    CheckpointDirectories.deleteTree(tmp.resolve("checkpoints/team-a/x")); // idempotent
  }
}
