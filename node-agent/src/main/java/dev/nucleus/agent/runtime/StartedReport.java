package dev.nucleus.agent.runtime;

/**
 * The launcher's first report line, {@code started<TAB>monitorPid<TAB>initPid<TAB>how<TAB>monitorStart<TAB>initStart}
 * (node-agent/src/main/c/README.md): who the monitor and the init are (pid and start time, read before the init may
 * run), and whether the init was born in its v2 cgroup.
 */
record StartedReport(long monitorPid, long initPid, boolean bornInCgroup, long monitorStartTime, long initStartTime) {

    /** Parses the line; anything else is the launcher's failure line, thrown as its reason. */
    static StartedReport parse(String line) throws LaunchException {
        String[] f = line.split("\t");
        if (f.length != 6 || !f[0].equals("started")) {
            throw LaunchException.fromReport(line);
        }
        return new StartedReport(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].equals("clone-into-cgroup"),
                Long.parseLong(f[4]), Long.parseLong(f[5]));
    }
}
