package org.neurite;

/**
 * A device that is unavailable (no CUDA, no GPU), or inputs on different devices.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(); // any engine call may raise it
 * } catch (DeviceException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class DeviceException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public DeviceException(String message) {
    super(message);
  }
}
