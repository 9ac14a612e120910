package dev.nucleus.agent.nativeaccess.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc entry points the facade needs, with errno surfaced as {@link LastErrorException}. */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  long SYS_SECCOMP = 317;
  long SYS_PIDFD_SEND_SIGNAL = 424;
  long SYS_PIDFD_OPEN = 434;
  long SYS_LANDLOCK_CREATE_RULESET = 444;

  /** Variadic: pass every argument as a Long or a Pointer, since the C side reads each one as a long. */
  long syscall(long number, Object... args) throws LastErrorException;

  int memfd_create(String name, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  /** Declared with two arguments: the mode argument is only read with O_CREAT, which no caller passes. */
  int open(String path, int flags) throws LastErrorException;

  int syncfs(int fd) throws LastErrorException;
}
