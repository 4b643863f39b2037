package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.neurite.optim.Adagrad;
import org.neurite.optim.Adam;
import org.neurite.optim.AdamW;
import org.neurite.optim.LearningRateSchedule;
import org.neurite.optim.Optimizer;
import org.neurite.optim.RMSprop;
import org.neurite.optim.SGD;

/**
 * The optimizers of org.neurite.optim: their steps against the update rules computed here in float64 (Keras's
 * formulations), convergence, clipping, learning rate changes, saving and resuming, and two small end-to-end trainings.
 */
class OptimizersTest {
  /** f64 parameters against the f64 rules written here: a few roundings apart. */
  static final double RULE_TOL = 1e-12;

  /** The gradients of the hand-computed steps (one row per step). */
  static final double[][] GRADS = {{0.5, -1.0, 2.0}, {0.25, 0.5, -1.5}, {-0.75, 0.1, 1.0}, {1.0, -2.0, 0.0}};
  static final double[] START = {1.0, -0.5, 0.25};

  /** Sets p's gradient to {@code g} (as the gradient of sum(p·g)) and takes one step. */
  static void stepWith(Optimizer opt, Tensor p, double[] g) {
    try (Scope scope = Neurite.scope()) {
      p.zeroGrad();
      Tensor c = Tensor.of(g.clone(), p.shape());
      p.mul(c).sum().backward();
      opt.step(List.of(p));
      p.zeroGrad();
    }
  }

  /** One step of a hand rule on {@code p} (float64), with states s and the 1-based step t. */
  interface Rule {
    void apply(double[] p, double[] g, double[][] s, int t);
  }

  static void checkRule(String what, Supplier<Optimizer> make, int slots, double slotInit, Rule rule) {
    double[] ref = START.clone();
    double[][] s = new double[slots][START.length];
    for (double[] row : s) {
      java.util.Arrays.fill(row, slotInit);
    }
    try (Optimizer opt = make.get(); Tensor p = Tensor.of(START.clone(), 3).requiresGrad(true)) {
      for (int t = 1; t <= GRADS.length; t++) {
        stepWith(opt, p, GRADS[t - 1]);
        rule.apply(ref, GRADS[t - 1], s, t);
        double[] got = p.toDoubleArray();
        for (int i = 0; i < ref.length; i++) {
          assertEquals(ref[i], got[i], RULE_TOL * Math.max(1, Math.abs(ref[i])),
              what + ": step " + t + " element " + i);
        }
        assertEquals(t, opt.iterations());
      }
    }
  }

  @Test void sgdSteps() {
    checkRule("SGD lr 0.1", () -> new SGD(0.1), 0, 0, (p, g, s, t) -> {
      for (int i = 0; i < p.length; i++) {
        p[i] -= 0.1 * g[i];
      }
    });
    for (boolean nesterov : new boolean[] {false, true}) {
      checkRule("SGD momentum 0.9 nesterov " + nesterov,
          () -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(nesterov).build(), 1, 0, (p, g, s, t) -> {
            for (int i = 0; i < p.length; i++) {
              s[0][i] = 0.9 * s[0][i] + g[i];
              p[i] -= 0.05 * (nesterov ? g[i] + 0.9 * s[0][i] : s[0][i]);
            }
          });
    }
    checkRule("SGD weight decay 0.1", () -> SGD.builder().learningRate(0.1).weightDecay(0.1).build(), 0, 0,
        (p, g, s, t) -> {
          for (int i = 0; i < p.length; i++) {
            p[i] -= 0.1 * (g[i] + 0.1 * p[i]);
          }
        });
  }

  @Test void rmspropSteps() {
    checkRule("RMSprop", () -> RMSprop.builder().learningRate(0.01).rho(0.8).build(), 1, 0, (p, g, s, t) -> {
      for (int i = 0; i < p.length; i++) {
        s[0][i] = 0.8 * s[0][i] + 0.2 * g[i] * g[i];
        p[i] -= 0.01 * g[i] / Math.sqrt(s[0][i] + 1e-7);
      }
    });
  }

  @Test void adagradSteps() {
    checkRule("Adagrad", () -> new Adagrad(0.1), 1, 0.1, (p, g, s, t) -> {
      for (int i = 0; i < p.length; i++) {
        s[0][i] += g[i] * g[i];
        p[i] -= 0.1 * g[i] / Math.sqrt(s[0][i] + 1e-7);
      }
    });
  }

