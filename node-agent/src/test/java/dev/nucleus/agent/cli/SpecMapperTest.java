package dev.nucleus.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Seccomp;
import dev.nucleus.api.v1alpha1.Security;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest of {@code nucleus run -f} mapped to a config: refusals name the field, lists are the config's own. */
class SpecMapperTest {

    @TempDir
    Path tmp;

    private Path manifest(String security) throws Exception {
        return Files.writeString(tmp.resolve("sandbox.yaml"), """
                apiVersion: nucleus.dev/v1alpha1
                kind: NucleusSandbox
                metadata:
                  name: nulls
                spec:
                  command: ["/bin/true"]
                  security:
                """ + security.indent(4));
    }

    @Test
    void anEmptyItemInAListIsRefusedByItsFieldNotLaunched() throws Exception {
        assertThatThrownBy(() -> SpecMapper.read(manifest("seccomp:\n  allowSyscalls: [ptrace, ~]\n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("spec.security.seccomp.allowSyscalls[1]: empty item; remove it or give it a value");
        assertThatThrownBy(() -> SpecMapper.read(manifest("landlock:\n  readWrite:\n    -\n")))
                .hasMessageStartingWith("spec.security.landlock.readWrite[0]: empty item");
        assertThatThrownBy(() -> SpecMapper.read(manifest("capabilities:\n  add: [~]\n")))
                .hasMessageStartingWith("spec.security.capabilities.add[0]: empty item");
    }

    @Test
    void theConfigKeepsNoListOfTheManifestItWasMappedFrom() {
        List<String> syscalls = new ArrayList<>(List.of("ptrace"));
        List<String> writable = new ArrayList<>(List.of("/data"));
        NucleusSandboxSpec spec = new NucleusSandboxSpec().setCommand(new ArrayList<>(List.of("/bin/true")))
                .setSecurity(new Security().setSeccomp(new Seccomp().setAllowSyscalls(syscalls))
                        .setLandlock(new Landlock().setReadWrite(writable)));

        SandboxConfig config = SpecMapper.map("lists", spec);
        syscalls.set(0, "bpf");
        writable.add("/");

        assertThat(config.seccomp().extraAllowed()).containsExactly("ptrace");
        assertThat(config.landlock().readWrite()).containsExactly("/data");
    }
}
