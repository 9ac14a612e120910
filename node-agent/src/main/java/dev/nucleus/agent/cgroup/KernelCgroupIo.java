package dev.nucleus.agent.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link CgroupIo} on the real cgroupfs. */
public final class KernelCgroupIo implements CgroupIo {

  @Override
  public boolean mkdir(Path dir) {
    try {
      Files.createDirectory(dir);
      return true;
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new CgroupException(CgroupException.FAILED, dir + " exists and is not a cgroup directory");
      }
      return false;
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "cannot create cgroup " + dir + ": " + e, e);
    }
  }

  @Override
  public void write(Path file, String value) {
    // No CREATE: a missing control file means the controller is not there, and must fail rather than be faked.
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      ch.write(ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchFileException e) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "control file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "cannot write '" + value.strip() + "' to " + file + ": " + e, e);
    }
  }

  @Override
  public Opened open(Path file) {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "control file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "cannot open " + file + ": " + e, e);
    }
    return new Opened() {
      @Override
      public void write(String value) {
        try {
          ch.write(ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
          throw new CgroupException(CgroupException.FAILED, "cannot write '" + value.strip() + "' to " + file + ": " + e, e);
        }
      }

      @Override
      public void close() {
        try {
          ch.close();
        } catch (IOException e) {
          // a control file holds nothing to flush: closed either way
        }
      }
    };
  }

  @Override
  public String read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (ch.read(buf) > 0 && buf.hasRemaining()) {
        // cgroupfs files are small; read until EOF
      }
      return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public boolean exists(Path file) {
    return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public boolean rmdir(Path dir) {
    try {
      return Files.deleteIfExists(dir);
    } catch (IOException e) {
      throw new CgroupException(CgroupException.FAILED, "cannot remove cgroup " + dir + ": " + e, e);
    }
  }
}
