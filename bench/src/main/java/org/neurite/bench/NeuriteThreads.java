package org.neurite.bench;

import org.neurite.Neurite;

/** Sets Neurite's thread count (its pool; OpenBLAS stays on one thread inside it) for a benchmark, and checks it took. */
final class NeuriteThreads {
  private NeuriteThreads() {}

  static void set(int threads) {
    Neurite.setNumThreads(threads);
    if (Neurite.numThreads() != threads) {
      throw new IllegalStateException("Neurite.setNumThreads(" + threads + ") left " + Neurite.numThreads());
    }
  }
}
