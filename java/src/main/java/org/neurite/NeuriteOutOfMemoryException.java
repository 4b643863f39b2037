package org.neurite;

/**
 * The engine could not allocate memory for a tensor.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (NeuriteOutOfMemoryException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class NeuriteOutOfMemoryException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public NeuriteOutOfMemoryException(String message) {
    super(message);
  }
}