  /** Keras's Adam: epsilon added to the uncorrected sqrt(v), the bias corrections folded into the rate. */
  static Rule kerasAdam(double lr, double b1, double b2, double eps, double decoupledWd) {
    return (p, g, s, t) -> {
      for (int i = 0; i < p.length; i++) {
        p[i] -= lr * decoupledWd * p[i];
        s[0][i] = b1 * s[0][i] + (1 - b1) * g[i];
        s[1][i] = b2 * s[1][i] + (1 - b2) * g[i] * g[i];
        double lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        p[i] -= lrT * s[0][i] / (Math.sqrt(s[1][i]) + eps);
      }
    };
  }

  @Test void adamSteps() {
    checkRule("Adam defaults", () -> new Adam(0.01), 2, 0, kerasAdam(0.01, 0.9, 0.999, 1e-7, 0));
    // A large epsilon shows where it is added.
    checkRule("Adam epsilon 0.1", () -> Adam.builder().learningRate(0.02).beta1(0.8).beta2(0.9).epsilon(0.1).build(),
        2, 0, kerasAdam(0.02, 0.8, 0.9, 0.1, 0));
  }

  @Test void adamwSteps() {
    checkRule("AdamW defaults", () -> new AdamW(0.01), 2, 0, kerasAdam(0.01, 0.9, 0.999, 1e-7, 0.004));
    checkRule("AdamW weight decay 0.5", () -> AdamW.builder().learningRate(0.05).weightDecay(0.5).build(), 2, 0,
        kerasAdam(0.05, 0.9, 0.999, 1e-7, 0.5));
  }

  /** Minimises sum((p - target)²) from zeros; returns p. */
  static double[] minimiseQuadratic(Optimizer opt, int steps, DType dt) {
    double[] target = {3, -2, 0.5, 10};
    try (Tensor p = Ops.zeros(dt, 4).requiresGrad(true); Tensor tgt = Tensor.of(target, 4).cast(dt)) {
      for (int s = 0; s < steps; s++) {
        try (Scope scope = Neurite.scope()) {
          p.sub(tgt).square().sum().backward();
          opt.step(List.of(p));
          p.zeroGrad();
        }
      }
      return p.toDoubleArrayAnyType();
    }
  }

  @Test void convergeOnQuadratic() {
    double[] target = {3, -2, 0.5, 10};
    Object[][] cases = {
      {"SGD", (Supplier<Optimizer>) () -> new SGD(0.1), 200},
      {"SGD momentum", (Supplier<Optimizer>) () -> SGD.builder().learningRate(0.02).momentum(0.9).build(), 500},
      {"SGD nesterov", (Supplier<Optimizer>) () -> SGD.builder().learningRate(0.02).momentum(0.9).nesterov(true)
          .build(), 500},
      {"RMSprop", (Supplier<Optimizer>) () -> RMSprop.builder().learningRate(0.05).build(), 2000},
      {"Adagrad", (Supplier<Optimizer>) () -> new Adagrad(2.0), 2000},
      {"Adam", (Supplier<Optimizer>) () -> new Adam(0.2), 2000},
      {"AdamW", (Supplier<Optimizer>) () -> AdamW.builder().learningRate(0.2).weightDecay(0).build(), 2000},
    };
    for (DType dt : new DType[] {DType.F64, DType.F32}) {
      for (Object[] c : cases) {
        @SuppressWarnings("unchecked")
        Supplier<Optimizer> make = (Supplier<Optimizer>) c[1];
        try (Optimizer opt = make.get()) {
          double[] p = minimiseQuadratic(opt, (Integer) c[2], dt);
          for (int i = 0; i < p.length; i++) {
            assertEquals(target[i], p[i], 0.05, c[0] + " " + dt + " element " + i);
          }
        }
      }
    }
  }

  @Test void clipValue() {
    try (Optimizer opt = SGD.builder().learningRate(1).clipValue(0.5).build();
        Tensor p = Tensor.of(new double[] {0, 0, 0}, 3).requiresGrad(true)) {
      stepWith(opt, p, new double[] {2, -3, 0.1});
      assertArrayEquals(new double[] {-0.5, 0.5, -0.1}, p.toDoubleArray(), 1e-15);
    }
  }

  @Test void clipNormPerTensor() {
    try (Optimizer opt = SGD.builder().learningRate(1).clipNorm(1).build();
        Tensor p = Tensor.of(new double[] {0, 0}, 2).requiresGrad(true);
        Tensor q = Tensor.of(new double[] {0, 0}, 2).requiresGrad(true)) {
      try (Scope scope = Neurite.scope()) {
        // p's gradient [3, 4] (norm 5) is scaled to norm 1; q's [0.3, 0.4] (norm 0.5) is left alone.
        p.mul(Tensor.of(new double[] {3, 4}, 2)).sum().add(q.mul(Tensor.of(new double[] {0.3, 0.4}, 2)).sum())
            .backward();
        opt.step(List.of(p, q));
      }
      assertArrayEquals(new double[] {-0.6, -0.8}, p.toDoubleArray(), 1e-15);
      assertArrayEquals(new double[] {-0.3, -0.4}, q.toDoubleArray(), 1e-15);
    }
  }

