package dev.nucleus.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user-namespace range registry on a temp state root. */
class IdRangeAllocatorTest {

    @TempDir
    Path root;

    StateDirectory state() {
        return new StateDirectory(root);
    }

    /** A sandbox directory, as SandboxRuntime creates it before allocating. */
    void sandbox(String name) throws Exception {
        state().create(name);
    }

    @Test
    void rangesAreDisjointStableAndTheLowestFreeIsReused() throws Exception {
        IdRangeAllocator ids = new IdRangeAllocator(state());
        sandbox("a");
        sandbox("b");
        sandbox("c");
        assertThat(ids.allocate("a")).isEqualTo(1L << 20);
        assertThat(ids.allocate("b")).isEqualTo((1L << 20) + 65536);
        assertThat(ids.allocate("a")).as("a sandbox keeps its range").isEqualTo(1L << 20);
        ids.release("a");
        assertThat(ids.lookup("a")).isEmpty();
        assertThat(ids.allocate("c")).isEqualTo(1L << 20);
        assertThat(new IdRangeAllocator(state()).lookup("b")).as("persisted").hasValue((1L << 20) + 65536);
        assertThat(Files.getPosixFilePermissions(root.resolve("userns-ranges"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(root.resolve("userns-ranges"))).isEqualTo("0 c\n1 b\n");
    }

    @Test
    void exhaustionIsRefusedCleanlyAndChangesNothing() throws Exception {
        IdRangeAllocator ids = new IdRangeAllocator(state(), 1L << 20, 2);
        for (String n : List.of("a", "b", "c")) {
            sandbox(n);
        }
        ids.allocate("a");
        ids.allocate("b");
        String before = Files.readString(root.resolve("userns-ranges"));
        assertThatThrownBy(() -> ids.allocate("c")).isInstanceOf(IdRangesExhaustedException.class)
                .hasMessage("all 2 user namespace id ranges are in use; remove a user-namespaced sandbox first");
        assertThat(Files.readString(root.resolve("userns-ranges"))).isEqualTo(before);
        ids.release("b");
        assertThat(ids.allocate("c")).isEqualTo((1L << 20) + 65536);
    }

    @Test
    void aRangeWhoseSandboxDirectoryIsGoneIsReclaimed() throws Exception {
        IdRangeAllocator ids = new IdRangeAllocator(state(), 1L << 20, 1);
        sandbox("crashed");
        ids.allocate("crashed");
        state().delete("crashed");  // a process died between deleting the directory and releasing the range
        sandbox("next");
        assertThat(ids.allocate("next")).isEqualTo(1L << 20);
        assertThat(ids.lookup("crashed")).isEmpty();
    }

    @Test
    void concurrentAllocationsNeverShareARange() throws Exception {
        int n = 32;
        for (int i = 0; i < n; i++) {
            sandbox("s" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "s" + i;
            // a fresh allocator per call, as separate agents or CLI processes would have
            got.add(pool.submit(() -> {
                go.await();
                return new IdRangeAllocator(state()).allocate(name);
            }));
        }
        go.countDown();
        Set<Long> distinct = ConcurrentHashMap.newKeySet();
        for (Future<Long> f : got) {
            distinct.add(f.get());
        }
        pool.shutdown();
        assertThat(distinct).hasSize(n).allSatisfy(b -> assertThat((b - (1L << 20)) % 65536).isZero());
        assertThat(Files.readString(root.resolve("userns-ranges")).lines()).hasSize(n);
    }

    @Test
    void aCorruptOrRedirectedRegistryHandsOutNothing(@TempDir Path elsewhere) throws Exception {
        sandbox("a");
        Files.writeString(root.resolve("userns-ranges"), "0 a\n0 b\n");
        assertThatThrownBy(() -> new IdRangeAllocator(state()).allocate("a")).hasMessageContaining("corrupt user namespace range registry");
        Files.writeString(root.resolve("userns-ranges"), "zero a\n");
        assertThatThrownBy(() -> new IdRangeAllocator(state()).allocate("a")).hasMessageContaining("line 'zero a'");
        Files.delete(root.resolve("userns-ranges"));
        Path target = Files.writeString(elsewhere.resolve("target"), "precious");
        Files.createSymbolicLink(root.resolve("userns-ranges"), target);
        assertThatThrownBy(() -> new IdRangeAllocator(state()).allocate("a")).isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.readString(target)).isEqualTo("precious");
    }
}
