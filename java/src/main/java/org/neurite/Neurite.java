package org.neurite;

import org.neurite.bindings.NeuriteNative;

/**
 * Library-wide settings and the entry to memory scopes.
 *
 * <pre>{@code
 * Neurite.setNumThreads(2);
 * try (Scope scope = Neurite.scope()) {
 *   Tensor x = Tensor.arange(0, 6).reshape(2, 3);
 *   System.out.println(x.sum(1));   // [3, 12] f32[2]
 * }                                  // every tensor made inside is freed here
 * }</pre>
 */
public final class Neurite {
  private Neurite() {}

  /** Opens a scope that closes every tensor created on this thread until it closes. See {@link Scope}. */
  public static Scope scope() {
    return new Scope();
  }

  /**
   * Sets the engine's intra-op threads and OpenBLAS's threads (the default is {@code NEURITE_NUM_THREADS}, or the
   * machine's hardware threads).
   */
  public static void setNumThreads(int threads) {
    Native.check(NeuriteNative.nr_set_num_threads(threads));
  }

  public static int numThreads() {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_get_num_threads(out));
    return out[0];
  }

  /**
   * Switches gradient recording off on this thread until the returned guard closes (for inference, metrics and
   * optimizer updates).
   *
   * <pre>{@code
   * try (AutoCloseable noGrad = Neurite.noGrad()) { ... }
   * }</pre>
   */
  public static NoGrad noGrad() {
    return new NoGrad();
  }

  /** The guard returned by {@link #noGrad()}. */
  public static final class NoGrad implements AutoCloseable {
    private final boolean previous = GradientTape.gradEnabled();
    private boolean closed;

    private NoGrad() {
      Native.check(NeuriteNative.nr_set_grad_enabled(0));
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        Native.check(NeuriteNative.nr_set_grad_enabled(previous ? 1 : 0));
      }
    }
  }

  /**
   * Makes every op check its floating-point outputs and throw {@link NumericException} naming the first op that
   * produces NaN or Inf, with its input shapes. Costs one pass over each output; also switched on by the environment
   * variable {@code NEURITE_CHECK_NUMERICS=1}.
   */
  public static void setCheckNumerics(boolean enabled) {
    Native.check(NeuriteNative.nr_set_check_numerics(enabled ? 1 : 0));
  }

  /** Frees the large blocks the CPU allocator keeps for reuse (bounded by {@code NEURITE_CPU_CACHE_MB}, default 256). */
  public static void emptyCache() {
    Native.check(NeuriteNative.nr_cpu_empty_cache());
  }

  /** The native engine's version. */
  public static String version() {
    return NeuriteNative.nr_version().getString();
  }
}
