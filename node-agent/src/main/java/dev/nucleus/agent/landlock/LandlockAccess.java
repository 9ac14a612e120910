package dev.nucleus.agent.landlock;

/**
 * Landlock access-right bits and the ABI that introduced each, defined here because Debian 12's
 * {@code linux/landlock.h} predates most of them. Values from the kernel's include/uapi/linux/landlock.h.
 */
public final class LandlockAccess {
  // Filesystem rights, ABI 1.
  public static final long FS_EXECUTE = 1L << 0;
  public static final long FS_WRITE_FILE = 1L << 1;
  public static final long FS_READ_FILE = 1L << 2;
  public static final long FS_READ_DIR = 1L << 3;
  public static final long FS_REMOVE_DIR = 1L << 4;
  public static final long FS_REMOVE_FILE = 1L << 5;
  public static final long FS_MAKE_CHAR = 1L << 6;
  public static final long FS_MAKE_DIR = 1L << 7;
  public static final long FS_MAKE_REG = 1L << 8;
  public static final long FS_MAKE_SOCK = 1L << 9;
  public static final long FS_MAKE_FIFO = 1L << 10;
  public static final long FS_MAKE_BLOCK = 1L << 11;
  public static final long FS_MAKE_SYM = 1L << 12;
  /** ABI 2: link or rename a file across directories. */
  public static final long FS_REFER = 1L << 13;
  /** ABI 3: truncate(2), ftruncate(2), O_TRUNC. */
  public static final long FS_TRUNCATE = 1L << 14;
  /** ABI 5: ioctl(2) on character and block devices opened after the restriction. */
  public static final long FS_IOCTL_DEV = 1L << 15;

  // Network rights, ABI 4.
  public static final long NET_BIND_TCP = 1L << 0;
  public static final long NET_CONNECT_TCP = 1L << 1;

  // Scopes, ABI 6.
  public static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L << 0;
  public static final long SCOPE_SIGNAL = 1L << 1;

  /** The highest ABI whose rights this class knows (ABI 7 only added audit-logging flags). */
  public static final int KNOWN_ABI = 7;

  /** Rights that apply to regular files; a rule on a non-directory may only carry these. */
  public static final long FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;

  /** Every filesystem right the given ABI can handle. */
  public static long fsRights(int abi) {
    if (abi < 1) {
      return 0;
    }
    long rights = (1L << 13) - 1; // EXECUTE .. MAKE_SYM
    if (abi >= 2) {
      rights |= FS_REFER;
    }
    if (abi >= 3) {
      rights |= FS_TRUNCATE;
    }
    if (abi >= 5) {
      rights |= FS_IOCTL_DEV;
    }
    return rights;
  }

  /** Every network right the given ABI can handle (none before ABI 4). */
  public static long netRights(int abi) {
    return abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
  }

  /** Every scope the given ABI supports (none before ABI 6). */
  public static long scopes(int abi) {
    return abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0;
  }

  /** Read access to a tree: files and directory listings. */
  public static final long READ = FS_READ_FILE | FS_READ_DIR;
  /** Read and execute. */
  public static final long READ_EXECUTE = READ | FS_EXECUTE;
  /** Everything except execute: read, write, create, remove, rename across directories, truncate, device ioctl. */
  public static final long READ_WRITE = READ | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR
      | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM | FS_REFER
      | FS_TRUNCATE | FS_IOCTL_DEV;

  private LandlockAccess() {}
}
