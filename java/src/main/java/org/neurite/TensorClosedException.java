package org.neurite;

/**
 * Use of a tensor after it was closed (directly, or by the scope that owned it).
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.close();
 *   a.sum(); // the tensor was closed
 * } catch (TensorClosedException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class TensorClosedException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public TensorClosedException(String message) {
    super(message);
  }
}
