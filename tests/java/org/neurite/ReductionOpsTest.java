package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reductions over any set of axes (with and without keepdims), and argmax/argmin over one axis. */
@ExtendWith(OpCheck.CoverageCheck.class)
class ReductionOpsTest {
  /** An op reducing {@code axes} of its input. */
  interface Reduction {
    Tensor apply(Tensor x, int[] axes, boolean keepdims);
  }

  /** (shape, axes) pairs; an empty axes list reduces every axis. */
  static final Object[][] AXES_CASES = {
    {shape(), new int[] {}},
    {shape(1), new int[] {}},
    {shape(5), new int[] {}}, {shape(5), new int[] {0}}, {shape(5), new int[] {-1}},
    {shape(2, 3), new int[] {}}, {shape(2, 3), new int[] {0}}, {shape(2, 3), new int[] {1}},
    {shape(2, 3), new int[] {-1, 0}},
    {shape(2, 3, 4), new int[] {}}, {shape(2, 3, 4), new int[] {0}}, {shape(2, 3, 4), new int[] {1}},
    {shape(2, 3, 4), new int[] {2}}, {shape(2, 3, 4), new int[] {0, 2}}, {shape(2, 3, 4), new int[] {1, 2}},
    {shape(2, 3, 4), new int[] {0, 1}},
    {shape(2, 3, 2, 3), new int[] {1, 3}}, {shape(2, 3, 2, 3), new int[] {0, 2, 3}},
    {shape(1, 4, 1), new int[] {0}}, {shape(1, 4, 1), new int[] {1}}, {shape(1, 4, 1), new int[] {0, 2}},
    {shape(3, 1), new int[] {1}},
    {shape(2, 0, 3), new int[] {}}, {shape(2, 0, 3), new int[] {0}}, {shape(2, 0, 3), new int[] {1}},
    {shape(2, 0, 3), new int[] {2}}, {shape(0), new int[] {}},
    // Long rows and columns: split into chunks (65536 elements) and across threads.
    {shape(70000), new int[] {}}, {shape(3, 30000), new int[] {1}}, {shape(30000, 3), new int[] {0}},
  };

  /**
   * Inputs above this many elements (to exercise chunked, multi-threaded reductions) run without keepdims only, as
   * keepdims changes the shape, not the kernel.
   */
  static final long BIG = 10_000;

  /** Big inputs run in f32, f64 and i32 only (one integer type suffices for the integer accumulation path). */
  static DType[] bigDtypes(DType[] dtypes) {
    return Arrays.stream(dtypes).filter(d -> d == F32 || d == F64 || d == I32 || d == BOOL).toArray(DType[]::new);
  }

  static boolean hasEmptyReducedAxis(long[] shape, int[] axes) {
    boolean[] m = Nd.axisMask(axes, shape.length);
    for (int d = 0; d < shape.length; d++) {
      if (m[d] && shape[d] == 0) {
        return true;
      }
    }
    return false;
  }

  static long elements(long[] shape) {
    return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
  }

  /**
   * One case per (shape, axes, keepdims). {@code emptyOk}: whether reducing an empty axis is defined (not for max and
   * min); {@code maxElements}: skips larger inputs (for prod, whose value would leave every range).
   */
  static List<Case> reduction(String op, Reduction fn, ToDoubleFunction<double[]> ref, DType[] dtypes,
      boolean emptyOk, long maxElements) {
    List<Case> cases = new ArrayList<>();
    for (Object[] c : AXES_CASES) {
      long[] shape = (long[]) c[0];
      int[] axes = (int[]) c[1];
      if ((!emptyOk && hasEmptyReducedAxis(shape, axes)) || elements(shape) > maxElements) {
        continue;
      }
      for (boolean keep : elements(shape) > BIG ? new boolean[] {false} : new boolean[] {false, true}) {
        cases.add(op1(op, x -> fn.apply(x, axes, keep), x -> x.reduce(axes, keep, ref))
            .label("axes " + Arrays.toString(axes) + (keep ? " keepdims" : ""))
            .dtypes(elements(shape) > BIG ? bigDtypes(dtypes) : dtypes)
            .with(s(shape)));
      }
    }
    return cases;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }

  static double prod(double[] v) {
    double p = 1;
    for (double x : v) {
      p *= x;
    }
    return p;
  }

