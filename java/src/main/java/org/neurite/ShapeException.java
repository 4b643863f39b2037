package org.neurite;

/**
 * Shapes that do not fit an op or layer: the message names both and the dim that disagrees.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3); Tensor b = Tensor.of(new float[8], 4, 2)) {
 *   a.matmul(b); // matmul: [2,3] x [4,2]: inner dimensions 3 and 4 differ
 * } catch (ShapeException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class ShapeException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public ShapeException(String message) {
    super(message);
  }
}
