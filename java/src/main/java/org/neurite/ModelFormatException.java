package org.neurite;

/**
 * A file that is not a valid Neurite model: truncated, foreign, or of a newer format version.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (ModelFormatException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class ModelFormatException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }
}