  static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Double.isNaN(x) || Double.isNaN(m) ? Double.NaN : Math.max(m, x);
    }
    return m;
  }

  static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Double.isNaN(x) || Double.isNaN(m) ? Double.NaN : Math.min(m, x);
    }
    return m;
  }

  static double mean(double[] v) {
    return sum(v) / v.length; // 0/0 = NaN for an empty group, as NumPy
  }

  static double var(double[] v, int correction) {
    double m = mean(v), ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    return ss / Math.max(v.length - correction, 0);
  }

  static double logsumexp(double[] v) {
    double m = max(v);
    if (Double.isInfinite(m) || Double.isNaN(m)) {
      return m; // empty or all -inf: -inf; any +inf: +inf
    }
    double s = 0;
    for (double x : v) {
      s += Math.exp(x - m);
    }
    return m + Math.log(s);
  }

  @Test @Covers("sum") void sum() {
    runAll("sum", reduction("sum", Ops::sum, ReductionOpsTest::sum, NUMERIC, true, Long.MAX_VALUE));
  }

  @Test @Covers("mean") void mean() {
    runAll("mean", reduction("mean", Ops::mean, ReductionOpsTest::mean, FLOATS, true, Long.MAX_VALUE));
  }

  @Test @Covers("max") void max() {
    runAll("max", reduction("max", Ops::max, ReductionOpsTest::max, NUMERIC, false, Long.MAX_VALUE));
  }

  @Test @Covers("min") void min() {
    runAll("min", reduction("min", Ops::min, ReductionOpsTest::min, NUMERIC, false, Long.MAX_VALUE));
  }

  @Test @Covers("prod") void prod() {
    List<Case> cases = reduction("prod", Ops::prod, ReductionOpsTest::prod, NUMERIC, true, 100);
    // Products of up to 36 factors: float factors in [0.5, 1.5], integers in [-2, 2] (u8 in [0, 4], which wraps
    // modulo 256 exactly as the reference, taken modulo 256 for u8, does).
    cases.forEach(c -> c.domain(0.5, 1.5).intDomain(-2, 2));
    runAll("prod", cases);
  }

  @Test @Covers("var") void var() {
    List<Case> cases = new ArrayList<>();
    for (int correction : new int[] {0, 1, 2}) {
      for (Case c : reduction("var", (x, a, k) -> Ops.var(x, a, k, correction), v -> var(v, correction), FLOATS, true,
          Long.MAX_VALUE)) {
        cases.add(c.label(c.label + " correction " + correction));
      }
    }
    runAll("var", cases);
  }

  @Test @Covers("std") void std() {
    List<Case> cases = new ArrayList<>();
    for (int correction : new int[] {0, 1}) {
      for (Case c : reduction("std", (x, a, k) -> Ops.std(x, a, k, correction), v -> Math.sqrt(var(v, correction)),
          FLOATS, true, Long.MAX_VALUE)) {
        cases.add(c.label(c.label + " correction " + correction));
      }
    }
    runAll("std", cases);
  }

  @Test @Covers("logsumexp") void logsumexp() {
    List<Case> cases = reduction("logsumexp", Ops::logsumexp, ReductionOpsTest::logsumexp, FLOATS, true, Long.MAX_VALUE);
    // Large values, whose exp overflows: the result must still be exact (the max is factored out).
    for (Case c : reduction("logsumexp", Ops::logsumexp, ReductionOpsTest::logsumexp, FLOATS, true, 1000)) {
      cases.add(c.domain(500, 800).label(c.label + " large values"));
    }
    cases.add(op1("logsumexp", x -> Ops.logsumexp(x, new int[] {1}, false),
            x -> x.reduce(new int[] {1}, false, ReductionOpsTest::logsumexp))
        .label("infinities and NaN")
        .with(s(4, 3).values(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.POSITIVE_INFINITY, 1, 2, Double.NaN, 1, 2, Double.NEGATIVE_INFINITY, 0, 1)));
    runAll("logsumexp", cases);
  }

  @Test @Covers("all") void all() {
    List<Case> cases = reduction("all", Ops::all, v -> Arrays.stream(v).allMatch(x -> x != 0) ? 1 : 0,
        new DType[] {BOOL}, true, Long.MAX_VALUE);
    cases.forEach(c -> c.sets.forEach(set -> set[0].pTrue(0.9)));
    runAll("all", cases);
  }

  @Test @Covers("any") void any() {
    List<Case> cases = reduction("any", Ops::any, v -> Arrays.stream(v).anyMatch(x -> x != 0) ? 1 : 0,
        new DType[] {BOOL}, true, Long.MAX_VALUE);
    cases.forEach(c -> c.sets.forEach(set -> set[0].pTrue(0.1)));
    runAll("any", cases);
  }

  /** argmax/argmin: first occurrence on ties (integers have many), a NaN wins (NumPy). */
  static List<Case> argReduction(String op, boolean isMax) {
    List<Case> cases = new ArrayList<>();
    long[][] shapes = {{1}, {5}, {2, 3}, {2, 3, 4}, {1, 4, 1}, {3, 1}, {2, 0, 3}, {3, 30000}, {30000, 3}};
    for (long[] shape : shapes) {
      boolean big = elements(shape) > BIG;
      for (int axis = big ? 0 : -shape.length; axis < shape.length; axis++) {
        int ax = axis;
        int a = ax < 0 ? ax + shape.length : ax;
        if (shape[a] == 0) {
          continue;
        }
        for (boolean keep : big ? new boolean[] {false} : new boolean[] {false, true}) {
          Reduction fn = (x, axes, k) -> isMax ? Ops.argmax(x, ax, k) : Ops.argmin(x, ax, k);
          cases.add(op1(op, x -> fn.apply(x, null, keep),
                  x -> x.reduce(new int[] {ax}, keep, v -> argBest(v, isMax)))
              .label("axis " + ax + (keep ? " keepdims" : ""))
              .dtypes(big ? bigDtypes(NUMERIC) : NUMERIC).out(I64).intDomain(-3, 3)
              .with(s(shape)));
        }
      }
    }
    double nan = Double.NaN;
    cases.add(op1(op, x -> isMax ? Ops.argmax(x, 1, false) : Ops.argmin(x, 1, false),
            x -> x.reduce(new int[] {1}, false, v -> argBest(v, isMax)))
        .label("NaN and infinities").out(I64)
        .with(s(4, 3).values(1, nan, 2, nan, nan, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0, 5, 5, 5)));
    return cases;
  }

  static double argBest(double[] v, boolean isMax) {
    int at = 0;
    for (int i = 1; i < v.length; i++) {
      if (Double.isNaN(v[at])) {
        break;
      }
      if (Double.isNaN(v[i]) || (isMax ? v[i] > v[at] : v[i] < v[at])) {
        at = i;
      }
    }
    return at;
  }

  @Test @Covers("argmax") void argmax() { runAll("argmax", argReduction("argmax", true)); }
  @Test @Covers("argmin") void argmin() { runAll("argmin", argReduction("argmin", false)); }
}
