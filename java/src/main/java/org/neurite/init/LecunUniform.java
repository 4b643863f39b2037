package org.neurite.init;

/**
 * LeCun uniform (for SELU layers): uniform in ±sqrt(3 / fan_in), as Keras's {@code LecunUniform} ({@link VarianceScaling} with scale 1.0, FAN_IN, UNIFORM).
 *
 * <pre>{@code
 * Tensor kernel = new LecunUniform().create(new long[] {784, 128}, DType.F32, Generator.seeded(42));
 * }</pre>
 */
public final class LecunUniform extends VarianceScaling {
  public LecunUniform() {
    super(1.0, Mode.FAN_IN, Distribution.UNIFORM);
  }
}
