package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Binary elementwise ops (NumPy broadcasting), comparisons, logical ops and where. */
@ExtendWith(OpCheck.CoverageCheck.class)
class BinaryOpsTest {
  static final double NAN = Double.NaN, INF = Double.POSITIVE_INFINITY;

  /** NumPy's maximum: NaN in either input gives NaN. */
  static double maximum(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a > b ? a : b;
  }

  static double minimum(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a < b ? a : b;
  }

  /**
   * C99's (and NumPy's) pow, which differs from Java's Math.pow in two places: pow(1, y) is 1 for every y, NaN
   * included, and pow(-1, +-inf) is 1.
   */
  static double cpow(double a, double b) {
    if (a == 1 || (a == -1 && Double.isInfinite(b))) {
      return 1;
    }
    return Math.pow(a, b);
  }

  /** Integer division: truncates toward zero, and x / 0 is 0 (the engine's documented choice; NumPy also gives 0). */
  static double intDiv(double a, double b) {
    return b == 0 ? 0 : (double) ((long) a / (long) b);
  }

  @Test @Covers("add") void add() { binary("add", Ops::add, (a, b) -> a + b).dtypes(NUMERIC).run(); }
  @Test @Covers("sub") void sub() { binary("sub", Ops::sub, (a, b) -> a - b).dtypes(NUMERIC).run(); }
  @Test @Covers("mul") void mul() { binary("mul", Ops::mul, (a, b) -> a * b).dtypes(NUMERIC).run(); }

  @Test @Covers("div") void div() {
    runAll("div", List.of(
        binary("div", Ops::div, (a, b) -> a / b),
        binary("div", Ops::div, BinaryOpsTest::intDiv).dtypes(INTS).label("integer"),
        op2("div", Ops::div, (a, b) -> Nd.zip(a, b, (x, y) -> x / y)).label("zeros, infinities, NaN")
            .with(s(8).values(1, -1, 0, NAN, INF, 3, -0.0, 2), s(8).values(0, 0, 0, 1, INF, -0.0, 5, INF))));
  }

  @Test @Covers("pow") void pow() {
    Case random = binary("pow", Ops::pow, BinaryOpsTest::cpow).domainOf(0, 0.1, 3).domainOf(1, -3, 3);
    // Negative bases with integer exponents, 0^negative, NaN and infinities, as C's pow (and Java's) define them.
    Case special = op2("pow", Ops::pow, (a, b) -> Nd.zip(a, b, BinaryOpsTest::cpow)).label("special values")
        .with(s(12).values(-2, -1.5, -3, 0, 0, NAN, 1, -1, INF, 2, 0.5, -8),
            s(12).values(3, 2, -1, -2, 0, 0, NAN, INF, -1, INF, -INF, 1.0 / 3));
    runAll("pow", List.of(random, special));
  }

  @Test @Covers("maximum") void maximum() {
    runAll("maximum", List.of(
        binary("maximum", Ops::maximum, BinaryOpsTest::maximum).dtypes(NUMERIC),
        op2("maximum", Ops::maximum, (a, b) -> Nd.zip(a, b, BinaryOpsTest::maximum)).label("NaN and infinities")
            .with(s(6).values(NAN, 1, NAN, -INF, INF, 0), s(6).values(1, NAN, NAN, 2, 3, -0.0))));
  }

  @Test @Covers("minimum") void minimum() {
    runAll("minimum", List.of(
        binary("minimum", Ops::minimum, BinaryOpsTest::minimum).dtypes(NUMERIC),
        op2("minimum", Ops::minimum, (a, b) -> Nd.zip(a, b, BinaryOpsTest::minimum)).label("NaN and infinities")
            .with(s(6).values(NAN, 1, NAN, -INF, INF, 0), s(6).values(1, NAN, NAN, 2, 3, -0.0))));
  }

  /** The comparisons, plus one run with NaNs (every comparison with NaN is false, except not_equal). */
  static void comparison(String op, java.util.function.BinaryOperator<Tensor> fn, java.util.function.DoubleBinaryOperator ref) {
    runAll(op, List.of(
        compare(op, fn, ref),
        op2(op, fn, (a, b) -> Nd.zip(a, b, ref)).out(BOOL).label("NaN and infinities")
            .with(s(6).values(NAN, 1, NAN, INF, -INF, 0), s(6).values(1, NAN, NAN, INF, INF, -0.0))));
  }

  @Test @Covers("equal") void equal() { comparison("equal", Ops::equal, (a, b) -> b(a == b)); }
  @Test @Covers("not_equal") void notEqual() { comparison("not_equal", Ops::notEqual, (a, b) -> b(a != b)); }
  @Test @Covers("less") void less() { comparison("less", Ops::less, (a, b) -> b(a < b)); }
  @Test @Covers("less_equal") void lessEqual() { comparison("less_equal", Ops::lessEqual, (a, b) -> b(a <= b)); }
  @Test @Covers("greater") void greater() { comparison("greater", Ops::greater, (a, b) -> b(a > b)); }
  @Test @Covers("greater_equal") void greaterEqual() { comparison("greater_equal", Ops::greaterEqual, (a, b) -> b(a >= b)); }

  @Test @Covers("logical_and") void logicalAnd() {
    binary("logical_and", Ops::logicalAnd, (a, b) -> b(a != 0 && b != 0)).dtypes(BOOL).run();
  }
  @Test @Covers("logical_or") void logicalOr() {
    binary("logical_or", Ops::logicalOr, (a, b) -> b(a != 0 || b != 0)).dtypes(BOOL).run();
  }
  @Test @Covers("logical_xor") void logicalXor() {
    binary("logical_xor", Ops::logicalXor, (a, b) -> b((a != 0) != (b != 0))).dtypes(BOOL).run();
  }

  @Test @Covers("where") void where() {
    opV("where", in -> Ops.where(in[0], in[1], in[2]), in -> Nd.zip3(in[0], in[1], in[2], (c, a, b) -> c != 0 ? a : b))
        .dtypes(ALL)
        .with(bool(2, 3), s(2, 3), s(2, 3))
        .with(bool(2, 3), s(3), s())
        .with(bool(3, 1), s(1, 4), s(4))
        .with(bool(), s(2, 3), s(2, 3))
        .with(bool(2, 1, 3), s(4, 1), s(1, 1, 1))
        .with(bool(0, 3), s(3), s(1))
        .with(bool(), s(), s())
        .with(bool(1), s(5), s(1))
        .with(bool(4, 5), s(4, 5), s(4, 5))
        .run();
  }
}
