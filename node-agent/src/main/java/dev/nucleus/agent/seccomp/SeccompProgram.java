package dev.nucleus.agent.seccomp;

/**
 * A compiled seccomp program: {@code bpf} is a {@code struct sock_filter[]} (8 bytes per instruction) ready for
 * {@code seccomp(SECCOMP_SET_MODE_FILTER)}; empty for {@code Unconfined}, which callers must report as such.
 */
public record SeccompProgram(byte[] bpf, int allowedSyscallCount, String profile) {

  public SeccompProgram {
    bpf = bpf.clone();
    if (bpf.length % 8 != 0) {
      throw new IllegalArgumentException("a BPF program is a whole number of 8-byte instructions, got " + bpf.length + " bytes");
    }
  }

  @Override
  public byte[] bpf() {
    return bpf.clone();
  }

  /** True when no filter is to be installed (profile Unconfined). */
  public boolean empty() {
    return bpf.length == 0;
  }

  public int instructionCount() {
    return bpf.length / 8;
  }
}
