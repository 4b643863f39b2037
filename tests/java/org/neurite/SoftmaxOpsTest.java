package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** softmax and log_softmax over one axis. */
@ExtendWith(OpCheck.CoverageCheck.class)
class SoftmaxOpsTest {
  static final double INF = Double.POSITIVE_INFINITY;

  /** Applies {@code f} to every 1-D lane of {@code x} along {@code axis}, writing the lane's result in place. */
  static Nd alongAxis(Nd x, int axis, java.util.function.UnaryOperator<double[]> f) {
    int a = axis < 0 ? axis + x.rank() : axis;
    int n = x.shape[a];
    double[] out = new double[x.size()];
    int[] laneShape = x.shape.clone();
    laneShape[a] = 1;
    int lanes = Nd.numel(laneShape);
    for (int l = 0; l < lanes && n > 0; l++) {
      int[] idx = Nd.unravel(l, laneShape);
      double[] lane = new double[n];
      for (int i = 0; i < n; i++) {
        idx[a] = i;
        lane[i] = x.get(idx);
      }
      double[] r = f.apply(lane);
      for (int i = 0; i < n; i++) {
        idx[a] = i;
        out[Nd.ravel(idx, x.shape)] = r[i];
      }
    }
    return new Nd(x.shape, out);
  }

  /** log(sum(exp(v))) with the max factored out. */
  static double lse(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    double s = 0;
    for (double x : v) {
      s += Math.exp(x - m);
    }
    return m + Math.log(s);
  }

  static double[] softmax(double[] v) {
    double l = lse(v);
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = Math.exp(v[i] - l);
    }
    return r;
  }

  static double[] logSoftmax(double[] v) {
    double l = lse(v);
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = v[i] - l;
    }
    return r;
  }

  static final Object[][] CASES = {
    {shape(5), 0}, {shape(5), -1}, {shape(2, 3), 0}, {shape(2, 3), 1}, {shape(2, 3, 4), 0}, {shape(2, 3, 4), 1},
    {shape(2, 3, 4), -1}, {shape(1, 1), 0}, {shape(3, 1), 1}, {shape(0, 3), 1}, {shape(3, 0), 1}, {shape(3, 0), 0},
    {shape(2, 300, 3), 1}, {shape(4, 1000), -1},
  };

  static List<Case> cases(String op, boolean log) {
    List<Case> cases = new ArrayList<>();
    for (Object[] c : CASES) {
      int axis = (Integer) c[1];
      long[] shape = (long[]) c[0];
      for (double[] dom : new double[][] {{-5, 5}, {500, 800}}) {
        cases.add(op1(op, x -> log ? x.logSoftmax(axis) : x.softmax(axis),
                x -> alongAxis(x, axis, log ? SoftmaxOpsTest::logSoftmax : SoftmaxOpsTest::softmax))
            .label("axis " + axis + " values in [" + dom[0] + ", " + dom[1] + "]").domain(dom[0], dom[1]).with(s(shape)));
      }
    }
    // -inf entries get probability 0 (log: -inf); a row may hold one +inf only through NaN, so none here.
    cases.add(op1(op, x -> log ? x.logSoftmax(1) : x.softmax(1),
            x -> alongAxis(x, 1, log ? SoftmaxOpsTest::logSoftmax : SoftmaxOpsTest::softmax))
        .label("with -inf").with(s(2, 4).values(-INF, 0, 1, -INF, 3, -INF, 2, 1000)));
    return cases;
  }

  @Test @Covers("softmax") void softmax() { runAll("softmax", cases("softmax", false)); }
  @Test @Covers("log_softmax") void logSoftmax() { runAll("log_softmax", cases("log_softmax", true)); }
}
