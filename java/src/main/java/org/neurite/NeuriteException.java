package org.neurite;

/**
 * The root of every error Neurite raises. Messages name the op or layer and the shapes involved, e.g.
 * {@code matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ}. Catch a subclass to handle one kind of
 * error ({@link ShapeException}, {@link DTypeException}, ...).
 *
 * <pre>{@code
 * try (Tensor x = Tensor.of(new float[] {1, 2, 3}, 3)) {
 *   x.reshape(2, 2);
 * } catch (NeuriteException e) {
 *   System.err.println(e.getMessage()); // reshape: cannot reshape [3] (3 elements) into [2,2]
 * }
 * }</pre>
 */
public class NeuriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NeuriteException(String message) {
    super(message);
  }
}
