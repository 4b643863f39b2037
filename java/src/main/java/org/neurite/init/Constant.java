package org.neurite.init;

import java.util.Map;

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

  /** The value for this class itself; empty for {@link Zeros} and {@link Ones}, whose value is fixed. */
  @Override
  public Map<String, Object> config() {
    return getClass() == Constant.class ? Map.of("value", value) : Map.of();
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    return Ops.full(value, dtype, shape);
  }
}
