package org.neurite.init;

/**
 * He normal (for ReLU layers): truncated normal of stddev sqrt(2 / fan_in) / 0.8796, as Keras's {@code HeNormal} ({@link VarianceScaling} with scale 2.0, FAN_IN, TRUNCATED_NORMAL).
 *
 * <pre>{@code
 * Tensor kernel = new HeNormal().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class HeNormal extends VarianceScaling {
  public HeNormal() {
    super(2.0, Mode.FAN_IN, Distribution.TRUNCATED_NORMAL);
  }
}
