package dev.nucleus.agent.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeValidatorTest {

    /** realPath resolves like the kernel would: /srv/link -> /etc, /data/../etc -> /etc. */
    static final HostFiles FILES = new HostFiles() {
        final Map<String, String> real = Map.of("/srv/link", "/etc", "/data/../etc", "/etc", "/srv/data", "/srv/data",
                "/var/lib/nucleus/sandboxes", "/var/lib/nucleus/sandboxes", "/var", "/var", "/", "/", "/var/run/docker.sock",
                "/run/docker.sock");

        @Override
        public Kind kind(Path path) {
            return Kind.DIRECTORY;
        }

        @Override
        public String readLink(Path path) {
            return null;
        }

        @Override
        public Path realPath(Path path) throws IOException {
            String r = real.get(path.toString());
            if (r == null) {
                throw new java.nio.file.NoSuchFileException(path.toString());
            }
            return Path.of(r);
        }
    };
    static final VolumeValidator V = new VolumeValidator(FILES, Path.of("/var/lib/nucleus"));

    static Volume host(String src, String dst) {
        return new Volume.HostPath(Path.of(src), dst, false);
    }

    @Test
    void acceptsADataDirectory() throws Exception {
        assertThat(V.validate(host("/srv/data", "/data"), "volumes[0]")).isEqualTo(host("/srv/data", "/data"));
    }

    @Test
    void refusesSensitiveSourcesAfterResolvingSymlinksAndDotDot() {
        for (String src : new String[] {"/srv/link", "/data/../etc", "/var/run/docker.sock"}) {
            assertThatThrownBy(() -> V.validate(host(src, "/data"), "volumes[0]")).isInstanceOf(InvalidMountException.class)
                    .hasMessageStartingWith("volumes[0].path:").hasMessageContaining("sensitive");
        }
        assertThatThrownBy(() -> V.validate(host("/", "/data"), "volumes[1]")).hasMessageContaining("the host's /");
    }

    @Test
    void refusesTheStateDirectoryAndItsAncestors() {
        assertThatThrownBy(() -> V.validate(host("/var", "/data"), "v")).hasMessageContaining("overlaps the Nucleus state directory");
        assertThatThrownBy(() -> V.validate(host("/var/lib/nucleus/sandboxes", "/data"), "v")).hasMessageContaining("overlaps");
    }

    @Test
    void refusesMissingSources() {
        assertThatThrownBy(() -> V.validate(host("/nope", "/data"), "v")).hasMessageContaining("does not exist");
    }

    @Test
    void refusesBadTargetsAndSizes() {
        for (String t : new String[] {"data", "/data/../etc", "/etc/x", "/proc", "/", "/a//b", "/a/", "/a,b"}) {
            assertThatThrownBy(() -> VolumeValidator.checkTarget(t, "volumes[0].mountPath"))
                    .isInstanceOf(InvalidMountException.class).hasMessageStartingWith("volumes[0].mountPath:");
        }
        assertThatThrownBy(() -> V.validate(new Volume.Tmpfs("/scratch", 0), "v")).hasMessageContaining("sizeLimit");
    }
}
