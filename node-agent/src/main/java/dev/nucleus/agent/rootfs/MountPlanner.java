package dev.nucleus.agent.rootfs;

import static dev.nucleus.agent.rootfs.MountFlags.BIND;
import static dev.nucleus.agent.rootfs.MountFlags.NODEV;
import static dev.nucleus.agent.rootfs.MountFlags.NOEXEC;
import static dev.nucleus.agent.rootfs.MountFlags.NOSUID;
import static dev.nucleus.agent.rootfs.MountFlags.PRIVATE;
import static dev.nucleus.agent.rootfs.MountFlags.RDONLY;
import static dev.nucleus.agent.rootfs.MountFlags.REC;
import static dev.nucleus.agent.rootfs.MountFlags.REMOUNT;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes the ordered mount plan of one sandbox (pure: host facts come from {@link HostFiles}).
 * Layout: a private tmpfs (host rootfs) or overlay (path rootfs) at the sandbox's root mount, then /etc, /tmp, /dev,
 * /proc with OCI-style masks, volumes ({@link #plan}, host paths, before pivot_root); then, in the sandbox's view
 * after pivot_root, /etc/hostname, /etc/hosts and the root remounted read-only ({@link #finish}): the only part that
 * depends on the workload's spec beyond the shape a warm-pool member is made for.
 */
public final class MountPlanner {

    /** Host system directories bound read-only for {@code rootfs.host} (symlinks are recreated as symlinks). */
    static final List<String> HOST_SYSTEM_DIRS = List.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "opt");
    /**
     * The curated /etc: only what programs need to resolve names, users, libraries, time zones and certificates.
     * Never shadow, gshadow, ssh/, sudoers, ssl/private, kubernetes/ or anything the agent owns.
     */
    static final List<String> HOST_ETC_ALLOWLIST = List.of("passwd", "group", "nsswitch.conf", "resolv.conf",
            "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "os-release", "debian_version",
            "protocols", "services", "host.conf", "gai.conf", "mime.types", "alternatives", "ssl/certs",
            "ca-certificates.conf", "java-17-openjdk");
    /** Where every sandbox sees the launcher binary that its pid 1 (the sandbox's init) runs from. */
    public static final String INIT_PATH = "/dev/nucleus-init";

    /** /proc entries replaced by /dev/null (runtime-spec defaults plus kernel debugging files). */
    static final List<String> PROC_MASKED_FILES = List.of("kcore", "kallsyms", "sysrq-trigger", "timer_list",
            "timer_stats", "sched_debug", "keys", "key-users", "latency_stats", "kpagecount", "kpageflags",
            "kpagecgroup", "config.gz", "kmsg", "vmallocinfo");
    static final List<String> PROC_MASKED_DIRS = List.of("acpi", "scsi", "asound", "driver");
    static final List<String> PROC_READ_ONLY = List.of("bus", "fs", "irq", "sys");
    static final String[][] DEV_NODES = {{"null", "1", "3"}, {"zero", "1", "5"}, {"full", "1", "7"},
        {"random", "1", "8"}, {"urandom", "1", "9"}, {"tty", "5", "0"}};

    private final HostFiles host;

    public MountPlanner(HostFiles host) {
        this.host = host;
    }

    /** Inputs of one sandbox's mount plan. Volumes must already be validated by {@link VolumeValidator}. */
    public record Request(RootfsSource rootfs, Path rootMount, Path overlayUpper, Path overlayWork,
                          boolean userNamespace, long tmpBytes, List<Volume> volumes, Path initBinary) {
    }

    public List<MountOp> plan(Request r) throws InvalidMountException {
        Plan p = new Plan(r.rootMount().toString());
        // Nothing mounted below may propagate back to the host (mount_namespaces(7)).
        p.ops.add(new MountOp.Mount("", "/", "", REC | PRIVATE, ""));
        if (r.rootfs() instanceof RootfsSource.Directory d) {
            String lower = checkOverlayPath(d.path(), "rootfs.path");
            requireDirectory(d.path());
            String opts = "lowerdir=" + lower + ",upperdir=" + checkOverlayPath(r.overlayUpper(), "stateDir")
                    + ",workdir=" + checkOverlayPath(r.overlayWork(), "stateDir");
            p.ops.add(new MountOp.Mount("overlay", p.root, "overlay", NOSUID | NODEV, opts));
            refuseSymlinks(d.path(), List.of("etc", "tmp", "dev", "proc"));
            p.mkdir("/etc", 0755);
        } else {
            p.ops.add(new MountOp.Mount("tmpfs", p.root, "tmpfs", NOSUID | NODEV, "mode=0755,size=4m"));
            hostSystem(p);
            hostEtc(p);
        }
        p.mkdir("/tmp", 01777);
        p.ops.add(new MountOp.Mount("tmpfs", p.at("/tmp"), "tmpfs", NOSUID | NODEV, "mode=1777,size=" + r.tmpBytes()));
        dev(p, r.userNamespace(), r.initBinary());
        proc(p);
        for (Volume v : r.volumes()) {
            volume(p, v, r.rootfs());
        }
        return List.copyOf(p.ops);
    }

    /**
     * The ops applied after pivot_root, paths as the sandbox sees them: its /etc/hostname and /etc/hosts, then (last:
     * every mount point exists) the root remounted read-only, unless it is a writable {@code rootfs.path}.
     */
    public static List<MountOp> finish(RootfsSource rootfs, String hostname) {
        List<MountOp> ops = new ArrayList<>();
        ops.add(new MountOp.File("/etc/hostname", 0644, hostname + "\n"));
        ops.add(new MountOp.File("/etc/hosts", 0644, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t" + hostname + "\n"));
        if (rootfs instanceof RootfsSource.Host || rootfs instanceof RootfsSource.Directory d && !d.writable()) {
            ops.add(new MountOp.Mount("", "/", "", REMOUNT | RDONLY | NOSUID | NODEV, ""));
        }
        return List.copyOf(ops);
    }

    private void hostSystem(Plan p) throws InvalidMountException {
        for (String d : HOST_SYSTEM_DIRS) {
            Path src = Path.of("/", d);
            switch (host.kind(src)) {
                case SYMLINK -> p.ops.add(new MountOp.Symlink(readLink(src), p.at("/" + d)));
                case DIRECTORY -> p.bindReadOnly(src.toString(), "/" + d, true);
                default -> { }
            }
        }
    }

    private void hostEtc(Plan p) throws InvalidMountException {
        p.mkdir("/etc", 0755);
        for (String e : HOST_ETC_ALLOWLIST) {
            Path src = Path.of("/etc").resolve(e);
            if (e.contains("/") && host.kind(src) != HostFiles.Kind.MISSING) {
                p.mkdir("/etc/" + e.substring(0, e.lastIndexOf('/')), 0755);
            }
            switch (host.kind(src)) {
                case SYMLINK -> p.ops.add(new MountOp.Symlink(readLink(src), p.at("/etc/" + e)));
                case DIRECTORY -> p.bindReadOnly(src.toString(), "/etc/" + e, true);
                case FILE -> p.bindReadOnly(src.toString(), "/etc/" + e, false);
                default -> { }
            }
        }
    }

    private void dev(Plan p, boolean userNamespace, Path initBinary) {
        p.mkdir("/dev", 0755);
        p.ops.add(new MountOp.Mount("tmpfs", p.at("/dev"), "tmpfs", NOSUID | NOEXEC, "mode=0755,size=64k"));
        for (String[] n : DEV_NODES) {
            if (userNamespace) {
                // mknod is refused in a user namespace: bind the host's node instead.
                p.ops.add(new MountOp.File(p.at("/dev/" + n[0]), 0666, null));
                p.ops.add(new MountOp.Mount("/dev/" + n[0], p.at("/dev/" + n[0]), "", BIND, ""));
            } else {
                p.ops.add(new MountOp.Mknod(p.at("/dev/" + n[0]), Integer.parseInt(n[1]), Integer.parseInt(n[2])));
            }
        }
        for (String[] l : new String[][] {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}}) {
            p.ops.add(new MountOp.Symlink(l[0], p.at("/dev/" + l[1])));
        }
        p.mkdir("/dev/shm", 01777);
        p.ops.add(new MountOp.Mount("tmpfs", p.at("/dev/shm"), "tmpfs", NOSUID | NODEV | NOEXEC, "mode=1777,size=64m"));
        // The sandbox's pid 1 re-executes the launcher from here, inside the sandbox's own mount namespace, where CRIU
        // can find the file behind its mappings. A bind of the launcher itself, read-only; no copy.
        p.ops.add(new MountOp.File(p.at(INIT_PATH), 0555, null));
        p.ops.add(new MountOp.Mount(initBinary.toString(), p.at(INIT_PATH), "", BIND, ""));
        p.ops.add(new MountOp.Mount("", p.at(INIT_PATH), "", REMOUNT | BIND | RDONLY | NOSUID | NODEV, ""));
        p.ops.add(new MountOp.Mount("", p.at("/dev"), "", REMOUNT | RDONLY | NOSUID | NOEXEC, ""));
    }

    private void proc(Plan p) {
        p.mkdir("/proc", 0555);
        p.ops.add(new MountOp.Mount("proc", p.at("/proc"), "proc", NOSUID | NODEV | NOEXEC, ""));
        for (String f : PROC_READ_ONLY) {
            if (host.kind(Path.of("/proc", f)) == HostFiles.Kind.DIRECTORY) {
                p.ops.add(new MountOp.Mount(p.at("/proc/" + f), p.at("/proc/" + f), "", BIND | REC, ""));
                p.ops.add(new MountOp.Mount("", p.at("/proc/" + f), "", REMOUNT | BIND | RDONLY | NOSUID | NODEV | NOEXEC, ""));
            }
        }
        for (String f : PROC_MASKED_FILES) {
            if (host.kind(Path.of("/proc", f)) == HostFiles.Kind.FILE) {
                p.ops.add(new MountOp.Mount(p.at("/dev/null"), p.at("/proc/" + f), "", BIND, ""));
            }
        }
        for (String d : PROC_MASKED_DIRS) {
            if (host.kind(Path.of("/proc", d)) == HostFiles.Kind.DIRECTORY) {
                p.ops.add(new MountOp.Mount("tmpfs", p.at("/proc/" + d), "tmpfs", RDONLY | NOSUID | NODEV | NOEXEC, "size=0"));
            }
        }
    }

    private void volume(Plan p, Volume v, RootfsSource rootfs) throws InvalidMountException {
        if (rootfs instanceof RootfsSource.Directory d) {
            refuseSymlinks(d.path(), List.of(v.target().substring(1)));
        }
        String parent = Path.of(v.target()).getParent().toString();
        p.mkdirs(parent);
        if (v instanceof Volume.Tmpfs t) {
            p.mkdir(v.target(), 01777);
            p.ops.add(new MountOp.Mount("tmpfs", p.at(v.target()), "tmpfs", NOSUID | NODEV, "mode=1777,size=" + t.sizeBytes()));
            return;
        }
        Volume.HostPath h = (Volume.HostPath) v;
        boolean dir = host.kind(h.source()) == HostFiles.Kind.DIRECTORY;
        if (dir) {
            p.mkdir(v.target(), 0755);
        } else {
            p.ops.add(new MountOp.File(p.at(v.target()), 0644, null));
        }
        p.ops.add(new MountOp.Mount(h.source().toString(), p.at(v.target()), "", BIND | REC, ""));
        p.ops.add(new MountOp.Mount("", p.at(v.target()), "", REMOUNT | BIND | NOSUID | NODEV | (h.readOnly() ? RDONLY : 0), ""));
    }

    /** Mount targets inside a node-provided rootfs must not traverse symlinks, which the kernel would follow on the host. */
    private void refuseSymlinks(Path lower, List<String> relatives) throws InvalidMountException {
        for (String rel : relatives) {
            Path cur = lower;
            for (Path part : Path.of(rel)) {
                cur = cur.resolve(part);
                if (host.kind(cur) == HostFiles.Kind.SYMLINK) {
                    throw new InvalidMountException("rootfs.path", cur + " is a symlink; a mount target inside the rootfs must be a real directory");
                }
            }
        }
    }

    /** Refused here, before any launch, so a missing root is reported as such and not as the launcher's ENOENT. */
    private void requireDirectory(Path rootfs) throws InvalidMountException {
        switch (host.kind(rootfs)) {
            case DIRECTORY -> { }
            case MISSING -> throw new InvalidMountException("rootfs.path", rootfs + " does not exist on this node");
            case SYMLINK -> throw new InvalidMountException("rootfs.path", rootfs + " is a symlink; a root filesystem must be a real directory");
            default -> throw new InvalidMountException("rootfs.path", rootfs + " is not a directory");
        }
    }

    private static String checkOverlayPath(Path path, String field) throws InvalidMountException {
        String s = path.toString();
        if (!path.isAbsolute() || s.chars().anyMatch(c -> c == ',' || c == ':' || c == '\\' || c < 0x20)) {
            throw new InvalidMountException(field, "path " + s + " must be absolute and free of ',', ':' and '\\' (overlay option syntax)");
        }
        return s;
    }

    private String readLink(Path p) throws InvalidMountException {
        try {
            return host.readLink(p);
        } catch (IOException e) {
            throw new InvalidMountException("rootfs.host", "cannot read symlink " + p + ": " + e.getMessage());
        }
    }

    /** Accumulates ops with host paths under the root mount. */
    private static final class Plan {
        final String root;
        final List<MountOp> ops = new ArrayList<>();

        Plan(String root) {
            this.root = root;
        }

        String at(String inside) {
            return root + inside;
        }

        void mkdir(String inside, int mode) {
            ops.add(new MountOp.Mkdir(at(inside), mode));
        }

        void mkdirs(String inside) {
            Path cur = Path.of("/");
            for (Path part : Path.of(inside)) {
                cur = cur.resolve(part);
                mkdir(cur.toString(), 0755);
            }
        }

        void bindReadOnly(String source, String inside, boolean directory) {
            if (directory) {
                mkdir(inside, 0755);
            } else {
                ops.add(new MountOp.File(at(inside), 0644, null));
            }
            ops.add(new MountOp.Mount(source, at(inside), "", BIND | REC, ""));
            // MS_RDONLY is ignored on the first bind; it takes a bind remount (mount(2)).
            ops.add(new MountOp.Mount("", at(inside), "", REMOUNT | BIND | RDONLY | NOSUID | NODEV, ""));
        }
    }
}
