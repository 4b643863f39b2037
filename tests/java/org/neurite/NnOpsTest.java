package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The nn family: batch normalisation (training, its gradient, inference), dropout and the fused losses. */
@ExtendWith(OpCheck.CoverageCheck.class)
class NnOpsTest {
  /** Sums over a batch (and the variance's squares) round a little more than one elementwise f32 op. */
  static final double SUM_F32_RTOL = 1e-4, SUM_F32_ATOL = 1e-5;

  /** x's geometry around an axis: outer × k × inner. */
  static final class Geo {
    final int outer, k, inner;

    Geo(int[] shape, int axis) {
      int a = axis < 0 ? axis + shape.length : axis;
      int o = 1, in = 1;
      for (int i = 0; i < a; i++) {
        o *= shape[i];
      }
      for (int i = a + 1; i < shape.length; i++) {
        in *= shape[i];
      }
      outer = o;
      k = shape[a];
      inner = in;
    }

    int at(int o, int c, int i) {
      return (o * k + c) * inner + i;
    }

    int channel(int flat) {
      return (flat / inner) % k;
    }

    int[] rows(int[] shape, int axis) {
      int a = axis < 0 ? axis + shape.length : axis;
      int[] r = new int[shape.length - 1];
      for (int i = 0, j = 0; i < shape.length; i++) {
        if (i != a) {
          r[j++] = shape[i];
        }
      }
      return r;
    }
  }

  static Attrs axisEps(int axis, double eps) {
    Attrs a = Attrs.of().set("axis", axis);
    return Double.isNaN(eps) ? a : a.set("epsilon", eps);
  }

  // ---- batch normalisation ----

  /** (mean, biased var) per channel of axis. */
  static double[][] stats(Nd x, int axis) {
    Geo g = new Geo(x.shape, axis);
    double[] mean = new double[g.k], var = new double[g.k];
    int count = g.outer * g.inner;
    for (int f = 0; f < x.size(); f++) {
      mean[g.channel(f)] += x.v[f];
    }
    for (int c = 0; c < g.k; c++) {
      mean[c] /= count;
    }
    for (int f = 0; f < x.size(); f++) {
      double d = x.v[f] - mean[g.channel(f)];
      var[g.channel(f)] += d * d;
    }
    for (int c = 0; c < g.k; c++) {
      var[c] /= count;
    }
    return new double[][] {mean, var};
  }

  static Nd normalize(Nd x, int axis, double eps, double[] gamma, double[] beta, double[] mean, double[] var) {
    Geo g = new Geo(x.shape, axis);
    double[] y = new double[x.size()];
    for (int f = 0; f < y.length; f++) {
      int c = g.channel(f);
      y[f] = (x.v[f] - mean[c]) / Math.sqrt(var[c] + eps) * gamma[c] + beta[c];
    }
    return new Nd(x.shape, y);
  }

  /** (x shape, axis) pairs: NHWC-like last axis, NCHW-like axis 1, a matrix, one value per channel. */
  static final Object[][] BN_GEOMETRIES = {
    {shape(4, 3), -1}, {shape(2, 3, 4), 1}, {shape(2, 3, 3, 2), -1}, {shape(2, 2, 3, 3), 1}, {shape(1, 5), 0},
    {shape(200, 60), -1},
  };

