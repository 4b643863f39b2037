package org.neurite;

/**
 * An index or axis out of range, naming the index and the size it had to fit.
 *
 * <pre>{@code
 * try (Tensor a = Tensor.of(new float[6], 2, 3)) {
 *   a.sum(5); // sum: axis 5 is out of range for a tensor of rank 2 [2,3]
 * } catch (IndexException e) {
 *   System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class IndexException extends NeuriteException {
  private static final long serialVersionUID = 1L;

  public IndexException(String message) {
    super(message);
  }
}
