package dev.nucleus.agent.nativeaccess.jna;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libseccomp 2.5, loaded by its soname: the unversioned {@code libseccomp.so} only ships with the -dev
 * package, which production nodes do not have. Functions return negative errno values on failure.
 */
interface LibSeccomp extends Library {
  String SONAME = "libseccomp.so.2";

  int SCMP_FLTATR_ACT_BADARCH = 2;
  int SCMP_FLTATR_CTL_OPTIMIZE = 8;

  static LibSeccomp load() {
    return Native.load(SONAME, LibSeccomp.class);
  }

  Pointer seccomp_init(int defaultAction);

  int seccomp_syscall_resolve_name(String name);

  int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer args);

  int seccomp_attr_set(Pointer ctx, int attribute, int value);

  int seccomp_export_bpf(Pointer ctx, int fd);

  void seccomp_release(Pointer ctx);

  /** Returns {@code const struct scmp_version *}: three unsigned ints. */
  Pointer seccomp_version();
}
