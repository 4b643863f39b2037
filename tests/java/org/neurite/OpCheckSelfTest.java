package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.neurite.OpCheck.*;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The helper itself: it must fail on a wrong reference, dtype or shape, and its reference arrays must be right. */
class OpCheckSelfTest {
  @Test
  void failsOnAWrongReference() {
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> unary("exp", Ops::exp, x -> Math.exp(x) * (1 + 1e-9)).run());
    assertTrue(e.getMessage().contains("elements off"), e.getMessage());
    // ...but not on one within tolerance (1e-13 relative is inside F64_RTOL, and far inside F32_RTOL).
    unary("exp", Ops::exp, x -> Math.exp(x) * (1 + 1e-13)).run();
  }

  @Test
  void failsOnAWrongDtypeOrShape() {
    assertThrows(AssertionFailedError.class, () -> binary("less", Ops::less, (a, b) -> b(a < b)).run()); // bool out
    assertThrows(AssertionFailedError.class,
        () -> op1("sum", x -> x.sum(0), x -> x).with(s(2, 3)).run()); // reference keeps the shape
  }

  @Test
  void failsWhenANonContiguousRunDiffers() {
    // An "op" that reads its input's strides: contiguous and view inputs give different results.
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> op1("strides", x -> Tensor.of(new double[] {x.isContiguous() ? 1 : 0}), x -> Nd.scalar(1))
            .dtypes(F64).with(s(2, 3)).run());
    assertTrue(e.getMessage().contains("differs from the contiguous run"), e.getMessage());
  }

  @Test
  void referenceArraysBroadcastAndReduceLikeNumPy() {
    Nd a = Nd.of(new double[] {1, 2, 3}, 3, 1), b = Nd.of(new double[] {10, 20}, 2);
    Nd sum = Nd.zip(a, b, Double::sum);
    assertArrayEquals(new int[] {3, 2}, sum.shape);
    assertArrayEquals(new double[] {11, 21, 12, 22, 13, 23}, sum.v);
    Nd x = Nd.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertArrayEquals(new double[] {5, 7, 9}, x.reduce(new int[] {0}, false, ReductionOpsTest::sum).v);
    assertArrayEquals(new int[] {2, 1}, x.reduce(new int[] {-1}, true, ReductionOpsTest::sum).shape);
    assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, x.permute(1, 0).v);
    assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3}, Nd.of(new double[] {1, 2, 3}, 3).broadcastTo(2, 3).v);
    assertArrayEquals(new int[] {2, 4, 3}, Nd.broadcastShapes(new int[] {2, 1, 3}, new int[] {4, 1}));
    assertThrows(IllegalArgumentException.class, () -> Nd.broadcastShapes(new int[] {2}, new int[] {3}));
  }

  @Test
  void closenessHandlesSpecialValues() {
    assertTrue(close(Double.NaN, Double.NaN, 0, 0));
    assertFalse(close(1, Double.NaN, 1, 1));
    assertFalse(close(Double.NaN, 1, 1, 1));
    assertTrue(close(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, 0));
    assertFalse(close(Double.MAX_VALUE, Double.POSITIVE_INFINITY, 1, 1));
    assertFalse(close(Double.NEGATIVE_INFINITY, -1e300, 1, 1));
    assertTrue(close(1 + 1e-13, 1, F64_RTOL, F64_ATOL));
    assertFalse(close(1 + 1e-11, 1, F64_RTOL, F64_ATOL));
  }
}
