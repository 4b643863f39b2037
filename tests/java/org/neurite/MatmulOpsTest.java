package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** matmul with NumPy semantics: 1-D operands as vectors, batch dims broadcast. */
@ExtendWith(OpCheck.CoverageCheck.class)
class MatmulOpsTest {
  /** {@code numpy.matmul}, as three plain loops per output element. */
  static Nd matmul(Nd a, Nd b) {
    boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
    int[] as = aVec ? new int[] {1, a.shape[0]} : a.shape;
    int[] bs = bVec ? new int[] {b.shape[0], 1} : b.shape;
    Nd a2 = new Nd(as, a.v), b2 = new Nd(bs, b.v);
    int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
    if (bs[bs.length - 2] != k) {
      throw new IllegalArgumentException("inner dims differ");
    }
    int[] batch = Nd.broadcastShapes(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
    int nb = Nd.numel(batch);
    int[] full = Arrays.copyOf(batch, batch.length + 2);
    full[batch.length] = m;
    full[batch.length + 1] = n;
    double[] out = new double[nb * m * n];
    for (int bi = 0; bi < nb; bi++) {
      int[] bidx = Nd.unravel(bi, batch);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += a2.atBroadcast(concat(bidx, i, p)) * b2.atBroadcast(concat(bidx, p, j));
          }
          out[(bi * m + i) * n + j] = s;
        }
      }
    }
    // The result shape drops the dims that 1-D operands were promoted with.
    int[] shape = Arrays.copyOf(batch, batch.length + (aVec ? 0 : 1) + (bVec ? 0 : 1));
    int at = batch.length;
    if (!aVec) {
      shape[at++] = m;
    }
    if (!bVec) {
      shape[at] = n;
    }
    return new Nd(shape, out);
  }

  static int[] concat(int[] head, int x, int y) {
    int[] r = Arrays.copyOf(head, head.length + 2);
    r[head.length] = x;
    r[head.length + 1] = y;
    return r;
  }

  @Test @Covers("matmul") void matmul() {
    op2("matmul", Ops::matmul, MatmulOpsTest::matmul)
        .shapes(shape(3, 4), shape(4, 5))
        .shapes(shape(4), shape(4, 5))
        .shapes(shape(3, 4), shape(4))
        .shapes(shape(4), shape(4))
        .shapes(shape(1, 1), shape(1, 1))
        .shapes(shape(5, 1), shape(1, 5))
        .shapes(shape(1, 6), shape(6, 1))
        .shapes(shape(2, 3, 4), shape(4, 5))
        .shapes(shape(3, 4), shape(2, 4, 5))
        .shapes(shape(2, 3, 4), shape(2, 4, 5))
        .shapes(shape(2, 1, 3, 4), shape(3, 4, 2))
        .shapes(shape(2, 3, 4), shape(4))
        .shapes(shape(4), shape(2, 4, 3))
        .shapes(shape(1, 2, 3), shape(3, 2))
        .shapes(shape(0, 4), shape(4, 5))
        .shapes(shape(3, 0), shape(0, 5))
        .shapes(shape(3, 4), shape(4, 0))
        .shapes(shape(0, 3, 4), shape(4, 2))
        .shapes(shape(0), shape(0))
        .shapes(shape(17, 33), shape(33, 9))
        .shapes(shape(64, 129), shape(129, 70))
        // A float32 dot product of k terms is accurate to about k * 2^-24 * sum |a_i b_i|: relative to that sum, not
        // to the result, which cancellation can make far smaller. With |a|, |b| <= 1 and k <= 129 the worst case is
        // 129 * 6e-8 * 129 = 1e-3; typical errors are about sqrt(k) times the unit error, and the largest seen here
        // is about 1e-6. An absolute 2e-5 keeps a 20x margin over that and still catches a wrong term (~0.1).
        .domain(-1, 1)
        .tol(F32, F32_RTOL, 2e-5)
        .run();
  }
}