  @Test @Covers("batch_norm_train") void batchNormTrain() {
    List<Case> cases = new ArrayList<>();
    for (double eps : new double[] {Double.NaN, 1e-5}) {
      for (Object[] geo : BN_GEOMETRIES) {
        long[] xs = (long[]) geo[0];
        int axis = (Integer) geo[1];
        long c = xs[axis < 0 ? axis + xs.length : axis];
        double e = Double.isNaN(eps) ? 1e-3 : eps;
        cases.add(opN("batch_norm_train", in -> Ops.call("batch_norm_train", axisEps(axis, eps), in), in -> {
          double[][] st = stats(in[0], axis);
          return new Nd[] {normalize(in[0], axis, e, in[1].v, in[2].v, st[0], st[1]), Nd.of(st[0], (int) c),
              Nd.of(st[1], (int) c)};
        }).with(s(xs), s(c), s(c)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("axis " + axis + " epsilon " + e));
      }
    }
    runAll("batch_norm_train", cases);
  }

  @Test @Covers("batch_norm_inference") void batchNormInference() {
    List<Case> cases = new ArrayList<>();
    for (double eps : new double[] {Double.NaN, 0.1}) {
      for (Object[] geo : BN_GEOMETRIES) {
        long[] xs = (long[]) geo[0];
        int axis = (Integer) geo[1];
        long c = xs[axis < 0 ? axis + xs.length : axis];
        double e = Double.isNaN(eps) ? 1e-3 : eps;
        cases.add(opV("batch_norm_inference", in -> Ops.call("batch_norm_inference", axisEps(axis, eps), in)[0],
            in -> normalize(in[0], axis, e, in[1].v, in[2].v, in[3].v, in[4].v))
            .with(s(xs), s(c), s(c), s(c), s(c).domain(0, 2)).label("axis " + axis + " epsilon " + e));
      }
    }
    runAll("batch_norm_inference", cases);
  }

  /**
   * batch_norm_train_grad from the inputs (x, gamma, beta, dy, d_mean, d_var): the case runs batch_norm_train for the
   * statistics, then the gradient; the reference is the analytic gradient of Σ dy·y + Σ d_mean·mean + Σ d_var·var.
   */
  @Test @Covers("batch_norm_train_grad") void batchNormTrainGrad() {
    List<Case> cases = new ArrayList<>();
    for (double eps : new double[] {Double.NaN, 1e-5}) {
      for (Object[] geo : BN_GEOMETRIES) {
        long[] xs = (long[]) geo[0];
        int axis = (Integer) geo[1];
        int c = (int) xs[axis < 0 ? axis + xs.length : axis];
        double e = Double.isNaN(eps) ? 1e-3 : eps;
        cases.add(opN("batch_norm_train_grad", in -> {
          Tensor[] fwd = Ops.call("batch_norm_train", axisEps(axis, eps), in[0], in[1], in[2]);
          Tensor[] out = Ops.call("batch_norm_train_grad", axisEps(axis, eps), in[0], in[1], fwd[1], fwd[2], in[3],
              in[4], in[5]);
          for (Tensor t : fwd) {
            t.close();
          }
          return out;
        }, in -> {
          Nd x = in[0];
          double[] gamma = in[1].v, dy = in[3].v, dMean = in[4].v, dVar = in[5].v;
          double[][] st = stats(x, axis);
          Geo g = new Geo(x.shape, axis);
          int n = g.outer * g.inner;
          double[] sumDy = new double[c], sumDyXhat = new double[c];
          double[] xhat = new double[x.size()];
          for (int f = 0; f < x.size(); f++) {
            int ch = g.channel(f);
            xhat[f] = (x.v[f] - st[0][ch]) / Math.sqrt(st[1][ch] + e);
            sumDy[ch] += dy[f];
            sumDyXhat[ch] += dy[f] * xhat[f];
          }
          double[] dx = new double[x.size()];
          for (int f = 0; f < x.size(); f++) {
            int ch = g.channel(f);
            double rstd = 1 / Math.sqrt(st[1][ch] + e);
            dx[f] = gamma[ch] * rstd / n * (n * dy[f] - sumDy[ch] - xhat[f] * sumDyXhat[ch]) + dMean[ch] / n
                + dVar[ch] * 2 * (x.v[f] - st[0][ch]) / n;
          }
          return new Nd[] {new Nd(x.shape, dx), Nd.of(sumDyXhat, c), Nd.of(sumDy, c)};
        }).with(s(xs), s(c), s(c), s(xs), s(c), s(c)).tol(F32, 1e-3, 1e-4)
            .label("axis " + axis + " epsilon " + e));
      }
    }
    // f32: dx subtracts batch sums of similar size (Σdy, xhat·Σ dy·xhat), so its error is a few ulps of those sums.
    runAll("batch_norm_train_grad", cases);
  }

  // ---- dropout ----

  static Tensor dropout(Tensor x, double rate, long seed, long offset) {
    return Ops.call("dropout", Attrs.of().set("rate", rate).set("seed", seed).set("offset", offset), x)[0];
  }

  @Test @Covers("dropout") void dropout() {
    record("dropout");
    long[][] shapes = {{7}, {3, 4}, {300, 201}, {0}, {}};
    for (DType dt : FLOATS) {
      for (long[] shape : shapes) {
        for (double rate : new double[] {0, 0.25, 0.5, 0.9}) {
          long seed = 11, offset = 5;
          int n = (int) checkedNumel(shape);
          double[] xv = new double[n];
          for (int i = 0; i < n; i++) {
            xv[i] = 1 + (i % 13) * 0.25;
          }
          try (Tensor x = tensor(xv, dt, shape); Tensor y = dropout(x, rate, seed, offset);
              Tensor u = Ops.randomUniform(seed, offset, 0, 1, F64, shape)) {
            assertEquals(dt, y.dtype());
            assertArrayEquals(shape, y.shape());
            double[] got = read(y), uv = read(u);
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
              want[i] = uv[i] >= rate ? quantizeTo(xv[i], dt) * (1 / (1 - rate)) : 0;
            }
            String where = "dropout " + dt + " " + Arrays.toString(shape) + " rate " + rate;
            int kept = 0;
            for (int i = 0; i < n; i++) {
              double w = quantizeTo(want[i], dt);
              assertTrue(close(got[i], w, dt == F64 ? F64_RTOL : F32_RTOL, 0),
                  where + ": at " + i + " expected " + w + " got " + got[i] + " (uniform " + uv[i] + ")");
              kept += got[i] != 0 ? 1 : 0;
            }
            if (n > 10_000) {
              assertEquals(1 - rate, kept / (double) n, 0.01, where + ": fraction kept");
            }
          }
        }
      }
    }
    // The mask of element i depends on offset + i only: offset k shifts the mask by k elements.
    try (Tensor x = Tensor.ones(100); Tensor a = dropout(x, 0.5, 3, 0); Tensor b = dropout(x, 0.5, 3, 10)) {
      double[] av = read(a), bv = read(b);
      for (int i = 0; i + 10 < 100; i++) {
        assertEquals(av[i + 10], bv[i], 0);
      }
    }
    try (Tensor x = Tensor.ones(3)) {
      assertThrows(InvalidArgumentException.class, () -> dropout(x, 1.0, 0, 0));
      assertThrows(InvalidArgumentException.class, () -> dropout(x, -0.1, 0, 0));
    }
    try (Tensor xi = Tensor.of(new int[] {1, 2}, 2)) {
      assertThrows(DTypeException.class, () -> dropout(xi, 0.5, 0, 0));
    }
  }

