package org.neurite;

/**
 * An op that has no kernel for the requested dtype on the requested device.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (UnsupportedOpException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class UnsupportedOpException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public UnsupportedOpException(String message) {
    super(message);
  }
}
