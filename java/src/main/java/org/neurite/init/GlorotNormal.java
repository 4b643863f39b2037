package org.neurite.init;

/**
 * Glorot (Xavier) normal: truncated normal of stddev sqrt(2 / (fan_in + fan_out)) / 0.8796, as Keras's {@code GlorotNormal} ({@link VarianceScaling} with scale 1.0, FAN_AVG, TRUNCATED_NORMAL).
 *
 * <pre>{@code
 * Tensor kernel = new GlorotNormal().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class GlorotNormal extends VarianceScaling {
  public GlorotNormal() {
    super(1.0, Mode.FAN_AVG, Distribution.TRUNCATED_NORMAL);
  }
}
