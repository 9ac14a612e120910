package dev.nucleus.agent.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How to run CRIU on this node: which binary, whether it needs {@code CRIU_FAULT=130}, extra environment, and the
 * bound on every run. Defaults come from {@code NUCLEUS_CRIU}, {@code NUCLEUS_CRIU_FAULT} (auto|on|off) and
 * {@code NUCLEUS_CRIU_TIMEOUT_SECONDS}.
 */
public record CriuConfig(Path binary, FaultInjection faultInjection, Map<String, String> extraEnv, Duration timeout) {

    /** Whether CRIU gets {@code CRIU_FAULT=130} (fall back from hardware breakpoints to ptrace stepping). */
    public enum FaultInjection { AUTO, ON, OFF }

    /** Where install-criu.sh puts the binary, then the usual system locations. */
    public static final List<Path> SEARCH_PATH = List.of(
            Path.of("/usr/local/sbin/criu"), Path.of("/opt/nucleus/criu-4.1.1/sbin/criu"),
            Path.of("/usr/sbin/criu"), Path.of("/usr/bin/criu"));

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public CriuConfig {
        extraEnv = Map.copyOf(extraEnv);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("CRIU timeout must be positive, got " + timeout);
        }
    }

    public static CriuConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** The configuration described by {@code env}; an unknown fault mode or timeout is an error, not a default. */
    public static CriuConfig fromEnvironment(Map<String, String> env) {
        String bin = env.get("NUCLEUS_CRIU");
        Path binary = bin != null && !bin.isBlank() ? Path.of(bin) : findBinary();
        String fault = env.getOrDefault("NUCLEUS_CRIU_FAULT", "auto").trim().toLowerCase(Locale.ROOT);
        FaultInjection mode = switch (fault) {
            case "auto" -> FaultInjection.AUTO;
            case "on", "130" -> FaultInjection.ON;
            case "off" -> FaultInjection.OFF;
            default -> throw new IllegalArgumentException("NUCLEUS_CRIU_FAULT must be auto, on or off, got " + fault);
        };
        String seconds = env.get("NUCLEUS_CRIU_TIMEOUT_SECONDS");
        Duration timeout = seconds == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(Long.parseLong(seconds.trim()));
        return new CriuConfig(binary, mode, Map.of(), timeout);
    }

    public CriuConfig withTimeout(Duration newTimeout) {
        return new CriuConfig(binary, faultInjection, extraEnv, newTimeout);
    }

    public CriuConfig withFaultInjection(FaultInjection mode) {
        return new CriuConfig(binary, mode, extraEnv, timeout);
    }

    private static Path findBinary() {
        return SEARCH_PATH.stream().filter(Files::isExecutable).findFirst().orElse(SEARCH_PATH.get(0));
    }
}
