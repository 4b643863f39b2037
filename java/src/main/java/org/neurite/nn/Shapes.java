package org.neurite.nn;

import java.util.Arrays;
import java.util.List;
import org.neurite.ShapeException;

/**
 * Shape helpers for layers. A layer shape includes the batch dimension first; -1 stands for a dimension not known
 * until data arrives (the batch size, or a sequence length).
 *
 * <pre>{@code
 * Shapes.keras(new long[] {-1, 28, 28, 1});   // "(None, 28, 28, 1)"
 * }</pre>
 */
public final class Shapes {
  private Shapes() {}

  /** Keras's way of printing a shape: {@code (None, 128)}. */
  public static String keras(long[] shape) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      b.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "None" : Long.toString(shape[i]));
    }
    return b.append(shape.length == 1 ? ",)" : ")").toString();
  }

  /** {@code [?, 128]}: the engine's way, with ? for unknown dimensions. */
  public static String str(long[] shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      b.append(i > 0 ? "," : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
    }
    return b.append(']').toString();
  }

  /** Whether {@code actual} fits {@code expected}: same rank, and equal wherever both are known. */
  public static boolean compatible(long[] expected, long[] actual) {
    if (expected.length != actual.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] >= 0 && actual[i] >= 0 && expected[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** A spec that accepts any shape of rank {@code rank} (every dimension -1). */
  public static long[] anyOfRank(int rank) {
    long[] s = new long[rank];
    Arrays.fill(s, -1);
    return s;
  }

  /** {@code shape} with the batch dimension prepended as unknown. */
  public static long[] withBatch(long... shape) {
    long[] out = new long[shape.length + 1];
    out[0] = -1;
    System.arraycopy(shape, 0, out, 1, shape.length);
    return out;
  }

  /** The product of the dimensions after the first (the features per sample); -1 when any is unknown. */
  public static long featureSize(long[] shape) {
    long n = 1;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        return -1;
      }
      n *= shape[i];
    }
    return n;
  }

  /** Requires {@code shape} to have {@code rank} dimensions, naming the layer. */
  public static void requireRank(String layer, long[] shape, int rank, String what) {
    if (shape.length != rank) {
      throw new ShapeException(layer + ": expected " + what + " of rank " + rank + ", got " + str(shape));
    }
  }

  /**
   * {@code axis} (negative counts from the end) as a non-batch axis of {@code shape}, for layers that keep one value
   * per feature along it (BatchNormalization, Normalization); {@code batchAxisRole} says in the error what the batch
   * axis is for in that layer.
   */
  public static int featureAxis(int axis, long[] shape, String batchAxisRole) {
    int a = axis < 0 ? axis + shape.length : axis;
    if (shape.length < 2 || a <= 0 || a >= shape.length) {
      throw new ShapeException("axis " + axis + " is not a feature axis of input " + str(shape)
          + " (rank >= 2, and the batch axis 0 " + batchAxisRole + ")");
    }
    return a;
  }

  /** The size of {@code shape}'s feature axis (see {@link #featureAxis}), which must be known. */
  public static long knownFeatureSize(int axis, int resolved, long[] shape) {
    long c = shape[resolved];
    if (c < 0) {
      throw new ShapeException("the size of axis " + axis + " must be known, got input " + str(shape));
    }
    return c;
  }

  /** Requires the last dimension of {@code shape} to be known. */
  public static long lastDim(String layer, long[] shape) {
    if (shape.length == 0 || shape[shape.length - 1] < 0) {
      throw new ShapeException(layer + ": the last dimension of the input must be known, got " + str(shape));
    }
    return shape[shape.length - 1];
  }

  static String strAll(List<long[]> shapes) {
    if (shapes.size() == 1) {
      return str(shapes.get(0));
    }
    StringBuilder b = new StringBuilder();
    for (long[] s : shapes) {
      b.append(b.length() > 0 ? ", " : "").append(str(s));
    }
    return b.toString();
  }

  static long[] copy(long[] s) {
    return Arrays.copyOf(s, s.length);
  }
}
