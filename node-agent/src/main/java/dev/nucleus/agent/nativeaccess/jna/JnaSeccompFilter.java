package dev.nucleus.agent.nativeaccess.jna;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.nucleus.agent.nativeaccess.NativeAccessException;
import dev.nucleus.agent.nativeaccess.SeccompArgCmp;
import dev.nucleus.agent.nativeaccess.SeccompFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A libseccomp context driven through JNA. */
final class JnaSeccompFilter implements SeccompFilter {
  /** sizeof(struct scmp_arg_cmp): unsigned int arg, enum op, scmp_datum_t a, scmp_datum_t b. */
  private static final int ARG_CMP_SIZE = 24;
  private static final int MFD_CLOEXEC = 1;

  private final LibSeccomp lib;
  private Pointer ctx;

  JnaSeccompFilter(LibSeccomp lib, int defaultAction) {
    this.lib = lib;
    this.ctx = lib.seccomp_init(defaultAction);
    if (ctx == null) {
      throw new NativeAccessException("seccomp_init", 0, "libseccomp refused default action 0x" + Integer.toHexString(defaultAction));
    }
    // Level 2 = binary tree of syscall numbers: fewer instructions per call for a long allowlist.
    check("seccomp_attr_set(OPTIMIZE)", lib.seccomp_attr_set(ctx, LibSeccomp.SCMP_FLTATR_CTL_OPTIMIZE, 2));
  }

  @Override
  public int resolve(String name) {
    return lib.seccomp_syscall_resolve_name(name);
  }

  @Override
  public void addRule(int action, int syscall, List<SeccompArgCmp> conditions) {
    Pointer args = null;
    if (!conditions.isEmpty()) {
      Memory mem = new Memory((long) ARG_CMP_SIZE * conditions.size());
      mem.clear();
      for (int i = 0; i < conditions.size(); i++) {
        SeccompArgCmp c = conditions.get(i);
        long base = (long) i * ARG_CMP_SIZE;
        mem.setInt(base, c.index());
        mem.setInt(base + 4, c.op().code());
        mem.setLong(base + 8, c.datumA());
        mem.setLong(base + 16, c.datumB());
      }
      args = mem;
    }
    check("seccomp_rule_add_array(" + syscall + ")", lib.seccomp_rule_add_array(live(), action, syscall, conditions.size(), args));
  }

  @Override
  public void setBadArchAction(int action) {
    check("seccomp_attr_set(ACT_BADARCH)", lib.seccomp_attr_set(live(), LibSeccomp.SCMP_FLTATR_ACT_BADARCH, action));
  }

  @Override
  public byte[] exportBpf() {
    // A memfd keeps the program off disk and cannot fill up like a pipe read after the write would.
    int fd = LibC.INSTANCE.memfd_create("nucleus-seccomp", MFD_CLOEXEC);
    try {
      check("seccomp_export_bpf", lib.seccomp_export_bpf(live(), fd));
      // Opening /proc/self/fd/N reopens the memfd at offset 0.
      return Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
    } catch (IOException e) {
      throw new NativeAccessException("seccomp_export_bpf", "cannot read the exported program back", e);
    } finally {
      LibC.INSTANCE.close(fd);
    }
  }

  @Override
  public void close() {
    if (ctx != null) {
      lib.seccomp_release(ctx);
      ctx = null;
    }
  }

  private Pointer live() {
    if (ctx == null) {
      throw new IllegalStateException("seccomp filter already released");
    }
    return ctx;
  }

  private static void check(String call, int rc) {
    if (rc < 0) {
      throw new NativeAccessException(call, -rc, "libseccomp failed");
    }
  }
}
