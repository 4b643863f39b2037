package org.neurite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Unary elementwise ops against float64 references (see {@link OpCheck}). */
@ExtendWith(OpCheck.CoverageCheck.class)
class UnaryOpsTest {
  static final double SELU_SCALE = 1.0507009873554804934193349852946;
  static final double SELU_ALPHA = 1.6732632423543772848170429916717;

  static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  static double softplus(double x) {
    // log(1 + e^x) = x + log(1 + e^-x): the form whose exp cannot overflow.
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  static double relu(double x) {
    return Double.isNaN(x) ? x : x > 0 ? x : 0;
  }

  @Test @Covers("neg") void neg() { unary("neg", Ops::neg, x -> -x).dtypes(NUMERIC).run(); }
  @Test @Covers("abs") void abs() { unary("abs", Ops::abs, Math::abs).dtypes(NUMERIC).run(); }
  @Test @Covers("sign") void sign() { unary("sign", Ops::sign, Math::signum).dtypes(NUMERIC).run(); }
  @Test @Covers("square") void square() { unary("square", Ops::square, x -> x * x).dtypes(NUMERIC).run(); }
  @Test @Covers("exp") void exp() { unary("exp", Ops::exp, Math::exp).domain(-10, 10).run(); }
  @Test @Covers("log") void log() { unary("log", Ops::log, Math::log).domain(1e-3, 10).run(); }
  @Test @Covers("log1p") void log1p() { unary("log1p", Ops::log1p, Math::log1p).domain(-0.999, 5).run(); }
  @Test @Covers("sqrt") void sqrt() { unary("sqrt", Ops::sqrt, Math::sqrt).domain(0, 10).run(); }
  @Test @Covers("rsqrt") void rsqrt() { unary("rsqrt", Ops::rsqrt, x -> 1 / Math.sqrt(x)).domain(1e-3, 10).run(); }
  @Test @Covers("reciprocal") void reciprocal() { unary("reciprocal", Ops::reciprocal, x -> 1 / x).run(); }
  @Test @Covers("sin") void sin() { unary("sin", Ops::sin, Math::sin).domain(-10, 10).run(); }
  @Test @Covers("cos") void cos() { unary("cos", Ops::cos, Math::cos).domain(-10, 10).run(); }
  @Test @Covers("tanh") void tanh() { unary("tanh", Ops::tanh, Math::tanh).domain(-5, 5).run(); }
  @Test @Covers("sigmoid") void sigmoid() { unary("sigmoid", Ops::sigmoid, UnaryOpsTest::sigmoid).domain(-8, 8).run(); }
  @Test @Covers("relu") void relu() { unary("relu", Ops::relu, UnaryOpsTest::relu).run(); }
  @Test @Covers("selu") void selu() {
    unary("selu", Ops::selu, x -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x))).domain(-4, 4).run();
  }
  @Test @Covers("softplus") void softplus() { unary("softplus", Ops::softplus, UnaryOpsTest::softplus).domain(-8, 8).run(); }

  @Test @Covers("leaky_relu") void leakyRelu() {
    List<Case> cases = new ArrayList<>();
    for (double alpha : new double[] {0.01, 0.2, 0, 1.5, -0.5}) {
      cases.add(unary("leaky_relu", x -> x.leakyRelu(alpha), x -> x > 0 ? x : alpha * x).label("alpha " + alpha));
    }
    runAll("leaky_relu", cases);
  }

  @Test @Covers("elu") void elu() {
    List<Case> cases = new ArrayList<>();
    for (double alpha : new double[] {1.0, 0.5, 2.0, 0}) {
      cases.add(unary("elu", x -> x.elu(alpha), x -> x > 0 ? x : alpha * Math.expm1(x)).domain(-4, 4).label("alpha " + alpha));
    }
    runAll("elu", cases);
  }

  @Test @Covers("gelu") void gelu() {
    double k = Math.sqrt(2 / Math.PI);
    runAll("gelu", List.of(
        unary("gelu", x -> Ops.gelu(x, false), x -> 0.5 * x * erfc(-x / Math.sqrt(2))).domain(-5, 5).label("exact"),
        unary("gelu", x -> Ops.gelu(x, true), x -> 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x * x * x))))
            .domain(-5, 5).label("tanh")));
  }

  @Test @Covers("clip") void clip() {
    List<Case> cases = new ArrayList<>();
    for (double[] b : new double[][] {{-1, 1}, {0, 0.5}, {-0.25, -0.25}, {-10, 10}, {1, Double.POSITIVE_INFINITY}}) {
      double lo = b[0], hi = b[1];
      cases.add(unary("clip", x -> x.clip(lo, hi), x -> Double.isNaN(x) ? x : Math.min(Math.max(x, lo), hi))
          .label("min " + lo + " max " + hi));
    }
    runAll("clip", cases);
  }

  @Test @Covers("logical_not") void logicalNot() {
    unary("logical_not", Ops::logicalNot, x -> x == 0 ? 1 : 0).dtypes(BOOL).run();
  }

  /** The erfc used by the gelu reference, against published values (Abramowitz and Stegun; mpmath). */
  @Test void erfcReferenceIsAccurate() {
    double[][] known = {
      {0, 1}, {0.5, 0.4795001221869534}, {1, 0.15729920705028513}, {1.5, 0.033894853524689274},
      {2, 0.004677734981047266}, {3, 2.209049699858544e-05}, {5, 1.5374597944280349e-12},
      {-1, 1.8427007929497148}, {10, 2.088487583762545e-45},
    };
    for (double[] kv : known) {
      double got = erfc(kv[0]);
      // 1e-13 relative: 1 - erf(x) near x = 2 loses a factor ~30 to cancellation, still 10x inside F64_RTOL.
      assertEquals(kv[1], got, 1e-13 * Math.abs(kv[1]), "erfc(" + kv[0] + ")");
    }
    assertEquals(0.8427007929497149, erf(1), 1e-15);
  }
}
