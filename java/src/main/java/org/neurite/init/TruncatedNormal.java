package org.neurite.init;

import java.util.Map;

import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Tensor;

/**
 * Normal values redrawn when more than two standard deviations from the mean (Keras's {@code TruncatedNormal};
 * default mean 0, stddev 0.05). The values' actual standard deviation is about 0.88·stddev.
 *
 * <pre>{@code
 * Tensor w = new TruncatedNormal(0, 0.1).create(new long[] {784, 10}, DType.F32, Generator.seeded(7));
 * }</pre>
 */
public final class TruncatedNormal implements Initializer {
  private final double mean, stddev;

  public TruncatedNormal() {
    this(0, 0.05);
  }

  public TruncatedNormal(double mean, double stddev) {
    if (!(stddev >= 0)) {
      throw new IllegalArgumentException("TruncatedNormal: stddev must be >= 0, got " + stddev);
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
    return gen.truncatedNormal(dtype, mean, stddev, shape);
  }
}
