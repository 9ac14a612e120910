package dev.nucleus.agent.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the workload's environment: fixed defaults, the user's variables, minus loader-injection variables. */
public final class EnvFilter {

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private EnvFilter() {
    }

    /**
     * True for variables that make the dynamic loader or libc load attacker-chosen code or files:
     * every {@code LD_*} (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT...), GCONV_PATH, HOSTALIASES, LOCPATH, NLSPATH, MALLOC_*.
     */
    public static boolean dangerous(String name) {
        return name.startsWith("LD_") || name.startsWith("MALLOC_") || name.equals("GCONV_PATH")
                || name.equals("HOSTALIASES") || name.equals("LOCPATH") || name.equals("NLSPATH")
                || name.equals("RES_OPTIONS") || name.equals("LOCALDOMAIN");
    }

    /** The environment in a stable order; never inherits anything from the agent. */
    public static Map<String, String> build(Map<String, String> user, String hostname, long uid) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOME", uid == 0 ? "/root" : "/");
        env.put("HOSTNAME", hostname);
        for (Map.Entry<String, String> e : new TreeMap<>(user).entrySet()) {
            if (!dangerous(e.getKey())) {
                env.put(e.getKey(), e.getValue());
            }
        }
        return env;
    }

    /**
     * {@link #build} as the launcher takes it, {@code NAME=value} in the same order. Without variables of the user's
     * (the usual claim) it is the three defaults alone, made without the maps: this runs on a launch's critical path.
     */
    public static List<String> entries(Map<String, String> user, String hostname, long uid) {
        if (user.isEmpty()) {
            return List.of("PATH=" + DEFAULT_PATH, uid == 0 ? "HOME=/root" : "HOME=/", "HOSTNAME=" + hostname);
        }
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : build(user, hostname, uid).entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        return env;
    }
}
