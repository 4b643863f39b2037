package org.neurite;

/**
 * A numerics check tripped: an op produced NaN or Inf where checking was switched on.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (NumericException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class NumericException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public NumericException(String message) {
    super(message);
  }
}
