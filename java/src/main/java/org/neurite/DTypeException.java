package org.neurite;

/**
 * An element type an op does not accept, or two inputs of different types.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[] {1, 2}, 2); Tensor b = Tensor.of(new double[] {1, 2}, 2)) {
 *   a.add(b); // add: dtype mismatch: f32 [2] vs f64 [2] (cast one of them first)
 * } catch (DTypeException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class DTypeException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public DTypeException(String message) {
    super(message);
  }
}
