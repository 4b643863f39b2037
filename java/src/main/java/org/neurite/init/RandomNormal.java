package org.neurite.init;

import java.util.Map;

import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Tensor;

/**
 * Normal values (Keras's {@code RandomNormal}; default mean 0, stddev 0.05).
 *
 * <pre>{@code
 * Tensor w = new RandomNormal(0, 0.01).create(new long[] {3, 4}, DType.F32, Generator.seeded(1));
 * }</pre>
 */
public final class RandomNormal implements Initializer {
  private final double mean, stddev;

  public RandomNormal() {
    this(0, 0.05);
  }

  public RandomNormal(double mean, double stddev) {
    if (!(stddev >= 0)) {
      throw new IllegalArgumentException("RandomNormal: stddev must be >= 0, got " + stddev);
    }
    this.mean = mean;
    this.stddev = stddev;
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("mean", mean, "stddev", stddev);
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    return gen.normal(dtype, mean, stddev, shape);
  }
}
