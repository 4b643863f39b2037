package org.neurite.init;

/**
 * He uniform (for ReLU layers): uniform in ±sqrt(6 / fan_in), as Keras's {@code HeUniform} ({@link VarianceScaling} with scale 2.0, FAN_IN, UNIFORM).
 *
 * <pre>{@code
 * Tensor kernel = new HeUniform().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class HeUniform extends VarianceScaling {
  public HeUniform() {
    super(2.0, Mode.FAN_IN, Distribution.UNIFORM);
  }
}
