package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.neurite.OpCheck.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * random_uniform, random_normal, truncated_normal: determinism (same seed, same values, for 1 and 2 threads), the
 * Generator's offsets, moments within 4 standard errors, and truncated normal values within mean ± 2 stddev.
 */
@ExtendWith(OpCheck.CoverageCheck.class)
class RandomOpsTest {
  static final int N = 200_000; // > 4096 elements per task, so two threads really split the work

  /** Sample mean and (population) variance, in plain double loops. */
  static double[] moments(double[] v) {
    double m = 0;
    for (double x : v) {
      m += x;
    }
    m /= v.length;
    double s2 = 0, s4 = 0;
    for (double x : v) {
      double d = (x - m) * (x - m);
      s2 += d;
      s4 += d * d;
    }
    return new double[] {m, s2 / v.length, s4 / v.length};
  }

  /**
   * Asserts the sample mean and variance are within 4 standard errors of {@code mean} and {@code var}. The standard
   * error of the mean is sqrt(var / n); of the variance sqrt((mu4 - var^2) / n), with the fourth central moment mu4
   * of the distribution.
   */
  static void assertMoments(String what, double[] v, double mean, double var, double mu4) {
    double[] m = moments(v);
    int n = v.length;
    double seMean = Math.sqrt(var / n), seVar = Math.sqrt((mu4 - var * var) / n);
    assertTrue(Math.abs(m[0] - mean) <= 4 * seMean,
        what + ": mean " + m[0] + ", expected " + mean + " +- " + 4 * seMean);
    assertTrue(Math.abs(m[1] - var) <= 4 * seVar, what + ": variance " + m[1] + ", expected " + var + " +- " + 4 * seVar);
  }

  interface Draw {
    Tensor draw(Generator g, DType dt);
  }

  /** Same seed: identical values, with 1 thread and with 2. Different seeds or offsets: different values. */
  static void assertDeterministic(String op, Draw draw) {
    record(op);
    int before = Neurite.numThreads();
    try (Scope scope = Neurite.scope()) {
      for (DType dt : FLOATS) {
        Neurite.setNumThreads(1);
        double[] one = read(draw.draw(Generator.seeded(1234), dt));
        double[] oneAgain = read(draw.draw(Generator.seeded(1234), dt));
        Neurite.setNumThreads(2);
        double[] two = read(draw.draw(Generator.seeded(1234), dt));
        assertEquals(-1, firstBitDifference(one, oneAgain), op + " " + dt + ": same seed, different values");
        assertEquals(-1, firstBitDifference(one, two), op + " " + dt + ": 1 thread and 2 threads differ");
        double[] other = read(draw.draw(Generator.seeded(1235), dt));
        assertTrue(firstBitDifference(one, other) >= 0, op + " " + dt + ": seeds 1234 and 1235 give the same values");
        // A Generator advances: its second draw differs from its first, and restore() replays it.
        Generator g = Generator.seeded(99);
        double[] first = read(draw.draw(g, dt));
        long offset = g.offset();
        assertEquals(first.length, offset, op + ": the offset counts the elements drawn");
        double[] second = read(draw.draw(g, dt));
        assertTrue(firstBitDifference(first, second) >= 0, op + " " + dt + ": two draws of one generator are equal");
        double[] replay = read(draw.draw(Generator.restore(99, offset), dt));
        assertEquals(-1, firstBitDifference(second, replay), op + " " + dt + ": restore(seed, offset) does not replay");
        // Element i depends only on (seed, offset + i): a draw starting one element later is the same stream shifted.
        double[] shifted = read(draw.draw(Generator.restore(99, 1), dt));
        assertArrayEquals(java.util.Arrays.copyOfRange(first, 1, first.length),
            java.util.Arrays.copyOfRange(shifted, 0, first.length - 1), op + " " + dt + ": not counter-based");
      }
    } finally {
      Neurite.setNumThreads(before);
    }
  }

