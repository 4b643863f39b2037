package org.neurite.init;

import java.util.Map;

import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Tensor;

/**
 * Keras's {@code VarianceScaling}: values of variance {@code scale / n}, n the fan-in, the fan-out or their mean
 * ({@link Initializer#fans}). The truncated normal is drawn with stddev {@code sqrt(scale / n) / 0.87962566103423978}
 * (the stddev of a unit normal truncated to ±2), so the values' variance is scale / n; the uniform one from
 * {@code ±sqrt(3·scale / n)}. {@link GlorotUniform}, {@link HeNormal}, {@link LecunNormal} and the others are its
 * named cases.
 *
 * <pre>{@code
 * Initializer init = new VarianceScaling(2.0, VarianceScaling.Mode.FAN_IN, VarianceScaling.Distribution.TRUNCATED_NORMAL);
 * Tensor kernel = init.create(new long[] {3, 3, 16, 32}, DType.F32, Generator.seeded(0));
 * }</pre>
 */
public class VarianceScaling implements Initializer {
  /** Which fan divides the scale. */
  public enum Mode { FAN_IN, FAN_OUT, FAN_AVG }

  /** What the values are drawn from. */
  public enum Distribution { TRUNCATED_NORMAL, UNTRUNCATED_NORMAL, UNIFORM }

  /** The stddev of a unit normal truncated to [-2, 2]. */
  public static final double TRUNCATION_STDDEV = 0.87962566103423978;

  private final double scale;
  private final Mode mode;
  private final Distribution distribution;

  public VarianceScaling(double scale, Mode mode, Distribution distribution) {
    if (!(scale > 0)) {
      throw new IllegalArgumentException("VarianceScaling: scale must be > 0, got " + scale);
    }
    this.scale = scale;
    this.mode = mode;
    this.distribution = distribution;
  }

  /** The fan the scale is divided by for a weight of this shape (at least 1). */
  public double fan(long[] shape) {
    double[] f = Initializer.fans(shape);
    double n = mode == Mode.FAN_IN ? f[0] : mode == Mode.FAN_OUT ? f[1] : (f[0] + f[1]) / 2;
    return Math.max(1, n);
  }

  /** Scale, mode and distribution for this class itself; empty for the named cases, whose arguments are fixed. */
  @Override
  public Map<String, Object> config() {
    if (getClass() != VarianceScaling.class) {
      return Map.of();
    }
    return Map.of("scale", scale, "mode", mode.name().toLowerCase(java.util.Locale.ROOT),
        "distribution", distribution.name().toLowerCase(java.util.Locale.ROOT));
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    double variance = scale / fan(shape);
    switch (distribution) {
      case TRUNCATED_NORMAL:
        return gen.truncatedNormal(dtype, 0, Math.sqrt(variance) / TRUNCATION_STDDEV, shape);
      case UNTRUNCATED_NORMAL:
        return gen.normal(dtype, 0, Math.sqrt(variance), shape);
      default: {
        double limit = Math.sqrt(3 * variance);
        return gen.uniform(dtype, -limit, limit, shape);
      }
    }
  }
}