  @Test void clipGlobalNorm() {
    try (Optimizer opt = SGD.builder().learningRate(1).globalClipNorm(1).build();
        Tensor p = Tensor.of(new double[] {0}, 1).requiresGrad(true);
        Tensor q = Tensor.of(new double[] {0, 0}, 2).requiresGrad(true)) {
      try (Scope scope = Neurite.scope()) {
        // Gradients [3] and [0, 4]: global norm 5, both scaled by 1/5.
        p.mul(Tensor.of(new double[] {3}, 1)).sum().add(q.mul(Tensor.of(new double[] {0, 4}, 2)).sum()).backward();
        opt.step(List.of(p, q));
      }
      assertArrayEquals(new double[] {-0.6}, p.toDoubleArray(), 1e-15);
      assertArrayEquals(new double[] {0, -0.8}, q.toDoubleArray(), 1e-15);
    }
  }

  @Test void learningRateChangesBetweenSteps() {
    try (Optimizer opt = new SGD(0.1); Tensor p = Tensor.of(new double[] {1}, 1).requiresGrad(true)) {
      stepWith(opt, p, new double[] {1});
      assertEquals(0.9, p.toDoubleArray()[0], 1e-15);
      opt.setLearningRate(0.01);
      stepWith(opt, p, new double[] {1});
      assertEquals(0.89, p.toDoubleArray()[0], 1e-15);
      opt.setLearningRate(step -> 1.0 / (step + 1)); // step 2 -> 1/3
      assertEquals(1.0 / 3, opt.learningRate(), 0);
      stepWith(opt, p, new double[] {3});
      assertEquals(-0.11, p.toDoubleArray()[0], 1e-15);
    }
    // A schedule given to the builder, and Adam (whose state must follow the changing rate).
    LearningRateSchedule decay = LearningRateSchedule.exponentialDecay(0.1, 2, 0.5, true);
    assertEquals(0.1, decay.at(1), 0);
    assertEquals(0.05, decay.at(2), 1e-17);
    checkRule("Adam with a schedule", () -> Adam.builder().learningRate(decay).build(), 2, 0, (p, g, s, t) -> {
      kerasAdam(decay.at(t - 1), 0.9, 0.999, 1e-7, 0).apply(p, g, s, t);
    });
    assertThrows(InvalidArgumentException.class, () -> new SGD(-1));
  }

