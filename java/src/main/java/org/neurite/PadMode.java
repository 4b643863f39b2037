package org.neurite;

/**
 * How {@link Tensor#pad} fills the border.
 *
 * <pre>{@code
 * try (Tensor x = Tensor.of(new float[] {1, 2, 3}, 3)) {
 *   System.out.println(x.pad(new long[] {2, 1}, PadMode.REFLECT, 0)); // [3, 2, 1, 2, 3, 2] f32[6]
 * }
 * }</pre>
 */
public enum PadMode {
  /** A constant value. */
  CONSTANT,
  /** The mirror image, not repeating the edge element (NumPy's {@code reflect}). */
  REFLECT,
  /** Copies of the edge element. */
  EDGE
}
