package org.neurite.init;

/**
 * Glorot (Xavier) uniform, Keras's default kernel initializer: uniform in ±sqrt(6 / (fan_in + fan_out)), as Keras's {@code GlorotUniform} ({@link VarianceScaling} with scale 1.0, FAN_AVG, UNIFORM).
 *
 * <pre>{@code
 * Tensor kernel = new GlorotUniform().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class GlorotUniform extends VarianceScaling {
  public GlorotUniform() {
    super(1.0, Mode.FAN_AVG, Distribution.UNIFORM);
  }
}
