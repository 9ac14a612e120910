package dev.nucleus.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.state.DirectoryTrees.OnFailure;

/** The one recursive delete: under every policy a symlink in the tree, or at its top, goes and its target stays. */
class DirectoryTreesTest {

    @TempDir
    Path tmp;

    @Test
    void everyPolicyRemovesLinksNeverTheirTargets() throws Exception {
        for (OnFailure policy : OnFailure.values()) {
            Path outside = Files.createDirectories(tmp.resolve(policy + "-outside"));
            Path precious = Files.writeString(outside.resolve("precious"), "keep");
            Path tree = Files.createDirectories(tmp.resolve(policy + "-tree/images/nested"));
            Files.writeString(tree.resolve("pages.img"), "pages");
            Files.createSymbolicLink(tree.resolve("to-file"), precious);
            Files.createSymbolicLink(tree.resolve("to-dir"), outside);
            Path top = tmp.resolve(policy + "-tree");
            DirectoryTrees.delete(top, policy);
            assertThat(Files.exists(top, LinkOption.NOFOLLOW_LINKS)).as("%s", policy).isFalse();

            Path linkAtTop = Files.createSymbolicLink(tmp.resolve(policy + "-link"), outside);
            DirectoryTrees.delete(linkAtTop, policy);
            assertThat(Files.exists(linkAtTop, LinkOption.NOFOLLOW_LINKS)).as("%s", policy).isFalse();
            assertThat(Files.readString(precious)).as("%s", policy).isEqualTo("keep");

            DirectoryTrees.delete(top, policy);  // a missing tree is nothing to delete
        }
        DirectoryTrees.deleteQuietly(tmp.resolve("never-there"));
    }
}
