package dev.nucleus.agent.nativeaccess;

/**
 * One libseccomp argument comparison ({@code struct scmp_arg_cmp}): argument {@code index} compared with
 * {@code op}; for {@link Op#MASKED_EQ} the test is {@code (arg & mask) == value}.
 */
public record SeccompArgCmp(int index, Op op, long value, long mask) {

  /** libseccomp's {@code enum scmp_compare}, with its numeric values. */
  public enum Op {
    NE(1), LT(2), LE(3), EQ(4), GE(5), GT(6), MASKED_EQ(7);

    private final int code;

    Op(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  public SeccompArgCmp {
    if (index < 0 || index > 5) {
      throw new IllegalArgumentException("syscall argument index must be 0..5, got " + index);
    }
  }

  /** {@code (arg & mask) == value}. */
  public static SeccompArgCmp maskedEq(int index, long mask, long value) {
    return new SeccompArgCmp(index, Op.MASKED_EQ, value, mask);
  }

  /** The low 32 bits of the argument equal {@code value}: the right test for {@code int} arguments, whose
   * upper register half the kernel ignores (so a plain 64-bit EQ could be bypassed by setting high bits). */
  public static SeccompArgCmp int32Eq(int index, long value) {
    return maskedEq(index, 0xffff_ffffL, value & 0xffff_ffffL);
  }

  /** libseccomp's first datum: the mask for MASKED_EQ, the value otherwise. */
  public long datumA() {
    return op == Op.MASKED_EQ ? mask : value;
  }

  /** libseccomp's second datum: the value for MASKED_EQ, unused otherwise. */
  public long datumB() {
    return op == Op.MASKED_EQ ? value : 0;
  }
}
