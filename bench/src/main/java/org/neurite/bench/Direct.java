package org.neurite.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The baseline path: OpenBLAS called directly through its own JavaCPP preset ({@code org.bytedeco:openblas}), with
 * no Neurite code in between, on 64-byte aligned native buffers like the engine's.
 */
final class Direct {
  private Direct() {}

  /** Loads OpenBLAS (once) and sets its thread count; fails loudly when the setting does not take. */
  static void init(int threads) {
    Loader.load(openblas_nolapack.class);
    // The preset maps openblas_set/get_num_threads to these (they find the symbols in the loaded OpenBLAS).
    openblas_nolapack.blas_set_num_threads(threads);
    int got = openblas_nolapack.blas_get_num_threads();
    if (got != threads) {
      throw new IllegalStateException("openblas_set_num_threads(" + threads + ") left " + got + " threads");
    }
  }

  /** {@code count} floats in native memory starting on a 64-byte boundary (the pointer's position marks the start). */
  static FloatPointer alignedFloats(long count) {
    FloatPointer p = new FloatPointer(count + 16);
    long misalign = p.address() & 63;
    long skip = misalign == 0 ? 0 : (64 - misalign) / Float.BYTES;
    p.position(skip);
    p.limit(skip + count);
    return p;
  }

  /** An aligned native copy of {@code data}. */
  static FloatPointer alignedCopy(float[] data) {
    FloatPointer p = alignedFloats(data.length);
    p.put(data, 0, data.length);
    return p;
  }

  /** Row-major {@code C = op(A) * op(B)}, exactly the call the engine's matmul kernel makes. */
  static void sgemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, int lda, FloatPointer b,
      int ldb, FloatPointer c, int ldc) {
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  }
}
