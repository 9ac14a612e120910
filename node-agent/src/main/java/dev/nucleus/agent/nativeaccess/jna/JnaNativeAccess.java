package dev.nucleus.agent.nativeaccess.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.nucleus.agent.nativeaccess.NativeAccess;
import dev.nucleus.agent.nativeaccess.NativeAccessException;
import dev.nucleus.agent.nativeaccess.SeccompAction;
import dev.nucleus.agent.nativeaccess.SeccompFilter;

/** {@link NativeAccess} through JNA: the only place in the agent that touches com.sun.jna. */
public final class JnaNativeAccess implements NativeAccess {
  private static final int LANDLOCK_CREATE_RULESET_VERSION = 1;
  private static final int SECCOMP_GET_ACTION_AVAIL = 2;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;
  private static final JnaNativeAccess INSTANCE = new JnaNativeAccess();

  private volatile LibSeccomp seccomp;

  private JnaNativeAccess() {}

  public static JnaNativeAccess instance() {
    return INSTANCE;
  }

  @Override
  public int landlockAbi() {
    try {
      long abi = LibC.INSTANCE.syscall(LibC.SYS_LANDLOCK_CREATE_RULESET, Pointer.NULL, 0L, (long) LANDLOCK_CREATE_RULESET_VERSION);
      return (int) Math.max(0, abi);
    } catch (LastErrorException e) {
      // ENOSYS: not built in; EOPNOTSUPP: built in but disabled at boot. Either way nothing to enforce with.
      return 0;
    }
  }

  @Override
  public boolean seccompActionAvailable(SeccompAction action) {
    Memory act = new Memory(4);
    act.setInt(0, action.value());
    try {
      return LibC.INSTANCE.syscall(LibC.SYS_SECCOMP, (long) SECCOMP_GET_ACTION_AVAIL, 0L, act) == 0;
    } catch (LastErrorException e) {
      return false;
    }
  }

  @Override
  public SeccompFilter newSeccompFilter(int defaultAction) {
    return new JnaSeccompFilter(libseccomp(), defaultAction);
  }

  @Override
  public String libseccompVersion() {
    Pointer v = libseccomp().seccomp_version();
    return v.getInt(0) + "." + v.getInt(4) + "." + v.getInt(8);
  }

  @Override
  public int pidfdOpen(int pid) {
    try {
      return (int) LibC.INSTANCE.syscall(LibC.SYS_PIDFD_OPEN, (long) pid, 0L);
    } catch (LastErrorException e) {
      throw new NativeAccessException("pidfd_open(" + pid + ")", e.getErrorCode(), "failed");
    }
  }

  @Override
  public void pidfdSendSignal(int pidfd, int signal) {
    try {
      LibC.INSTANCE.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, Pointer.NULL, 0L);
    } catch (LastErrorException e) {
      throw new NativeAccessException("pidfd_send_signal(" + signal + ")", e.getErrorCode(), "failed");
    }
  }

  @Override
  public void syncFilesystem(java.nio.file.Path dir) {
    int fd;
    try {
      fd = LibC.INSTANCE.open(dir.toString(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new NativeAccessException("open(" + dir + ")", e.getErrorCode(), "failed");
    }
    try {
      LibC.INSTANCE.syncfs(fd);
    } catch (LastErrorException e) {
      throw new NativeAccessException("syncfs(" + dir + ")", e.getErrorCode(), "failed");
    } finally {
      LibC.INSTANCE.close(fd);
    }
  }

  @Override
  public void close(int fd) {
    try {
      LibC.INSTANCE.close(fd);
    } catch (LastErrorException e) {
      throw new NativeAccessException("close(" + fd + ")", e.getErrorCode(), "failed");
    }
  }

  private LibSeccomp libseccomp() {
    LibSeccomp lib = seccomp;
    if (lib == null) {
      synchronized (this) {
        if (seccomp == null) {
          try {
            seccomp = LibSeccomp.load();
          } catch (UnsatisfiedLinkError e) {
            throw new NativeAccessException("dlopen(" + LibSeccomp.SONAME + ")", "libseccomp 2 is not installed on this node", e);
          }
        }
        lib = seccomp;
      }
    }
    return lib;
  }
}
