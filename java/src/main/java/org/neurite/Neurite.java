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

  /** The native engine's version. */
  public static String version() {
    return NeuriteNative.nr_version().getString();
  }
}
