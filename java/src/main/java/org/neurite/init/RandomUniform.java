package org.neurite.init;

import java.util.Map;

import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Tensor;

/**
 * Uniform values in {@code [minval, maxval)} (Keras's {@code RandomUniform}; default -0.05 to 0.05).
 *
 * <pre>{@code
 * Tensor w = new RandomUniform(-0.1, 0.1).create(new long[] {3, 4}, DType.F32, Generator.seeded(1));
 * }</pre>
 */
public final class RandomUniform implements Initializer {
  private final double minval, maxval;

  public RandomUniform() {
    this(-0.05, 0.05);
  }

  public RandomUniform(double minval, double maxval) {
    if (!(minval < maxval)) {
      throw new IllegalArgumentException("RandomUniform: minval " + minval + " must be < maxval " + maxval);
    }
    this.minval = minval;
    this.maxval = maxval;
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("minval", minval, "maxval", maxval);
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    return gen.uniform(dtype, minval, maxval, shape);
  }
}
