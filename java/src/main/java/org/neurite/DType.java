package org.neurite;

/**
 * Element types of tensors. {@link #F32} is the default; {@link #F64} serves gradient checks and references;
 * {@link #I32}/{@link #I64} hold indices and labels; {@link #U8} holds raw image bytes; {@link #BOOL} holds masks.
 * {@link #F16} and {@link #BF16} are storage types of the CUDA backend.
 *
 * <pre>{@code
 * try (Tensor pixels = Tensor.of(new byte[] {0, (byte) 255}, 2); Tensor x = pixels.cast(DType.F32)) {
 *   System.out.println(x.dtype()); // F32
 * }
 * }</pre>
 */
public enum DType {
  F32(0, 4, "f32"),
  F64(1, 8, "f64"),
  I32(2, 4, "i32"),
  I64(3, 8, "i64"),
  U8(4, 1, "u8"),
  BOOL(5, 1, "bool"),
  F16(6, 2, "f16"),
  BF16(7, 2, "bf16");

  private static final DType[] BY_CODE = values();

  private final int code;
  private final int byteSize;
  private final String shortName;

  DType(int code, int byteSize, String shortName) {
    this.code = code;
    this.byteSize = byteSize;
    this.shortName = shortName;
  }

  /** The engine's code for this type (the NR_* constant of the C API). */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The short name used in messages and in the model file: {@code f32}, {@code i64}, ... */
  public String shortName() {
    return shortName;
  }

  public boolean isFloating() {
    return this == F32 || this == F64 || this == F16 || this == BF16;
  }

  static DType fromCode(int code) {
    if (code < 0 || code >= BY_CODE.length) {
      throw new DTypeException("unknown dtype code " + code);
    }
    return BY_CODE[code];
  }
}
