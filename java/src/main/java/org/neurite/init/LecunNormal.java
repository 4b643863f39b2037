package org.neurite.init;

/**
 * LeCun normal (for SELU layers): truncated normal of stddev sqrt(1 / fan_in) / 0.8796, as Keras's {@code LecunNormal} ({@link VarianceScaling} with scale 1.0, FAN_IN, TRUNCATED_NORMAL).
 *
 * <pre>{@code
 * Tensor kernel = new LecunNormal().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class LecunNormal extends VarianceScaling {
  public LecunNormal() {
    super(1.0, Mode.FAN_IN, Distribution.TRUNCATED_NORMAL);
  }
}
