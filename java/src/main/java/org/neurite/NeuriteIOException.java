package org.neurite;

/**
 * The file system refused a read or write.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (NeuriteIOException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class NeuriteIOException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public NeuriteIOException(String message) {
    super(message);
  }
}
