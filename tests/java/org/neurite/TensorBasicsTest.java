package org.neurite;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorBasicsTest {
  @Test
  void roundTripsJavaArraysOfEveryDtype() {
    try (Scope scope = Neurite.scope()) {
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).toFloatArray());
      assertArrayEquals(new double[] {1.5, -2}, Tensor.of(new double[] {1.5, -2}, 2).toDoubleArray());
      assertArrayEquals(new int[] {7, -8}, Tensor.of(new int[] {7, -8}, 2).toIntArray());
      assertArrayEquals(new long[] {1L << 40}, Tensor.of(new long[] {1L << 40}, 1).toLongArray());
      assertArrayEquals(new byte[] {0, (byte) 255}, Tensor.of(new byte[] {0, (byte) 255}, 2).toByteArray());
      assertArrayEquals(new boolean[] {true, false}, Tensor.of(new boolean[] {true, false}, 2).toBooleanArray());
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertArrayEquals(new long[] {2, 3}, x.shape());
      assertEquals(DType.F32, x.dtype());
    }
  }

  @Test
  void transposeIsAViewAndReadsBackInLogicalOrder() {
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Tensor t = x.transpose(0, 1);
      assertTrue(t.sharesStorageWith(x));
      assertFalse(t.isContiguous());
      assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
    }
  }

  @Test
  void errorsAreTypedAndNameTheOp() {
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 3);
      ShapeException e = assertThrows(ShapeException.class, () -> x.reshape(2, 2));
      assertEquals("reshape: cannot reshape [3] (3 elements) into [2,2] (4 elements)", e.getMessage());
      x.close();
      assertThrows(TensorClosedException.class, x::shape);
    }
  }
}
