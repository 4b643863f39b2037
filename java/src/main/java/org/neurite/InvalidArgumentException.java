package org.neurite;

/**
 * An attribute or argument outside its domain: an unknown attribute, a bad axis list, a null handle.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.permute(0, 0); // permute: [0,0] is not a permutation of the axes of [2,3]
 * } catch (InvalidArgumentException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class InvalidArgumentException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public InvalidArgumentException(String message) {
    super(message);
  }
}