  @Test @Covers("random_uniform") void uniform() {
    assertDeterministic("random_uniform", (g, dt) -> g.uniform(dt, -1, 3, 400, 500));
    try (Scope scope = Neurite.scope()) {
      for (DType dt : FLOATS) {
        double lo = -1, hi = 3;
        Tensor t = Generator.seeded(7).uniform(dt, lo, hi, N);
        assertEquals(dt, t.dtype());
        assertArrayEquals(new long[] {N}, t.shape());
        double[] v = read(t);
        for (double x : v) {
          assertTrue(x >= lo && x < hi, "uniform value " + x + " outside [" + lo + ", " + hi + ")");
        }
        double w = hi - lo;
        assertMoments("uniform " + dt, v, (lo + hi) / 2, w * w / 12, Math.pow(w, 4) / 80);
        // Degenerate and empty draws.
        double[] same = read(Generator.seeded(1).uniform(dt, 2.5, 2.5, 3));
        assertArrayEquals(new double[] {2.5, 2.5, 2.5}, same);
        assertEquals(0, Generator.seeded(1).uniform(dt, 0, 1, 0, 4).size());
        assertEquals(0, Generator.seeded(1).uniform(dt, 0, 1).ndim());
      }
      // f32 values stay below high even where rounding low + (high - low) * u would reach it.
      for (double x : read(Generator.seeded(3).uniform(F32, 1, 1.0000001, 10000))) {
        assertTrue(x >= 1 && x < (float) 1.0000001, "uniform f32 value " + x + " reached high");
      }
    }
  }

  @Test @Covers("random_normal") void normal() {
    assertDeterministic("random_normal", (g, dt) -> g.normal(dt, 0.5, 2, 300, 700));
    try (Scope scope = Neurite.scope()) {
      for (DType dt : FLOATS) {
        double mean = 0.5, sd = 2;
        double[] v = read(Generator.seeded(11).normal(dt, mean, sd, N));
        assertMoments("normal " + dt, v, mean, sd * sd, 3 * Math.pow(sd, 4));
        for (double x : v) {
          assertTrue(Double.isFinite(x), "normal value " + x);
        }
        assertArrayEquals(new double[] {3, 3}, read(Generator.seeded(1).normal(dt, 3, 0, 2)));
      }
    }
  }

  @Test @Covers("truncated_normal") void truncatedNormal() {
    assertDeterministic("truncated_normal", (g, dt) -> g.truncatedNormal(dt, -1, 0.5, 600, 400));
    // A normal truncated to [-2, 2] standard deviations has variance 1 - 4 phi(2) / (2 Phi(2) - 1) and fourth moment
    // 3 - (2^3 + 3 * 2) * 2 phi(2) / (2 Phi(2) - 1), in units of stddev.
    double phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI), mass = 1 - erfc(2 / Math.sqrt(2));
    double varUnit = 1 - 4 * phi2 / mass, mu4Unit = 3 - (8 + 6) * 2 * phi2 / mass;
    try (Scope scope = Neurite.scope()) {
      for (DType dt : FLOATS) {
        double mean = -1, sd = 0.5;
        double[] v = read(Generator.seeded(5).truncatedNormal(dt, mean, sd, N));
        for (double x : v) {
          assertTrue(x >= mean - 2 * sd && x <= mean + 2 * sd, "truncated normal value " + x + " outside mean +- 2 sd");
        }
        assertMoments("truncated normal " + dt, v, mean, varUnit * sd * sd, mu4Unit * Math.pow(sd, 4));
        // It is not just a clamped normal: no mass piles up at the bounds.
        long atBounds = java.util.Arrays.stream(v).filter(x -> x == mean - 2 * sd || x == mean + 2 * sd).count();
        assertFalse(atBounds > 10, atBounds + " values sit exactly on the bounds");
      }
    }
  }
}
