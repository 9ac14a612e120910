package dev.nucleus.agent.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.api.v1alpha1.Quantities;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.api.v1alpha1.EnvVar;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Resources;
import dev.nucleus.api.v1alpha1.Security;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Maps the NucleusSandbox YAML that kubectl takes onto the runtime's normalized {@link SandboxConfig}. */
public final class SpecMapper {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SpecMapper() {
    }

    /** Reads and maps a manifest; every problem is an IllegalArgumentException naming the field and the fix. */
    public static SandboxConfig read(Path file) throws IOException {
        NucleusSandbox sandbox = parse(file);
        return map(sandbox.getMetadata().getName(), sandbox.getSpec());
    }

    /** Reads a manifest and checks its kind and name; the spec is checked by {@link #map}. */
    static NucleusSandbox parse(Path file) throws IOException {
        NucleusSandbox sandbox;
        try {
            sandbox = YAML.readValue(file.toFile(), NucleusSandbox.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String path = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("(document)");
            throw new IllegalArgumentException(path + ": " + e.getOriginalMessage().lines().findFirst().orElse("invalid")
                    + "; fix the manifest (see docs/crd-reference.md)");
        }
        if (sandbox == null || !"NucleusSandbox".equals(sandbox.getKind())) {
            throw new IllegalArgumentException("kind: expected NucleusSandbox; nucleus run -f takes one NucleusSandbox manifest");
        }
        if (sandbox.getMetadata() == null || sandbox.getMetadata().getName() == null) {
            throw new IllegalArgumentException("metadata.name: required; set a DNS-label name");
        }
        return sandbox;
    }

    static SandboxConfig map(String name, NucleusSandboxSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("spec: required; set at least spec.command");
        }
        List<String> command = new ArrayList<>(items("spec.command", spec.getCommand()));
        command.addAll(items("spec.args", spec.getArgs()));
        if (command.isEmpty()) {
            throw new IllegalArgumentException("spec.command: required; set the program to run, e.g. [\"/bin/sh\", \"-c\"]");
        }
        if (spec.getRuntime() != null && !"Native".equals(spec.getRuntime().name())) {
            throw new IllegalArgumentException("spec.runtime: " + spec.getRuntime() + " is not supported by this release; use Native");
        }
        if (spec.getRestoreFrom() != null) {
            throw new IllegalArgumentException("spec.restoreFrom: restores go through the operator; remove it for nucleus run");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : items("spec.env", spec.getEnv())) {
            env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
        }
        Security sec = Optional.ofNullable(spec.getSecurity()).orElse(new Security());
        Resources res = spec.getResources();
        if (res != null && res.getIoWeight() != null) {
            // fail closed: a limit the sandbox would silently run without is worse than a refusal
            throw new IllegalArgumentException("spec.resources.ioWeight: not enforced by nucleus run yet; remove it");
        }
        SandboxConfig.Resources resources = res == null ? SandboxConfig.Resources.UNLIMITED : new SandboxConfig.Resources(
                res.getMemory() == null ? 0 : Quantities.bytes("spec.resources.memory", res.getMemory()),
                res.getCpu() == null ? 0 : Quantities.millicores("spec.resources.cpu", res.getCpu()),
                res.getPids() == null ? 0 : res.getPids());
        RootfsSource rootfs = new RootfsSource.Host();
        if (spec.getRootfs() != null && spec.getRootfs().getPath() != null) {
            boolean writable = Boolean.TRUE.equals(spec.getRootfs().getWritable()) && !Boolean.TRUE.equals(sec.getReadOnlyRootfs());
            rootfs = new RootfsSource.Directory(Path.of(spec.getRootfs().getPath()), writable);
        }
        List<Volume> volumes = new ArrayList<>();
        List<dev.nucleus.api.v1alpha1.Volume> specVolumes = items("spec.volumes", spec.getVolumes());
        for (int i = 0; i < specVolumes.size(); i++) {
            var v = specVolumes.get(i);
            String field = "spec.volumes[" + i + "]";
            if (v.getHostPath() != null) {
                volumes.add(new Volume.HostPath(Path.of(v.getHostPath().getPath()), v.getMountPath(),
                        Boolean.TRUE.equals(v.getHostPath().getReadOnly())));
            } else if (v.getTmpfs() != null) {
                long size = v.getTmpfs().getSize() == null ? 64L << 20 : Quantities.bytes(field + ".tmpfs.size", v.getTmpfs().getSize());
                volumes.add(new Volume.Tmpfs(v.getMountPath(), size));
            } else {
                throw new IllegalArgumentException(field + ": set hostPath or tmpfs");
            }
        }
        SandboxConfig.Seccomp seccomp = SandboxConfig.Seccomp.DEFAULT;
        if (sec.getSeccomp() != null) {
            seccomp = new SandboxConfig.Seccomp(sec.getSeccomp().getProfile() == null ? "Default" : sec.getSeccomp().getProfile().name(),
                    items("spec.security.seccomp.allowSyscalls", sec.getSeccomp().getAllowSyscalls()));
        }
        SandboxConfig.Landlock landlock = SandboxConfig.Landlock.DEFAULT;
        Landlock ll = sec.getLandlock();
        if (ll != null) {
            String field = "spec.security.landlock.";
            landlock = new SandboxConfig.Landlock(true, items(field + "readWrite", ll.getReadWrite()),
                    items(field + "readOnly", ll.getReadOnly()), items(field + "execute", ll.getExecute()),
                    items(field + "tcpBind", ll.getTcpBind()), items(field + "tcpConnect", ll.getTcpConnect()));
        }
        Set<String> caps = new LinkedHashSet<>();
        if (sec.getCapabilities() != null) {
            items("spec.security.capabilities.add", sec.getCapabilities().getAdd()).forEach(c -> caps.add(c.name()));
        }
        NetworkMode network = NetworkMode.NONE;
        if (spec.getNetwork() != null && spec.getNetwork().getMode() != null) {
            if (spec.getNetwork().getMode() == dev.nucleus.api.v1alpha1.NetworkMode.Bridge) {
                throw new IllegalArgumentException("spec.network.mode: Bridge is not supported by this release; use None or Host");
            }
            network = NetworkMode.parse(spec.getNetwork().getMode().name());
        }
        long deadline = spec.getLifecycle() == null || spec.getLifecycle().getActiveDeadlineSeconds() == null ? 0
                : spec.getLifecycle().getActiveDeadlineSeconds();
        long uid = sec.getRunAsUser() == null ? 0 : sec.getRunAsUser();
        long gid = sec.getRunAsGroup() == null ? uid : sec.getRunAsGroup();
        return new SandboxConfig(name, command, env, spec.getWorkingDir() == null ? "/" : spec.getWorkingDir(), rootfs, volumes,
                resources, uid, gid, Boolean.TRUE.equals(sec.getUserNamespace()), network, seccomp, landlock, caps, deadline,
                spec.getHostname()).withTimeNamespace(Boolean.TRUE.equals(sec.getTimeNamespace()));
    }

    /**
     * A list of the manifest (absent: empty), its items checked: a null item (YAML {@code ~} or an empty {@code -}) is
     * refused by its field here, where the API server's schema would have refused it. The config copies what it keeps.
     */
    private static <T> List<T> items(String field, List<T> list) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "]: empty item; remove it or give it a value");
            }
        }
        return list;
    }
}
