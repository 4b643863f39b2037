package org.neurite.bench;

import org.neurite.Neurite;

/** Sets Neurite's thread count (its pool and its OpenBLAS) for a benchmark, and checks it took. */
final class NeuriteThreads {
  private NeuriteThreads() {}

  static void set(int threads) {
    // Workaround for an engine bug (native/src/core/thread_pool.cpp): nr_set_num_threads calls
    // openblas_set_num_threads(n) before pool(), and pool()'s lazy first initialisation then calls
    // openblas_set_num_threads(default) again, so a setNumThreads(1) made before any other engine call leaves
    // OpenBLAS on all hardware threads. Touching the pool first (numThreads()) makes the setting stick. Harmless once
    // the engine is fixed.
    Neurite.numThreads();
    Neurite.setNumThreads(threads);
    if (Neurite.numThreads() != threads) {
      throw new IllegalStateException("Neurite.setNumThreads(" + threads + ") left " + Neurite.numThreads());
    }
  }
}