  // ---- losses ----

  /** (logits shape, axis) pairs for the softmax losses. */
  static final Object[][] LOSS_GEOMETRIES = {
    {shape(4, 5), -1}, {shape(3, 4), 0}, {shape(2, 3, 4), 1}, {shape(6), 0}, {shape(2, 1), -1}, {shape(0, 3), -1},
    {shape(128, 300), -1},
  };

  static double[] logSoftmaxRow(Nd x, Geo g, int o, int i) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < g.k; c++) {
      max = Math.max(max, x.v[g.at(o, c, i)]);
    }
    double sum = 0;
    for (int c = 0; c < g.k; c++) {
      sum += Math.exp(x.v[g.at(o, c, i)] - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[g.k];
    for (int c = 0; c < g.k; c++) {
      out[c] = x.v[g.at(o, c, i)] - lse;
    }
    return out;
  }

  static Nd softmaxCe(Nd logits, Nd targets, int axis) {
    Geo g = new Geo(logits.shape, axis);
    double[] out = new double[g.outer * g.inner];
    for (int o = 0; o < g.outer; o++) {
      for (int i = 0; i < g.inner; i++) {
        double[] ls = logSoftmaxRow(logits, g, o, i);
        double s = 0;
        for (int c = 0; c < g.k; c++) {
          s -= targets.v[g.at(o, c, i)] * ls[c];
        }
        out[o * g.inner + i] = s;
      }
    }
    return new Nd(g.rows(logits.shape, axis), out);
  }

  static Nd softmaxCeGrad(Nd logits, Nd targets, Nd gr, int axis) {
    Geo g = new Geo(logits.shape, axis);
    double[] out = new double[logits.size()];
    for (int o = 0; o < g.outer; o++) {
      for (int i = 0; i < g.inner; i++) {
        double[] ls = logSoftmaxRow(logits, g, o, i);
        double st = 0;
        for (int c = 0; c < g.k; c++) {
          st += targets.v[g.at(o, c, i)];
        }
        for (int c = 0; c < g.k; c++) {
          int f = g.at(o, c, i);
          out[f] = (Math.exp(ls[c]) * st - targets.v[f]) * gr.v[o * g.inner + i];
        }
      }
    }
    return new Nd(logits.shape, out);
  }

  static Nd sparseCe(Nd logits, Nd labels, int axis, Nd gr) {
    Geo g = new Geo(logits.shape, axis);
    double[] loss = new double[g.outer * g.inner], grad = new double[logits.size()];
    for (int o = 0; o < g.outer; o++) {
      for (int i = 0; i < g.inner; i++) {
        double[] ls = logSoftmaxRow(logits, g, o, i);
        int row = o * g.inner + i, label = (int) labels.v[row];
        loss[row] = -ls[label];
        for (int c = 0; c < g.k; c++) {
          grad[g.at(o, c, i)] = (Math.exp(ls[c]) - (c == label ? 1 : 0)) * (gr == null ? 1 : gr.v[row]);
        }
      }
    }
    return gr == null ? new Nd(g.rows(logits.shape, axis), loss) : new Nd(logits.shape, grad);
  }

  @Test @Covers({"softmax_cross_entropy", "softmax_cross_entropy_grad"}) void softmaxCrossEntropy() {
    List<Case> cases = new ArrayList<>();
    for (Object[] geo : LOSS_GEOMETRIES) {
      long[] xs = (long[]) geo[0];
      int axis = (Integer) geo[1];
      long[] rows = longs(new Geo(ints(xs), axis).rows(ints(xs), axis));
      Attrs a = Attrs.of().set("axis", axis);
      cases.add(op2("softmax_cross_entropy", (x, t) -> Ops.call("softmax_cross_entropy", a, x, t)[0],
          (x, t) -> softmaxCe(x, t, axis)).with(s(xs).domain(-5, 5), s(xs).domain(0, 1))
          .tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("axis " + axis));
      cases.add(opV("softmax_cross_entropy_grad", in -> Ops.call("softmax_cross_entropy_grad", a, in)[0],
          in -> softmaxCeGrad(in[0], in[1], in[2], axis))
          .with(s(xs).domain(-5, 5), s(xs).domain(0, 1), s(rows)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL)
          .label("axis " + axis));
    }
    // Large logits: the fused loss must not overflow (log_softmax is stable), one-hot targets.
    Attrs last = Attrs.of();
    cases.add(op2("softmax_cross_entropy", (x, t) -> Ops.call("softmax_cross_entropy", last, x, t)[0],
        (x, t) -> softmaxCe(x, t, -1)).label("large logits")
        .with(s(2, 3).values(1000, -1000, 0, 88, 89, 90), s(2, 3).values(0, 1, 0, 1, 0, 0)));
    cases.add(opV("softmax_cross_entropy_grad", in -> Ops.call("softmax_cross_entropy_grad", last, in)[0],
        in -> softmaxCeGrad(in[0], in[1], in[2], -1)).label("large logits")
        .with(s(2, 3).values(1000, -1000, 0, 88, 89, 90), s(2, 3).values(0, 1, 0, 1, 0, 0), s(2).values(1, 0.5)));
    runAll("softmax_cross_entropy", cases);
  }

  @Test @Covers({"sparse_softmax_cross_entropy", "sparse_softmax_cross_entropy_grad"}) void sparseSoftmaxCrossEntropy() {
    List<Case> cases = new ArrayList<>();
    for (Object[] geo : LOSS_GEOMETRIES) {
      long[] xs = (long[]) geo[0];
      int axis = (Integer) geo[1];
      int k = (int) xs[axis < 0 ? axis + xs.length : axis];
      long[] rows = longs(new Geo(ints(xs), axis).rows(ints(xs), axis));
      Attrs a = Attrs.of().set("axis", axis);
      cases.add(op2("sparse_softmax_cross_entropy", (x, l) -> Ops.call("sparse_softmax_cross_entropy", a, x, l)[0],
          (x, l) -> sparseCe(x, l, axis, null)).with(s(xs).domain(-5, 5), idx(0, k, rows))
          .tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("axis " + axis));
      cases.add(opV("sparse_softmax_cross_entropy_grad",
          in -> Ops.call("sparse_softmax_cross_entropy_grad", a, in)[0], in -> sparseCe(in[0], in[1], axis, in[2]))
          .with(s(xs).domain(-5, 5), idx(0, k, rows), s(rows)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL)
          .label("axis " + axis));
    }
    runAll("sparse_softmax_cross_entropy", cases);
    try (Tensor x = Tensor.zeros(2, 3); Tensor l = Tensor.of(new float[] {0, 1}, 2)) {
      assertThrows(DTypeException.class, () -> Ops.call("sparse_softmax_cross_entropy", Attrs.of(), x, l));
    }
  }

  static double sigmoidCe(double x, double z) {
    return Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
  }

  @Test @Covers("sigmoid_cross_entropy") void sigmoidCrossEntropy() {
    Case equalShapes = op2("sigmoid_cross_entropy",
        (x, z) -> Ops.call("sigmoid_cross_entropy", Attrs.of(), x, z)[0], (x, z) -> Nd.zip(x, z, NnOpsTest::sigmoidCe));
    equalShapes.shapes(shape(), shape()).shapes(shape(7), shape(7)).shapes(shape(3, 4), shape(3, 4))
        .shapes(shape(0, 2), shape(0, 2)).shapes(shape(300, 201), shape(300, 201)).domainOf(1, 0, 1);
    equalShapes.with(s(8).values(-1000, 1000, -30, 30, 0, -0.0, 1e-8, 50), s(8).values(1, 0, 0.5, 1, 0.5, 0, 1, 0));
    runAll("sigmoid_cross_entropy", List.of(equalShapes.label("logits, targets")));
    try (Tensor x = Tensor.zeros(2, 3); Tensor z = Tensor.zeros(3)) {
      assertThrows(ShapeException.class, () -> Ops.call("sigmoid_cross_entropy", Attrs.of(), x, z));
    }
  }

  // ---- composite losses (Keras semantics) ----

  static final long[][] SAMPLE_SHAPES = {shape(4, 5), shape(2, 3, 4), shape(6), shape(0, 3), shape(64, 300)};

  /** f over the last axis, summed, divided by its length when mean. */
  static Nd lastAxis(Nd a, Nd b, boolean mean, java.util.function.DoubleBinaryOperator f) {
    int k = a.shape[a.rank() - 1], rows = k == 0 ? 0 : a.size() / k;
    int[] rs = Arrays.copyOf(a.shape, a.rank() - 1);
    double[] out = new double[Nd.numel(rs)];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < k; c++) {
        out[r] += f.applyAsDouble(a.v[r * k + c], b.v[r * k + c]);
      }
      if (mean) {
        out[r] /= k;
      }
    }
    return new Nd(rs, out);
  }

  static double clip(double p, double eps) {
    return Math.min(Math.max(p, eps), 1 - eps);
  }

  static List<Case> pairLoss(String op, Attrs a, java.util.function.DoubleBinaryOperator f, double lo, double hi) {
    Case c = op2(op, (x, t) -> Ops.call(op, a, x, t)[0], (x, t) -> lastAxis(x, t, true, f));
    for (long[] sh : SAMPLE_SHAPES) {
      c.with(s(sh).domain(lo, hi), s(sh).domain(lo < 0 ? lo : 0, hi));
    }
    return List.of(c.tol(F32, SUM_F32_RTOL, SUM_F32_ATOL));
  }

  @Test @Covers("mse") void mse() {
    runAll("mse", pairLoss("mse", Attrs.of(), (p, t) -> (p - t) * (p - t), -3, 3));
    try (Tensor x = Tensor.zeros(2, 3); Tensor t = Tensor.zeros(3, 2)) {
      assertThrows(ShapeException.class, () -> Ops.call("mse", Attrs.of(), x, t));
    }
  }

  @Test @Covers("mae") void mae() {
    runAll("mae", pairLoss("mae", Attrs.of(), (p, t) -> Math.abs(p - t), -3, 3));
  }

  @Test @Covers("huber") void huber() {
    List<Case> cases = new ArrayList<>();
    for (double delta : new double[] {1.0, 0.4, 10}) {
      cases.addAll(pairLoss("huber", Attrs.of().set("delta", delta), (p, t) -> {
        double d = Math.abs(p - t);
        return d <= delta ? 0.5 * d * d : delta * d - 0.5 * delta * delta;
      }, -3, 3));
    }
    runAll("huber", cases);
  }

  static double bce(double p, double t) {
    double c = clip(p, 1e-7);
    return -(t * Math.log(c) + (1 - t) * Math.log(1 - c));
  }

  @Test @Covers("binary_cross_entropy") void binaryCrossEntropy() {
    List<Case> cases = new ArrayList<>(pairLoss("binary_cross_entropy", Attrs.of(), NnOpsTest::bce, 0.02, 0.98));
    // Probabilities 0 and 1 are clipped: the loss stays finite (f64, where 1 - 1e-7 is exact enough to compare).
    cases.add(op2("binary_cross_entropy", (x, t) -> Ops.call("binary_cross_entropy", Attrs.of(), x, t)[0],
        (x, t) -> lastAxis(x, t, true, NnOpsTest::bce)).dtypes(F64).label("probabilities 0 and 1")
        .with(s(2, 3).values(0, 1, 0.5, 1, 0, 0), s(2, 3).values(1, 0, 1, 1, 0, 1)));
    runAll("binary_cross_entropy", cases);
  }

  static Nd categoricalCe(Nd probs, Nd targets, int axis) {
    Geo g = new Geo(probs.shape, axis);
    double[] out = new double[g.outer * g.inner];
    for (int o = 0; o < g.outer; o++) {
      for (int i = 0; i < g.inner; i++) {
        double total = 0;
        for (int c = 0; c < g.k; c++) {
          total += probs.v[g.at(o, c, i)];
        }
        for (int c = 0; c < g.k; c++) {
          out[o * g.inner + i] -= targets.v[g.at(o, c, i)] * Math.log(clip(probs.v[g.at(o, c, i)] / total, 1e-7));
        }
      }
    }
    return new Nd(g.rows(probs.shape, axis), out);
  }

  @Test @Covers("categorical_cross_entropy") void categoricalCrossEntropy() {
    List<Case> cases = new ArrayList<>();
    for (Object[] geo : LOSS_GEOMETRIES) {
      long[] xs = (long[]) geo[0];
      int axis = (Integer) geo[1];
      Attrs a = Attrs.of().set("axis", axis);
      cases.add(op2("categorical_cross_entropy", (x, t) -> Ops.call("categorical_cross_entropy", a, x, t)[0],
          (x, t) -> categoricalCe(x, t, axis)).with(s(xs).domain(0.05, 1), s(xs).domain(0, 1))
          .tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("axis " + axis));
    }
    runAll("categorical_cross_entropy", cases);
  }

  static Nd sparseCategoricalCe(Nd probs, Nd labels, int axis) {
    Geo g = new Geo(probs.shape, axis);
    double[] out = new double[g.outer * g.inner];
    for (int o = 0; o < g.outer; o++) {
      for (int i = 0; i < g.inner; i++) {
        out[o * g.inner + i] = -Math.log(clip(probs.v[g.at(o, (int) labels.v[o * g.inner + i], i)], 1e-7));
      }
    }
    return new Nd(g.rows(probs.shape, axis), out);
  }

  @Test @Covers("sparse_categorical_cross_entropy") void sparseCategoricalCrossEntropy() {
    List<Case> cases = new ArrayList<>();
    for (Object[] geo : LOSS_GEOMETRIES) {
      long[] xs = (long[]) geo[0];
      int axis = (Integer) geo[1];
      int k = (int) xs[axis < 0 ? axis + xs.length : axis];
      long[] rows = longs(new Geo(ints(xs), axis).rows(ints(xs), axis));
      Attrs a = Attrs.of().set("axis", axis);
      cases.add(op2("sparse_categorical_cross_entropy",
          (x, l) -> Ops.call("sparse_categorical_cross_entropy", a, x, l)[0], (x, l) -> sparseCategoricalCe(x, l, axis))
          .with(s(xs).domain(0.02, 0.98), idx(0, k, rows)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("axis " + axis));
    }
    runAll("sparse_categorical_cross_entropy", cases);
  }

  static Nd reduceLoss(Nd losses, Nd weights, int reduction) {
    Nd weighted = Nd.zip(losses, weights, (l, w) -> l * w);
    if (reduction == 0) {
      return weighted;
    }
    double total = 0;
    for (double x : weighted.v) {
      total += x;
    }
    return Nd.scalar(reduction == 1 || losses.size() == 0 ? total : total / losses.size());
  }

  @Test @Covers("reduce_loss") void reduceLoss() {
    List<Case> cases = new ArrayList<>();
    for (int reduction = 0; reduction < 3; reduction++) {
      int r = reduction;
      Attrs a = Attrs.of().set("reduction", r);
      cases.add(op2("reduce_loss", (l, w) -> Ops.call("reduce_loss", a, l, w)[0], (l, w) -> reduceLoss(l, w, r))
          .shapes(shape(4, 5), shape(4, 5)).shapes(shape(4, 5), shape(4, 1)).shapes(shape(8), shape())
          .shapes(shape(0, 3), shape(3)).shapes(shape(), shape()).shapes(shape(128, 300), shape(128, 1))
          .tol(F32, SUM_F32_RTOL, SUM_F32_ATOL).label("reduction " + r));
    }
    runAll("reduce_loss", cases);
    try (Tensor l = Tensor.zeros(3); Tensor w = Tensor.zeros(2, 3)) {
      assertThrows(ShapeException.class, () -> Ops.call("reduce_loss", Attrs.of(), l, w));
    }
  }

  static Nd penalty(Nd w, double factor, java.util.function.DoubleUnaryOperator f) {
    double total = 0;
    for (double x : w.v) {
      total += f.applyAsDouble(x);
    }
    return Nd.scalar(factor * total);
  }

  @Test @Covers({"l1_penalty", "l2_penalty"}) void penalties() {
    List<Case> cases = new ArrayList<>();
    Attrs l1 = Attrs.of().set("l1", 0.3), l2 = Attrs.of().set("l2", 0.2);
    cases.add(op1("l1_penalty", w -> Ops.call("l1_penalty", l1, w)[0], w -> penalty(w, 0.3, Math::abs))
        .shapes(shape(4, 5)).shapes(shape()).shapes(shape(0)).shapes(shape(64, 300)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL));
    cases.add(op1("l2_penalty", w -> Ops.call("l2_penalty", l2, w)[0], w -> penalty(w, 0.2, x -> x * x))
        .shapes(shape(4, 5)).shapes(shape()).shapes(shape(0)).shapes(shape(64, 300)).tol(F32, SUM_F32_RTOL, SUM_F32_ATOL));
    cases.add(op1("l2_penalty", w -> Ops.call("l2_penalty", Attrs.of(), w)[0], w -> penalty(w, 0.01, x -> x * x))
        .shapes(shape(3, 4)).label("default l2"));
    runAll("penalties", cases);
  }
}
