package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neurite.init.Constant;
import org.neurite.init.GlorotNormal;
import org.neurite.init.GlorotUniform;
import org.neurite.init.HeNormal;
import org.neurite.init.HeUniform;
import org.neurite.init.Initializer;
import org.neurite.init.LecunNormal;
import org.neurite.init.LecunUniform;
import org.neurite.init.Ones;
import org.neurite.init.Orthogonal;
import org.neurite.init.RandomNormal;
import org.neurite.init.RandomUniform;
import org.neurite.init.TruncatedNormal;
import org.neurite.init.Zeros;

/** The initializers of org.neurite.init: shapes, dtypes, seeded determinism, Keras's fans, limits and moments. */
class InitializersTest {
  static Map<String, Initializer> all() {
    Map<String, Initializer> m = new LinkedHashMap<>();
    m.put("Zeros", new Zeros());
    m.put("Ones", new Ones());
    m.put("Constant", new Constant(0.5));
    m.put("RandomUniform", new RandomUniform());
    m.put("RandomNormal", new RandomNormal());
    m.put("TruncatedNormal", new TruncatedNormal(0, 0.1));
    m.put("GlorotUniform", new GlorotUniform());
    m.put("GlorotNormal", new GlorotNormal());
    m.put("HeUniform", new HeUniform());
    m.put("HeNormal", new HeNormal());
    m.put("LecunUniform", new LecunUniform());
    m.put("LecunNormal", new LecunNormal());
    m.put("Orthogonal", new Orthogonal(1.5));
    return m;
  }

  @Test void shapesDtypesAndDeterminism() {
    long[][] shapes = {{4, 3}, {3, 3, 2, 5}, {7}, {2, 6}};
    for (Map.Entry<String, Initializer> e : all().entrySet()) {
      for (DType dt : new DType[] {DType.F32, DType.F64}) {
        for (long[] shape : shapes) {
          if (e.getKey().equals("Orthogonal") && shape.length < 2) {
            continue;
          }
          String what = e.getKey() + " " + dt + " " + Arrays.toString(shape);
          Generator g1 = Generator.seeded(9), g2 = Generator.seeded(9);
          try (Tensor a = e.getValue().create(shape, dt, g1); Tensor b = e.getValue().create(shape, dt, g2);
              Tensor next = e.getValue().create(shape, dt, g1)) {
            assertEquals(dt, a.dtype(), what);
            assertArrayEquals(shape, a.shape(), what);
            assertArrayEquals(a.toDoubleArrayAnyType(), b.toDoubleArrayAnyType(), 0, what + ": same seed");
            boolean random = !(e.getValue() instanceof Constant);
            if (random) {
              assertFalse(Arrays.equals(a.toDoubleArrayAnyType(), next.toDoubleArrayAnyType()),
                  what + ": the generator must advance");
              assertEquals(g1.offset(), 2 * g2.offset(), what + ": one counter per element");
            } else {
              assertEquals(0, g1.offset(), what + ": constants draw nothing");
            }
          }
        }
      }
    }
  }

  @Test void fansFollowKeras() {
    assertArrayEquals(new double[] {784, 128}, Initializer.fans(new long[] {784, 128}), 0);
    assertArrayEquals(new double[] {3 * 3 * 16, 3 * 3 * 32}, Initializer.fans(new long[] {3, 3, 16, 32}), 0);
    assertArrayEquals(new double[] {5 * 4, 5 * 8}, Initializer.fans(new long[] {5, 4, 8}), 0);
    assertArrayEquals(new double[] {10, 10}, Initializer.fans(new long[] {10}), 0);
    assertArrayEquals(new double[] {1, 1}, Initializer.fans(new long[] {}), 0);
  }

  static double[] values(Initializer init, long... shape) {
    try (Tensor t = init.create(shape, DType.F64, Generator.seeded(123))) {
      return t.toDoubleArray();
    }
  }

  static double[] moments(double[] v) {
    double s = 0, sq = 0, max = 0;
    for (double x : v) {
      s += x;
      max = Math.max(max, Math.abs(x));
    }
    double mean = s / v.length;
    for (double x : v) {
      sq += (x - mean) * (x - mean);
    }
    return new double[] {mean, Math.sqrt(sq / v.length), max};
  }

