package org.neurite.init;

/**
 * Ones (Keras's {@code Ones}, e.g. batch normalisation's gamma).
 *
 * <pre>{@code
 * Tensor gamma = new Ones().create(new long[] {32}, DType.F32, gen);
 * }</pre>
 */
public final class Ones extends Constant {
  public Ones() {
    super(1);
  }
}
