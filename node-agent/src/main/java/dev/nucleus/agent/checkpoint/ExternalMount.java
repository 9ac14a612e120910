package dev.nucleus.agent.checkpoint;

/**
 * A host bind mount inside a sandbox, declared to CRIU as external: dumped as {@code mnt[containerPath]:key} and
 * restored as {@code mnt[key]:hostPath}, so its contents are never part of the image.
 */
public record ExternalMount(String key, String containerPath, String hostPath) {

    public ExternalMount {
        if (key == null || !key.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new IllegalArgumentException("external mount key must be 1-63 of [A-Za-z0-9_.-], got " + key);
        }
        requireAbsolute("containerPath", containerPath);
        requireAbsolute("hostPath", hostPath);
    }

    /** The {@code --external} value for {@code criu dump}. */
    public String dumpSpec() {
        return "mnt[" + containerPath + "]:" + key;
    }

    /** The {@code --external} value for {@code criu restore}. */
    public String restoreSpec() {
        return "mnt[" + key + "]:" + hostPath;
    }

    /** The same mount bound to another host directory (restore on another node or into a new sandbox dir). */
    public ExternalMount withHostPath(String newHostPath) {
        return new ExternalMount(key, containerPath, newHostPath);
    }

    private static void requireAbsolute(String what, String path) {
        if (path == null || !path.startsWith("/") || path.contains("\0") || path.contains("]")
                || java.util.Arrays.asList(path.split("/")).contains("..")) {
            throw new IllegalArgumentException(what + " must be an absolute path without '..' or ']', got " + path);
        }
    }
}
