package org.neurite;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AutogradTest {
  @Test
  void backwardAccumulatesIntoLeaves() {
    try (Scope scope = Neurite.scope()) {
      Tensor w = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
      Tensor loss = w.mul(w).sum();
      loss.backward();
      assertArrayEquals(new double[] {2, 4, 6}, w.grad().toDoubleArray(), 0);
      Tensor loss2 = w.mul(w).sum();
      loss2.backward();
      assertArrayEquals(new double[] {4, 8, 12}, w.grad().toDoubleArray(), 0);
      w.zeroGrad();
      assertNull(w.grad());
      assertTrue(w.isLeaf());
      assertFalse(loss.isLeaf());
    }
  }

  @Test
  void gradientTapeComputesWithoutAccumulating() {
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
      Tensor w = Tensor.of(new double[] {0.5, -1}, 2, 1);
      Tensor unused = Tensor.of(new double[] {1}, 1);
      try (GradientTape tape = GradientTape.record()) {
        tape.watch(w, unused);
        Tensor loss = x.matmul(w).square().sum();
        Tensor[] g = tape.gradient(loss, w, unused);
        // d/dw sum((xw)^2) = 2 x^T (xw); xw = [-1.5, -2.5]
        assertArrayEquals(new double[] {2 * (1 * -1.5 + 3 * -2.5), 2 * (2 * -1.5 + 4 * -2.5)}, g[0].toDoubleArray(), 1e-12);
        assertNull(g[1]);
        assertThrows(IllegalStateException.class, () -> tape.gradient(loss, w));
      }
      assertNull(w.grad());
    }
  }

  @Test
  void noGradRecordsNothing() throws Exception {
    try (Scope scope = Neurite.scope()) {
      Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
      try (Neurite.NoGrad off = Neurite.noGrad()) {
        assertFalse(w.mul(w).requiresGrad());
      }
      assertTrue(w.mul(w).requiresGrad());
      assertFalse(w.detach().mul(w.detach()).requiresGrad());
    }
  }

  @Test
  void checkNumericsNamesTheFirstBadOp() {
    Neurite.setCheckNumerics(true);
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, 0, -1}, 1, 3);
      NumericException e = assertThrows(NumericException.class, () -> x.log());
      assertEquals("check_numerics: log produced NaN or Inf in output 0 [1,3] from inputs (f32[1,3])", e.getMessage());
    } finally {
      Neurite.setCheckNumerics(false);
    }
  }

  @Test
  void celsiusToFahrenheitByGradientDescent() {
    try (Scope scope = Neurite.scope()) {
      Tensor c = Tensor.of(new double[] {-40, -10, 0, 8, 15, 22, 38}, 7);
      Tensor f = Tensor.of(new double[] {-40, 14, 32, 46.4, 59, 71.6, 100.4}, 7);
      Tensor w = Tensor.of(new double[] {0}, 1).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {0}, 1).requiresGrad(true);
      double lr = 1e-3, lrB = 0.5;
      for (int step = 0; step < 3000; step++) {
        try (Scope inner = Neurite.scope()) {
          Tensor[] g;
          try (GradientTape tape = GradientTape.record()) {
            g = tape.gradient(c.mul(w).add(b).sub(f).square().mean(), w, b);
          }
          try (Neurite.NoGrad off = Neurite.noGrad()) {
            Tensor nw = w.detach().sub(g[0].mul(lr));
            Tensor nb = b.detach().sub(g[1].mul(lrB));
            w = inner.keep(nw).requiresGrad(true);
            b = inner.keep(nb).requiresGrad(true);
          }
        }
      }
      assertEquals(1.8, w.item(), 1e-3);
      assertEquals(32, b.item(), 1e-2);
    }
  }
}
