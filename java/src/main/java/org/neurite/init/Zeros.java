package org.neurite.init;

/**
 * Zeros (Keras's {@code Zeros}, the default bias initializer).
 *
 * <pre>{@code
 * Tensor bias = new Zeros().create(new long[] {10}, DType.F32, gen);
 * }</pre>
 */
public final class Zeros extends Constant {
  public Zeros() {
    super(0);
  }
}
