package org.neurite.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.NeuriteException;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * Every loss against its Keras definition computed here in plain double arithmetic, on f64 tensors: per-sample values,
 * the three reductions, sample weights, label smoothing, integer or float labels, and config round trips. Tolerance
 * 1e-12 relative: the engine computes in f64 too, so only summation order separates the two.
 */
class LossesTest {
  static final int N = 5, K = 4;
  static final double TOL = 1e-12;

  final SplittableRandom r = new SplittableRandom(7);

  double[] uniform(int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return v;
  }

  /** Rows of K probabilities that sum to 1. */
  double[] probabilities() {
    double[] p = uniform(N * K, 0.05, 1);
    for (int i = 0; i < N; i++) {
      double s = 0;
      for (int k = 0; k < K; k++) {
        s += p[i * K + k];
      }
      for (int k = 0; k < K; k++) {
        p[i * K + k] /= s;
      }
    }
    return p;
  }

  double[] oneHot(int[] labels) {
    double[] y = new double[N * K];
    for (int i = 0; i < N; i++) {
      y[i * K + labels[i]] = 1;
    }
    return y;
  }

  int[] labels() {
    int[] l = new int[N];
    for (int i = 0; i < N; i++) {
      l[i] = r.nextInt(K);
    }
    return l;
  }

