package org.neurite.bench;

import java.util.SplittableRandom;

/**
 * The matmul problems benchmarked, with their operands' storage and BLAS transpose flags. Row-major
 * {@code C[M,N] = op(A)[M,K] * op(B)[K,N]}; a transposed operand is stored as its transpose (A as [K,M], B as [N,K])
 * and reaches Neurite as a transposed view, which the engine hands to BLAS as a transpose flag.
 */
public enum Gemm {
  /** The square reference problem. */
  MM1024(1024, 1024, 1024, false, false),
  /** Fashion-MNIST MLP, first layer forward: x[32,784] · W[784,128]. */
  MLP_FWD(32, 128, 784, false, false),
  /** Its weight gradient: dW = xᵀ · dy, x[32,784] seen through x.transpose(0,1) [784,32], dy[32,128]. */
  MLP_DW(784, 128, 32, true, false),
  /** Its input gradient: dx = dy · Wᵀ, dy[32,128], W[784,128] seen through W.transpose(0,1) [128,784]. */
  MLP_DX(32, 784, 128, false, true);

  final int m, n, k;
  final boolean transA, transB;

  Gemm(int m, int n, int k, boolean transA, boolean transB) {
    this.m = m;
    this.n = n;
    this.k = k;
    this.transA = transA;
    this.transB = transB;
  }

  /** Storage shape of A: [M,K], or [K,M] when transposed. */
  long[] aShape() {
    return transA ? new long[] {k, m} : new long[] {m, k};
  }

  /** Storage shape of B: [K,N], or [N,K] when transposed. */
  long[] bShape() {
    return transB ? new long[] {n, k} : new long[] {k, n};
  }

  int lda() {
    return transA ? m : k;
  }

  int ldb() {
    return transB ? k : n;
  }

  double flops() {
    return 2.0 * m * n * k;
  }

  float[] aData() {
    return random((long) m * k, 1);
  }

  float[] bData() {
    return random((long) k * n, 2);
  }

  /**
   * Checks 64 entries of {@code c} (row-major [M,N]) against a double-precision dot product; throws when one is off, so
   * a wrong transpose flag or leading dimension cannot produce a fast but meaningless number.
   */
  void verify(float[] a, float[] b, float[] c, String who) {
    new Problem(m, n, k, transA, transB).verify(a, b, c, who + " " + this);
  }

  /** Any row-major sgemm problem (used by {@link ConvBench} for its im2col GEMMs), with the same check. */
  record Problem(int m, int n, int k, boolean transA, boolean transB) {
    int lda() {
      return transA ? m : k;
    }

    int ldb() {
      return transB ? k : n;
    }

    /** Checks 64 entries of {@code c} (row-major [M,N]) against a double-precision dot product. */
    void verify(float[] a, float[] b, float[] c, String who) {
      if (c.length != (long) m * n) {
        throw new IllegalStateException(who + ": result has " + c.length + " elements, expected " + m * n);
      }
      SplittableRandom r = new SplittableRandom(7);
      for (int t = 0; t < 64; t++) {
        int i = r.nextInt(m), j = r.nextInt(n);
        double sum = 0, abs = 0;
        for (int p = 0; p < k; p++) {
          double x = transA ? a[p * m + i] : a[i * k + p];
          double y = transB ? b[j * k + p] : b[p * n + j];
          sum += x * y;
          abs += Math.abs(x * y);
        }
        double got = c[i * n + j];
        if (Math.abs(got - sum) > 1e-5 * abs + 1e-6) {
          throw new IllegalStateException(who + ": C[" + i + "," + j + "] = " + got + ", expected " + sum);
        }
      }
    }
  }

  /** Uniform values in [-1, 1), deterministic. */
  static float[] random(long count, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] out = new float[Math.toIntExact(count)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return out;
  }
}
