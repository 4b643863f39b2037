package org.neurite.init;

import java.util.Map;
import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Tensor;

/**
 * Creates a parameter's initial values, as Keras's {@code keras.initializers}: every random one draws from the
 * {@link Generator} it is given, so a seeded generator makes a model's initial weights reproducible (and advances, so
 * two layers get different values).
 *
 * <p>Fans follow Keras: a dense kernel {@code [in, out]} has fan-in {@code in} and fan-out {@code out}; a convolution
 * kernel {@code [kh, kw, in, out]} (any rank above 2) multiplies both by its receptive field {@code kh·kw}; a vector
 * {@code [n]} has both fans n, a scalar 1 ({@link #fans}).
 *
 * <pre>{@code
 * Generator gen = Generator.seeded(42);
 * Tensor kernel = new GlorotUniform().create(new long[] {784, 128}, DType.F32, gen);
 * Tensor bias = new Zeros().create(new long[] {128}, DType.F32, gen);
 * }</pre>
 */
@FunctionalInterface
public interface Initializer {
  /** A new tensor of this shape and dtype (f32 or f64 for the random initializers). */
  Tensor create(long[] shape, DType dtype, Generator gen);

  /**
   * The constructor arguments under Keras's names, for layer configs (see {@code Initializers.configOf}): empty for an
   * initializer that has none, which is then rebuilt by its no-argument constructor.
   */
  default Map<String, Object> config() {
    return Map.of();
  }

  /** An f32 tensor of this shape. */
  default Tensor create(Generator gen, long... shape) {
    return create(shape, DType.F32, gen);
  }

  /** {fan_in, fan_out} of a weight of this shape, by Keras's rules. */
  static double[] fans(long[] shape) {
    if (shape.length == 0) {
      return new double[] {1, 1};
    }
    if (shape.length == 1) {
      return new double[] {shape[0], shape[0]};
    }
    if (shape.length == 2) {
      return new double[] {shape[0], shape[1]};
    }
    double receptive = 1;
    for (int i = 0; i < shape.length - 2; i++) {
      receptive *= shape[i];
    }
    return new double[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
  }
}