  static double[] logSoftmax(double[] z, int i) {
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < K; k++) {
      m = Math.max(m, z[i * K + k]);
    }
    double s = 0;
    for (int k = 0; k < K; k++) {
      s += Math.exp(z[i * K + k] - m);
    }
    double[] out = new double[K];
    for (int k = 0; k < K; k++) {
      out[k] = z[i * K + k] - m - Math.log(s);
    }
    return out;
  }

  /** Per sample i: the mean over the last axis of f(y, p) (Keras's elementwise losses). */
  static double[] meanOverLast(double[] y, double[] p, BiFunction<Double, Double, Double> f) {
    double[] out = new double[N];
    for (int i = 0; i < N; i++) {
      for (int k = 0; k < K; k++) {
        out[i] += f.apply(y[i * K + k], p[i * K + k]) / K;
      }
    }
    return out;
  }

  static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOL * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }
  }

  /** The per-sample values, and each reduction with and without sample weights, against {@code expected}. */
  void checkReductions(BiFunction<Double, Reduction, Loss> make, Tensor yTrue, Tensor yPred, double[] expected,
      String what) {
    double[] w = uniform(N, 0, 2);
    double sum = 0, weighted = 0;
    for (int i = 0; i < N; i++) {
      sum += expected[i];
      weighted += w[i] * expected[i];
    }
    try (Scope s = Neurite.scope()) {
      Tensor weights = Tensor.of(w, N);
      assertClose(expected, make.apply(0.0, Reduction.NONE).compute(yTrue, yPred).toDoubleArray(), what + " none");
      assertClose(new double[] {sum}, new double[] {make.apply(0.0, Reduction.SUM).compute(yTrue, yPred).item()},
          what + " sum");
      assertClose(new double[] {sum / N},
          new double[] {make.apply(0.0, Reduction.SUM_OVER_BATCH_SIZE).compute(yTrue, yPred).item()}, what + " mean");
      assertClose(new double[] {weighted / N},
          new double[] {make.apply(0.0, Reduction.SUM_OVER_BATCH_SIZE).compute(yTrue, yPred, weights).item()},
          what + " weighted mean");
      double[] perSampleWeighted = new double[N];
      for (int i = 0; i < N; i++) {
        perSampleWeighted[i] = w[i] * expected[i];
      }
      assertClose(perSampleWeighted, make.apply(0.0, Reduction.NONE).compute(yTrue, yPred, weights).toDoubleArray(),
          what + " weighted none");
    }
  }

  @Test void regressionLosses() {
    try (Scope s = Neurite.scope()) {
      double[] y = uniform(N * K, -2, 2), p = uniform(N * K, -2, 2);
      Tensor yt = Tensor.of(y, N, K), pt = Tensor.of(p, N, K);
      checkReductions((x, red) -> new MeanSquaredError(red), yt, pt,
          meanOverLast(y, p, (a, b) -> (a - b) * (a - b)), "mse");
      checkReductions((x, red) -> new MeanAbsoluteError(red), yt, pt,
          meanOverLast(y, p, (a, b) -> Math.abs(a - b)), "mae");
      double delta = 0.7;
      checkReductions((x, red) -> new Huber(delta, red), yt, pt, meanOverLast(y, p, (a, b) -> {
        double e = Math.abs(a - b);
        return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
      }), "huber");
    }
  }

  @Test void binaryCrossentropy() {
    try (Scope s = Neurite.scope()) {
      double[] y = new double[N * K];
      for (int i = 0; i < y.length; i++) {
        y[i] = r.nextInt(2);
      }
      double[] z = uniform(N * K, -4, 4), p = uniform(N * K, 0.02, 0.98);
      Tensor yt = Tensor.of(y, N, K);
      checkReductions((x, red) -> new BinaryCrossentropy(true, red), yt, Tensor.of(z, N, K),
          meanOverLast(y, z, (a, b) -> Math.max(b, 0) - b * a + Math.log1p(Math.exp(-Math.abs(b)))), "bce logits");
      checkReductions((x, red) -> new BinaryCrossentropy(false, red), yt, Tensor.of(p, N, K),
          meanOverLast(y, p, (a, b) -> -(a * Math.log(b) + (1 - a) * Math.log(1 - b))), "bce probabilities");
    }
  }

  @Test void categoricalCrossentropyWithAndWithoutSmoothing() {
    try (Scope s = Neurite.scope()) {
      int[] labels = labels();
      double[] y = oneHot(labels), z = uniform(N * K, -3, 3), p = probabilities();
      for (double smoothing : new double[] {0, 0.1}) {
        double[] expectedLogits = new double[N], expectedProbs = new double[N];
        for (int i = 0; i < N; i++) {
          double[] ls = logSoftmax(z, i);
          for (int k = 0; k < K; k++) {
            double t = y[i * K + k] * (1 - smoothing) + smoothing / K;
            expectedLogits[i] -= t * ls[k];
            expectedProbs[i] -= t * Math.log(p[i * K + k]);
          }
        }
        checkReductions((x, red) -> new CategoricalCrossentropy(true, smoothing, red), Tensor.of(y, N, K),
            Tensor.of(z, N, K), expectedLogits, "cce logits, smoothing " + smoothing);
        checkReductions((x, red) -> new CategoricalCrossentropy(false, smoothing, red), Tensor.of(y, N, K),
            Tensor.of(p, N, K), expectedProbs, "cce probabilities, smoothing " + smoothing);
      }
    }
  }

  @Test void sparseCategoricalCrossentropyTakesIntOrFloatLabels() {
    try (Scope s = Neurite.scope()) {
      int[] labels = labels();
      double[] z = uniform(N * K, -3, 3), p = probabilities();
      double[] expectedLogits = new double[N], expectedProbs = new double[N], floatLabels = new double[N];
      for (int i = 0; i < N; i++) {
        expectedLogits[i] = -logSoftmax(z, i)[labels[i]];
        expectedProbs[i] = -Math.log(p[i * K + labels[i]]);
        floatLabels[i] = labels[i];
      }
      for (Tensor yt : new Tensor[] {Tensor.of(labels, N), Tensor.of(floatLabels, N)}) {
        checkReductions((x, red) -> new SparseCategoricalCrossentropy(true, red), yt, Tensor.of(z, N, K),
            expectedLogits, "scce logits, " + yt.dtype() + " labels");
        checkReductions((x, red) -> new SparseCategoricalCrossentropy(false, red), yt, Tensor.of(p, N, K),
            expectedProbs, "scce probabilities, " + yt.dtype() + " labels");
      }
    }
  }

  @Test void oneUnitOutputsTakeLabelsWithoutTheTrailingAxis() {
    // Keras: y_true [N] against y_pred [N, 1] is compared element by element, not broadcast to [N, N].
    try (Scope s = Neurite.scope()) {
      double[] y = uniform(N, 0, 1), p = uniform(N, 0, 1);
      double[] expected = new double[N];
      for (int i = 0; i < N; i++) {
        expected[i] = (y[i] - p[i]) * (y[i] - p[i]);
      }
      assertClose(expected, new MeanSquaredError(Reduction.NONE).compute(Tensor.of(y, N), Tensor.of(p, N, 1))
          .toDoubleArray(), "mse [N] vs [N,1]");
    }
  }

  @Test void configsRoundTripThroughLosses() {
    Loss[] all = {new MeanSquaredError(Reduction.SUM), new MeanAbsoluteError(), new Huber(0.3, Reduction.NONE),
        new BinaryCrossentropy(true), new CategoricalCrossentropy(true, 0.2, Reduction.SUM),
        new SparseCategoricalCrossentropy(false)};
    for (Loss l : all) {
      Loss back = Losses.fromConfig(l.name(), l.config());
      assertEquals(l.getClass(), back.getClass(), l.name());
      assertEquals(l.config(), back.config(), l.name());
    }
    assertTrue(Losses.forName("mse") instanceof MeanSquaredError);
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Losses.forName("hinge"));
    assertTrue(e.getMessage().contains("hinge"), e.getMessage());
  }

  @Test void mismatchedShapesAreErrorsThatNameTheShapes() {
    try (Scope s = Neurite.scope()) {
      NeuriteException e = assertThrows(NeuriteException.class,
          () -> new MeanSquaredError().compute(Tensor.of(new double[6], 2, 3), Tensor.of(new double[8], 2, 4)));
      assertTrue(e.getMessage().contains("[2,3]") || e.getMessage().contains("[2, 3]"), e.getMessage());
      assertArrayEquals(new long[] {}, new MeanSquaredError().compute(Tensor.of(new double[8], 2, 4),
          Tensor.of(new double[8], 2, 4)).shape());
    }
  }
}
