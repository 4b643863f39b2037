package org.neurite.init;

import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * Every element {@code value} (Keras's {@code Constant}); draws nothing from the generator.
 *
 * <pre>{@code
 * Tensor forgetBias = new Constant(1.0).create(new long[] {64}, DType.F32, gen);
 * }</pre>
 */
public class Constant implements Initializer {
  private final double value;

  public Constant(double value) {
    this.value = value;
  }

  public double value() {
    return value;
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    return Ops.full(value, dtype, shape);
  }
}
