package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ops that gradients are written with: slice_scatter, scatter_add, gelu_grad. The Java API has no methods for
 * them, so they are called through the op table ({@link OpCheck#call}).
 */
@ExtendWith(OpCheck.CoverageCheck.class)
class GradientOpsTest {
  static int norm(int axis, int rank) {
    return axis < 0 ? axis + rank : axis;
  }

  /** A copy of {@code base} with the slice base[starts:stops:steps] (per axis, Python semantics) replaced by src. */
  static Nd sliceScatter(Nd base, Nd src, int[] axes, long[] starts, long[] stops, long[] steps) {
    int r = base.rank();
    int[][] pos = new int[r][];
    for (int d = 0; d < r; d++) {
      pos[d] = ShapeOpsTest.slicePositions(0L, null, 1, base.shape[d]);
    }
    for (int i = 0; i < axes.length; i++) {
      int a = norm(axes[i], r);
      pos[a] = ShapeOpsTest.slicePositions(starts[i], stops == null ? null : stops[i], steps == null ? 1 : steps[i],
          base.shape[a]);
    }
    double[] out = base.v.clone();
    for (int f = 0; f < src.size(); f++) {
      int[] o = src.unravel(f);
      int[] at = new int[r];
      for (int d = 0; d < r; d++) {
        at[d] = pos[d][o[d]];
      }
      out[Nd.ravel(at, base.shape)] = src.v[f];
    }
    return new Nd(base.shape, out);
  }

  /** out = base; out[i with i[axis] = idx[p]] += src[p] for every position p of src (duplicates accumulate). */
  static Nd scatterAdd(Nd base, Nd idx, Nd src, int axis) {
    int a = norm(axis, base.rank());
    double[] out = base.v.clone();
    for (int f = 0; f < src.size(); f++) {
      int[] p = src.unravel(f);
      int j = (int) idx.v[f];
      p[a] = j < 0 ? j + base.shape[a] : j;
      out[Nd.ravel(p, base.shape)] += src.v[f];
    }
    return new Nd(base.shape, out);
  }

  /** d/dx of x * Phi(x) = Phi(x) + x * phi(x). */
  static double geluGradExact(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2)) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  }

  /** d/dx of 0.5 x (1 + tanh(u)), u = k (x + c x^3). */
  static double geluGradTanh(double x) {
    double k = Math.sqrt(2 / Math.PI), c = 0.044715;
    double t = Math.tanh(k * (x + c * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x);
  }

  @Test @Covers("slice_scatter") void sliceScatter() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      // {base shape, axes, starts, stops, steps}
      {shape(6), new int[] {0}, new long[] {1}, new long[] {4}, null},
      {shape(6), new int[] {0}, new long[] {5}, null, new long[] {-2}},
      {shape(4, 5), new int[] {1, 0}, new long[] {-1, 3}, null, new long[] {-2, -1}},
      {shape(4, 5), new int[] {1}, new long[] {0}, new long[] {100}, new long[] {2}},
      {shape(2, 3, 4), new int[] {2}, new long[] {1}, new long[] {3}, null},
      {shape(3, 4), new int[] {0}, new long[] {2}, new long[] {2}, null}, // an empty slice
      {shape(0, 3), new int[] {1}, new long[] {1}, null, null},
      {shape(3, 4), new int[] {}, new long[] {}, null, null}, // the whole tensor
    };
    for (Object[] c : specs) {
      long[] shape = (long[]) c[0];
      int[] axes = (int[]) c[1];
      long[] starts = (long[]) c[2], stops = (long[]) c[3], steps = (long[]) c[4];
      Nd region = ShapeOpsTest.slice(Nd.zeros(ints(shape)), axes, starts, stops, steps);
      List<Object> attrs = new ArrayList<>(List.of("axes", Arrays.stream(axes).asLongStream().toArray(), "starts", starts));
      if (stops != null) {
        attrs.addAll(List.of("stops", stops));
      }
      if (steps != null) {
        attrs.addAll(List.of("steps", steps));
      }
      Object[] at = attrs.toArray();
      cases.add(op2("slice_scatter", (b, s) -> call("slice_scatter", new Tensor[] {b, s}, at),
              (b, s) -> sliceScatter(b, s, axes, starts, stops, steps))
          .dtypes(ALL)
          .label("axes " + Arrays.toString(axes) + " starts " + Arrays.toString(starts) + " stops "
              + Arrays.toString(stops) + " steps " + Arrays.toString(steps))
          .with(s(shape), s(longs(region.shape))));
    }
    runAll("slice_scatter", cases);
  }

  @Test @Covers("scatter_add") void scatterAdd() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      // {base shape, axis, src/index shape}; indices cover [-n, n) of the axis, with repeats
      {shape(5), 0, shape(8)}, {shape(3, 4), 1, shape(3, 6)}, {shape(3, 4), 0, shape(7, 4)},
      {shape(3, 4), -1, shape(3, 2)}, {shape(2, 3, 4), 1, shape(2, 5, 4)}, {shape(3, 4), 1, shape(3, 0)},
      {shape(0, 4), 1, shape(0, 3)}, {shape(2, 300), 1, shape(2, 1000)},
    };
    for (Object[] c : specs) {
      long[] bs = (long[]) c[0], ss = (long[]) c[2];
      int axis = (Integer) c[1];
      int n = (int) bs[norm(axis, bs.length)];
      cases.add(opV("scatter_add", in -> call("scatter_add", in, "axis", axis), in -> scatterAdd(in[0], in[1], in[2], axis))
          .dtypes(NUMERIC).intDomain(-5, 5)
          .label("axis " + axis)
          .with(s(bs), idx(-n, n, ss), s(ss)));
    }
    runAll("scatter_add", cases);
  }

  @Test @Covers("gelu_grad") void geluGrad() {
    List<Case> cases = new ArrayList<>();
    double[] specials = {0, -0.0, 1, -1, 0.5, 3, -3, 6, -6, 10, -10, 1e-8, Double.NaN};
    double[] ones = new double[specials.length];
    Arrays.fill(ones, 1);
    for (int approximate : new int[] {0, 1}) {
      Case c = op2("gelu_grad", (x, g) -> call("gelu_grad", new Tensor[] {x, g}, "approximate", approximate),
              (x, g) -> Nd.zip(x, g, (a, b) -> b * (approximate == 1 ? geluGradTanh(a) : geluGradExact(a))))
          .domain(-6, 6)
          .label(approximate == 1 ? "tanh" : "exact");
      for (long[] s : UNARY_SHAPES) {
        c.with(s(s), s(s));
      }
      cases.add(c.with(s(specials.length).values(specials), s(specials.length).values(ones)));
    }
    runAll("gelu_grad", cases);
  }
}