  /** Uniform initializers stay within ±limit and have stddev limit/sqrt(3); 200k values give ~0.3% on the stddev. */
  static void checkUniform(String what, Initializer init, long[] shape, double limit) {
    double[] m = moments(values(init, shape));
    assertTrue(m[2] <= limit, what + ": max |x| " + m[2] + " > limit " + limit);
    assertTrue(m[2] > 0.99 * limit, what + ": max |x| " + m[2] + " far below limit " + limit);
    assertEquals(0, m[0], 0.01 * limit, what + ": mean");
    assertEquals(limit / Math.sqrt(3), m[1], 0.01 * limit, what + ": stddev");
  }

  /** Variance-scaling normals: stddev sqrt(scale/fan) after truncation at 2 of the drawn stddev. */
  static void checkTruncated(String what, Initializer init, long[] shape, double stddev) {
    double[] m = moments(values(init, shape));
    double drawn = stddev / 0.87962566103423978;
    assertTrue(m[2] <= 2 * drawn * (1 + 1e-12), what + ": max |x| " + m[2] + " beyond two drawn stddevs " + 2 * drawn);
    assertEquals(0, m[0], 0.01 * stddev, what + ": mean");
    assertEquals(stddev, m[1], 0.01 * stddev, what + ": stddev");
  }

  @Test void varianceScalingLimitsAndMoments() {
    long[] dense = {400, 500}, conv = {3, 3, 40, 60};
    checkUniform("GlorotUniform dense", new GlorotUniform(), dense, Math.sqrt(6.0 / (400 + 500)));
    checkUniform("GlorotUniform conv", new GlorotUniform(), conv, Math.sqrt(6.0 / (9 * 40 + 9 * 60)));
    checkUniform("HeUniform", new HeUniform(), dense, Math.sqrt(6.0 / 400));
    checkUniform("LecunUniform", new LecunUniform(), conv, Math.sqrt(3.0 / (9 * 40)));
    checkUniform("RandomUniform", new RandomUniform(-0.05, 0.05), dense, 0.05);
    checkTruncated("GlorotNormal", new GlorotNormal(), dense, Math.sqrt(2.0 / 900));
    checkTruncated("HeNormal conv", new HeNormal(), conv, Math.sqrt(2.0 / 360));
    checkTruncated("LecunNormal", new LecunNormal(), dense, Math.sqrt(1.0 / 400));
    double[] n = moments(values(new RandomNormal(1, 0.5), dense));
    assertEquals(1, n[0], 0.005);
    assertEquals(0.5, n[1], 0.005);
    double[] t = moments(values(new TruncatedNormal(0, 0.1), dense));
    assertTrue(t[2] <= 0.2 * (1 + 1e-12), "TruncatedNormal max " + t[2]);
    assertEquals(0.1 * 0.87962566103423978, t[1], 0.001);
  }

  @Test void constants() {
    assertArrayEquals(new double[] {0, 0, 0}, values(new Zeros(), 3), 0);
    assertArrayEquals(new double[] {1, 1}, values(new Ones(), 2), 0);
    assertArrayEquals(new double[] {0.5, 0.5}, values(new Constant(0.5), 1, 2), 0);
  }

  @Test void orthogonality() {
    for (long[] shape : new long[][] {{50, 20}, {20, 50}, {3, 3, 4, 8}, {16, 16}}) {
      for (double gain : new double[] {1, 2}) {
        double[] q = values(new Orthogonal(gain), shape);
        int cols = (int) shape[shape.length - 1], rows = q.length / cols;
        boolean tall = rows >= cols;
        int k = Math.min(rows, cols), len = Math.max(rows, cols);
        for (int a = 0; a < k; a++) {
          for (int b = 0; b < k; b++) {
            double dot = 0;
            for (int r = 0; r < len; r++) {
              dot += tall ? q[r * cols + a] * q[r * cols + b] : q[a * cols + r] * q[b * cols + r];
            }
            assertEquals(a == b ? gain * gain : 0, dot, 1e-12, Arrays.toString(shape) + " gain " + gain);
          }
        }
      }
    }
  }
}
