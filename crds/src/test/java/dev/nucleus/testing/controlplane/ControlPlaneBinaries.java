package dev.nucleus.testing.controlplane;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Locates the control-plane binaries built by {@code .ci/control-plane/build.sh} and refuses to guess. */
public final class ControlPlaneBinaries {

    /** Overrides the location; otherwise {@code build.sh --dir} names it. */
    public static final String BIN_ENV = "NUCLEUS_CONTROL_PLANE_BIN";
    static final String BUILD_SCRIPT = ".ci/control-plane/build.sh";
    private static final List<String> REQUIRED =
            List.of("etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "helm");

    private final Path bin;
    private final Properties manifest;

    private ControlPlaneBinaries(Path bin, Properties manifest) {
        this.bin = bin;
        this.manifest = manifest;
    }

    /**
     * Finds the binaries for the checked-out versions.env. Fails (never skips) when they are missing,
     * because a test that needs a real API server proves nothing without one.
     */
    public static ControlPlaneBinaries locate() {
        String override = System.getenv(BIN_ENV);
        Path bin = override != null && !override.isBlank() ? Path.of(override) : askBuildScript();
        return at(bin);
    }

    /** Validates an explicit bin directory (it must hold every binary and its build MANIFEST). */
    public static ControlPlaneBinaries at(Path bin) {
        Path manifestFile = bin.resolveSibling("MANIFEST");
        if (!Files.isRegularFile(manifestFile)) {
            throw missing(bin, "no completed build (MANIFEST absent)");
        }
        for (String name : REQUIRED) {
            if (!Files.isExecutable(bin.resolve(name))) {
                throw missing(bin, name + " is not an executable file");
            }
        }
        Properties manifest = new Properties();
        try (InputStream in = Files.newInputStream(manifestFile)) {
            manifest.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + manifestFile, e);
        }
        return new ControlPlaneBinaries(bin, manifest);
    }

    public Path bin() {
        return bin;
    }

    public Path binary(String name) {
        return bin.resolve(name);
    }

    /** The Kubernetes release the binaries were built from, without the leading "v" (e.g. 1.35.4). */
    public String kubernetesVersion() {
        String version = manifest.getProperty("kubernetes", "");
        if (!version.matches("v\\d+\\.\\d+\\.\\d+")) {
            throw new IllegalStateException("MANIFEST next to " + bin + " has no usable kubernetes= line: " + version);
        }
        return version.substring(1);
    }

    private static IllegalStateException missing(Path bin, String why) {
        return new IllegalStateException("Kubernetes control-plane binaries missing in " + bin + " (" + why
                + "). Build them once with: " + BUILD_SCRIPT + " (from the repository root; cached by version)");
    }

    /** build.sh is the one place that knows the cache layout; ask it instead of duplicating it here. */
    private static Path askBuildScript() {
        Path script = repositoryRoot().resolve(BUILD_SCRIPT);
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--dir").redirectErrorStream(false);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                throw new IllegalStateException(script + " --dir failed (exit " + p.exitValue() + ")");
            }
            return Path.of(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + script, e);
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(BUILD_SCRIPT))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + BUILD_SCRIPT + " above " + Path.of("").toAbsolutePath()
                + "; set " + BIN_ENV + " to the directory holding the control-plane binaries");
    }
}
