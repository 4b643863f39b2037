package org.neurite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** zeros, ones, full, arange, linspace and eye in every dtype they support. */
@ExtendWith(OpCheck.CoverageCheck.class)
class CreationOpsTest {
  static final long[][] SHAPES = {{}, {0}, {1}, {5}, {2, 3}, {2, 0, 3}, {1, 1, 1}, {3, 4, 5}, {70000}};

  static Nd filled(long[] shape, double v) {
    double[] a = new double[(int) checkedNumel(shape)];
    Arrays.fill(a, v);
    return new Nd(ints(shape), a);
  }

  @Test @Covers({"zeros", "ones", "full"}) void constants() {
    try (Scope scope = Neurite.scope()) {
      for (DType dt : ALL) {
        for (long[] shape : SHAPES) {
          expect("zeros", Ops.zeros(dt, shape), dt, filled(shape, 0));
          expect("ones", Ops.ones(dt, shape), dt, filled(shape, 1));
          double v = dt == BOOL ? 1 : dt == U8 ? 200 : dt.isFloating() ? -2.75 : -7;
          expect("full", Ops.full(v, dt, shape), dt, filled(shape, v));
        }
      }
      expect("full", Ops.full(Double.NaN, F32, 2), F32, filled(shape(2), Double.NaN));
      expect("full", Ops.full(Double.NEGATIVE_INFINITY, F64), F64, filled(shape(), Double.NEGATIVE_INFINITY));
      expect("full", Ops.full(1L << 40, I64, 2), I64, filled(shape(2), 1L << 40));
      expect("full", Ops.full(0.5, BOOL, 2), BOOL, filled(shape(2), 1)); // bool(x) is x != 0
      expect("full", Ops.full(-3.9, I32, 1), I32, filled(shape(1), -3)); // integers truncate toward zero
      expect("full", Ops.full(255.5, U8, 1), U8, filled(shape(1), 255));
      // A value the dtype cannot hold is an error, not a wrapped number.
      assertThrows(InvalidArgumentException.class, () -> Ops.full(256, U8, 1));
      assertThrows(InvalidArgumentException.class, () -> Ops.full(-1, U8, 1));
      assertThrows(InvalidArgumentException.class, () -> Ops.full(1L << 31, I32, 1));
      assertThrows(InvalidArgumentException.class, () -> Ops.full(Double.NaN, I64, 1));
      assertEquals(2.5, Tensor.scalar(2.5, F64).item());
      assertEquals(0, Tensor.scalar(2.5, F64).ndim());
    }
  }

  /** NumPy's arange: ceil((stop - start) / step) values start + i * step. */
  static Nd arange(double start, double stop, double step) {
    int n = (int) Math.max(0, Math.ceil((stop - start) / step));
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = start + i * step;
    }
    return Nd.of(v, n);
  }

  @Test @Covers("arange") void arange() {
    double[][] specs = {
      {0, 5, 1}, {2, 10, 3}, {5, 0, -1}, {0, 1, 0.1}, {-1.5, 2.25, 0.75}, {3, 3, 1}, {3, 1, 1}, {0, -3, -0.5},
      {0, 70000, 1}, {1, 2, 0.3}, {10, -10, -2.5}, {-5, 5, 2},
    };
    try (Scope scope = Neurite.scope()) {
      for (double[] s : specs) {
        boolean integral = s[0] == Math.rint(s[0]) && s[2] == Math.rint(s[2]);
        for (DType dt : integral ? new DType[] {F64, F32, I32, I64} : FLOATS) {
          expect("arange", Ops.arange(s[0], s[1], s[2], dt), dt, arange(s[0], s[1], s[2]));
        }
      }
      expect("arange", Ops.arange(0, 6, 2, U8), U8, arange(0, 6, 2));
      expect("arange", Ops.arange(250, 256, 1, U8), U8, arange(250, 256, 1));
      expect("arange", Tensor.arange(1, 4), F32, arange(1, 4, 1));
      // Exact past 2^53, where doubles skip odd integers (start and stop are doubles, so both are even here).
      long big = 1L << 53;
      try (Tensor t = Ops.arange(big, big + 4, 1, I64)) {
        assertEquals(Arrays.toString(new long[] {big, big + 1, big + 2, big + 3}), Arrays.toString(t.toLongArray()));
      }
      assertThrows(InvalidArgumentException.class, () -> Ops.arange(0, 300, 1, U8));
    }
  }

  /** NumPy's linspace: num values from start to stop, both included. */
  static Nd linspace(double start, double stop, int num) {
    double[] v = new double[num];
    for (int i = 0; i < num; i++) {
      v[i] = num == 1 ? start : start + (stop - start) * i / (num - 1);
    }
    return Nd.of(v, num);
  }

  @Test @Covers("linspace") void linspace() {
    double[][] specs = {{0, 1, 5}, {-2, 3, 11}, {1, 0, 4}, {3, 3, 3}, {0, 1, 1}, {0, 1, 0}, {0, 1e6, 1000}, {-1, 1, 2}};
    try (Scope scope = Neurite.scope()) {
      for (double[] s : specs) {
        for (DType dt : FLOATS) {
          expect("linspace", Ops.linspace(s[0], s[1], (int) s[2], dt), dt, linspace(s[0], s[1], (int) s[2]));
        }
      }
      // The endpoint is exact even where start + (num - 1) * step rounds away from it.
      try (Tensor t = Ops.linspace(0.1, 0.7, 7, F64)) {
        assertEquals(0.7, t.toDoubleArray()[6]);
      }
    }
  }

  static Nd eye(int n, int m, int k) {
    double[] v = new double[n * m];
    for (int r = 0; r < n; r++) {
      if (r + k >= 0 && r + k < m) {
        v[r * m + r + k] = 1;
      }
    }
    return Nd.of(v, n, m);
  }

  @Test @Covers("eye") void eye() {
    int[][] specs = {{3, 3, 0}, {3, 4, 1}, {4, 3, -1}, {3, 3, 5}, {3, 3, -5}, {0, 0, 0}, {0, 3, 0}, {1, 1, 0}, {2, 5, -1}};
    try (Scope scope = Neurite.scope()) {
      for (int[] s : specs) {
        for (DType dt : ALL) {
          expect("eye", Ops.eye(s[0], s[1], s[2], dt), dt, eye(s[0], s[1], s[2]));
        }
      }
    }
  }

  /** The creation ops must give the same values for any thread count (here: 1 and 2 threads). */
  @Test void creationIsIndependentOfThreads() {
    int before = Neurite.numThreads();
    try (Scope scope = Neurite.scope()) {
      List<double[]> runs = new ArrayList<>();
      for (int threads : new int[] {1, 2}) {
        Neurite.setNumThreads(threads);
        runs.add(read(Ops.arange(0.5, 100000, 1.25, F32)));
        runs.add(read(Ops.linspace(-3, 7, 100000, F64)));
        runs.add(read(Ops.eye(300, 301, 2, F32)));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(-1, firstBitDifference(runs.get(i), runs.get(i + 3)), "creation run " + i);
      }
    } finally {
      Neurite.setNumThreads(before);
    }
  }
}
