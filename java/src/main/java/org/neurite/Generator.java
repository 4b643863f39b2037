package org.neurite;

/**
 * A seeded source of random tensors. The engine's generator is counter-based (Philox): element {@code i} of a draw
 * depends only on {@code (seed, offset + i)}, so the same seed gives the same numbers on any number of threads, and
 * the state is just two longs that can be saved and restored.
 *
 * <pre>{@code
 * Generator gen = Generator.seeded(42);
 * try (Tensor w = gen.normal(0, 0.1, 784, 128); Tensor b = gen.uniform(-1, 1, 128)) {
 *   System.out.println(w.std().item()); // about 0.1
 * }
 * Generator again = Generator.seeded(42);   // replays the same two tensors
 * }</pre>
 */
public final class Generator {
  private final long seed;
  private long offset;

  private Generator(long seed, long offset) {
    this.seed = seed;
    this.offset = offset;
  }

  public static Generator seeded(long seed) {
    return new Generator(seed, 0);
  }

  /** A generator that continues a saved state ({@link #seed()}, {@link #offset()}). */
  public static Generator restore(long seed, long offset) {
    if (offset < 0) {
      throw new InvalidArgumentException("Generator.restore: negative offset " + offset);
    }
    return new Generator(seed, offset);
  }

  public long seed() {
    return seed;
  }

  /** How many counters earlier draws consumed; the next draw starts here. */
  public synchronized long offset() {
    return offset;
  }

  /**
   * Reserves {@code counters} counters of this generator's stream for a draw made elsewhere (e.g. an op that takes
   * {@code seed} and {@code offset} attributes, such as {@code orthogonal}): returns the offset to use and moves past it.
   */
  public synchronized long reserve(long counters) {
    if (counters < 0) {
      throw new InvalidArgumentException("Generator.reserve: negative count " + counters);
    }
    long start = offset;
    offset += counters;
    return start;
  }

  /** f32 values uniform in {@code [low, high)}. */
  public Tensor uniform(double low, double high, long... shape) {
    return uniform(DType.F32, low, high, shape);
  }

  public synchronized Tensor uniform(DType dtype, double low, double high, long... shape) {
    Tensor t = Ops.randomUniform(seed, offset, low, high, dtype, shape);
    advance(t);
    return t;
  }

  /** f32 values from a normal distribution. */
  public Tensor normal(double mean, double stddev, long... shape) {
    return normal(DType.F32, mean, stddev, shape);
  }

  public synchronized Tensor normal(DType dtype, double mean, double stddev, long... shape) {
    Tensor t = Ops.randomNormal(false, seed, offset, mean, stddev, dtype, shape);
    advance(t);
    return t;
  }

  /** f32 normal values, redrawn when further than two standard deviations from the mean (as TensorFlow's). */
  public Tensor truncatedNormal(double mean, double stddev, long... shape) {
    return truncatedNormal(DType.F32, mean, stddev, shape);
  }

  public synchronized Tensor truncatedNormal(DType dtype, double mean, double stddev, long... shape) {
    Tensor t = Ops.randomNormal(true, seed, offset, mean, stddev, dtype, shape);
    advance(t);
    return t;
  }

  // Each element consumes one counter of the engine's Philox stream (kCountersPerElement in core/philox.h).
  private void advance(Tensor t) {
    offset += t.size();
  }
}
