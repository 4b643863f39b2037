package org.neurite.init;

import java.util.Map;

import org.neurite.Attrs;
import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * A (semi-)orthogonal matrix times {@code gain}, as Keras's {@code Orthogonal} (the usual recurrent kernel): the
 * weight is read as a {@code [prod(shape[:-1]), shape[-1]]} matrix whose columns (or rows, when it is wide) are
 * orthonormal, from the QR of a normal matrix drawn from the generator (the engine's {@code orthogonal} op).
 *
 * <pre>{@code
 * Tensor recurrent = new Orthogonal().create(new long[] {64, 256}, DType.F32, Generator.seeded(3));
 * }</pre>
 */
public final class Orthogonal implements Initializer {
  private final double gain;

  public Orthogonal() {
    this(1.0);
  }

  public Orthogonal(double gain) {
    this.gain = gain;
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("gain", gain);
  }

  @Override
  public Tensor create(long[] shape, DType dtype, Generator gen) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    // The op draws one normal per element at counters offset, offset + 1, ...
    long offset = gen.reserve(n);
    return Ops.call("orthogonal", Attrs.of().set("shape", shape).set("dtype", dtype).set("gain", gain)
        .set("seed", gen.seed()).set("offset", offset))[0];
  }
}