  @Test void saveAndResumeContinuesIdentically() {
    for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(
        () -> new Adam(0.05), () -> SGD.builder().learningRate(0.01).momentum(0.9).build(), () -> new Adagrad(0.1),
        () -> new RMSprop(0.01), () -> new AdamW(0.05))) {
      double[] saved;
      Map<String, Tensor> state;
      double[] straight;
      try (Optimizer opt = make.get(); Tensor p = Tensor.of(START.clone(), 3).requiresGrad(true);
          Tensor q = Tensor.of(new double[] {2, 1}, 2).requiresGrad(true)) {
        for (int t = 0; t < 2; t++) {
          stepTwo(opt, p, q, GRADS[t]);
        }
        saved = concat(p.toDoubleArray(), q.toDoubleArray());
        state = opt.state();
        for (int t = 2; t < 4; t++) {
          stepTwo(opt, p, q, GRADS[t]);
        }
        straight = concat(p.toDoubleArray(), q.toDoubleArray());
      }
      assertEquals(2, (long) state.get("iterations").item());
      try (Optimizer opt = make.get();
          Tensor p = Tensor.of(java.util.Arrays.copyOfRange(saved, 0, 3), 3).requiresGrad(true);
          Tensor q = Tensor.of(java.util.Arrays.copyOfRange(saved, 3, 5), 2).requiresGrad(true)) {
        opt.loadState(state);
        for (Tensor t : state.values()) {
          t.close(); // loadState copied them
        }
        assertEquals(2, opt.iterations());
        for (int t = 2; t < 4; t++) {
          stepTwo(opt, p, q, GRADS[t]);
        }
        assertArrayEquals(straight, concat(p.toDoubleArray(), q.toDoubleArray()), 0,
            opt.getClass().getSimpleName() + ": resumed run differs");
      }
    }
  }

  static void stepTwo(Optimizer opt, Tensor p, Tensor q, double[] g) {
    try (Scope scope = Neurite.scope()) {
      p.mul(Tensor.of(g.clone(), 3)).sum().add(q.mul(Tensor.of(new double[] {g[0], -g[1]}, 2)).sum()).backward();
      opt.step(List.of(p, q));
      p.zeroGrad();
      q.zeroGrad();
    }
  }

  static double[] concat(double[] a, double[] b) {
    double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test void stateSurvivesTheCallersScopeAndCloses() {
    Optimizer opt = new Adam(0.1);
    try (Tensor p = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true)) {
      for (int i = 0; i < 3; i++) {
        try (Scope scope = Neurite.scope()) {
          p.square().sum().backward();
          opt.step(List.of(p)); // state created in the first step must outlive this scope
          p.zeroGrad();
        }
      }
      Map<String, Tensor> st = opt.state();
      assertEquals(Set3.of("iterations", "0/m", "0/v"), st.keySet());
      st.values().forEach(Tensor::close);
      opt.close();
      assertThrows(IllegalStateException.class, () -> opt.step(List.of(p)));
    }
  }

  /** Set.of, named apart from org.neurite types. */
  static final class Set3 {
    static java.util.Set<String> of(String... s) {
      return new java.util.HashSet<>(java.util.Arrays.asList(s));
    }
  }

  /**
   * The TensorFlow course's first model: one weight and one bias learn Fahrenheit from Celsius with Adam(0.1), full
   * batch. The course's pairs are rounded, so the best fit is the least-squares line (w 1.7979, b 31.952, computed
   * below), not exactly 1.8 and 32.
   */
  @Test void celsiusToFahrenheit() {
    float[] c = {-40, -10, 0, 8, 15, 22, 38}, f = {-40, 14, 32, 46, 59, 72, 100};
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < 7; i++) {
      sx += c[i];
      sy += f[i];
      sxx += c[i] * c[i];
      sxy += c[i] * f[i];
    }
    double wBest = (7 * sxy - sx * sy) / (7 * sxx - sx * sx), bBest = (sy - wBest * sx) / 7;
    try (Tensor x = Tensor.of(c, 7); Tensor y = Tensor.of(f, 7);
        Tensor w = Generator.seeded(0).uniform(-1, 1, 1).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true); Optimizer opt = new Adam(0.1)) {
      for (int epoch = 0; epoch < 1500; epoch++) {
        try (Scope scope = Neurite.scope()) {
          Tensor l = x.mul(w).add(b).sub(y).square().mean();
          l.backward();
          opt.step(List.of(w, b));
          w.zeroGrad();
          b.zeroGrad();
        }
        if (epoch == 499) {
          // Where the course stops (it shows w 1.8298, b 28.94): w near 1.8, b still on its way to 32.
          assertEquals(1.82, w.item(), 0.02, "w after 500 epochs");
          assertEquals(29, b.item(), 1, "b after 500 epochs");
        }
      }
      assertEquals(wBest, w.item(), 1e-4, "w");
      assertEquals(bBest, b.item(), 1e-2, "b");
      assertEquals(1.8, w.item(), 0.005, "w");
      assertEquals(32, b.item(), 0.1, "b");
      try (Tensor pred = Tensor.of(new float[] {100}, 1).mul(w).add(b)) {
        assertEquals(212, pred.item(), 0.5, "100 °C");
      }
    }
  }

  /** Logistic regression from primitive ops (matmul, add, sigmoid_cross_entropy) on a linearly separable set. */
  @Test void logisticRegression() {
    int n = 60;
    double[] xs = new double[n * 2], ys = new double[n];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    for (int i = 0; i < n; i++) {
      double a, bb;
      do {
        a = rnd.nextDouble(-2, 2);
        bb = rnd.nextDouble(-2, 2);
      } while (Math.abs(a + 2 * bb - 0.5) < 0.3); // a margin around the separating line
      xs[2 * i] = a;
      xs[2 * i + 1] = bb;
      ys[i] = a + 2 * bb - 0.5 > 0 ? 1 : 0;
    }
    try (Tensor x = Tensor.of(xs, n, 2); Tensor y = Tensor.of(ys, n, 1);
        Tensor w = Tensor.of(new double[] {0, 0}, 2, 1).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {0}, 1).requiresGrad(true); Optimizer opt = new Adam(0.1)) {
      for (int epoch = 0; epoch < 300; epoch++) {
        try (Scope scope = Neurite.scope()) {
          Tensor logits = x.matmul(w).add(b);
          Tensor loss = Ops.call("sigmoid_cross_entropy", Attrs.of(), logits, y)[0].mean();
          loss.backward();
          opt.step(List.of(w, b));
          w.zeroGrad();
          b.zeroGrad();
        }
      }
      try (Scope scope = Neurite.scope()) {
        double[] logits = x.matmul(w).add(b).toDoubleArray();
        int correct = 0;
        for (int i = 0; i < n; i++) {
          correct += (logits[i] > 0) == (ys[i] == 1) ? 1 : 0;
        }
        assertEquals(1.0, correct / (double) n, 0, "accuracy");
      }
    }
  }
}
