package org.neurite;

/** Formats tensors NumPy-style, eliding the middle of long dims so any tensor prints in a few lines. */
final class TensorFormatter {
  private TensorFormatter() {}

  /** Dims longer than this print their first and last {@link #EDGE} entries only. */
  private static final int MAX_DIM = 6;
  private static final int EDGE = 3;

  static String format(Tensor t) {
    long[] shape = t.shape();
    boolean[] elided = new boolean[shape.length];
    try (Scope scope = Neurite.scope()) {
      // Shrink each long dim to its edges first, so printing a 16M-element tensor reads 216 values, not 16M.
      Tensor summary = t;
      for (int d = 0; d < shape.length; d++) {
        if (shape[d] > MAX_DIM) {
          elided[d] = true;
          summary = Ops.concat(d, summary.slice(d, 0, EDGE, 1), summary.slice(d, -EDGE, Long.MAX_VALUE, 1));
        }
      }
      double[] values = summary.toDoubleArrayAnyType();
      long[] small = summary.shape();
      StringBuilder sb = new StringBuilder();
      append(sb, values, small, elided, t.dtype(), 0, 0, shape.length);
      return sb.append(' ').append(t.dtype().shortName()).append(Tensor.shapeString(shape)).toString();
    }
  }

  private static int append(StringBuilder sb, double[] v, long[] shape, boolean[] elided, DType dtype, int dim, int pos,
      int rank) {
    if (dim == rank) {
      sb.append(number(v[pos], dtype));
      return pos + 1;
    }
    sb.append('[');
    for (int i = 0; i < shape[dim]; i++) {
      if (i > 0) {
        sb.append(dim == rank - 1 ? ", " : ",\n" + " ".repeat(dim + 1));
      }
      if (elided[dim] && i == EDGE) {
        sb.append(dim == rank - 1 ? "..., " : "...,\n" + " ".repeat(dim + 1));
      }
      pos = append(sb, v, shape, elided, dtype, dim + 1, pos, rank);
    }
    sb.append(']');
    return pos;
  }

  private static String number(double x, DType dtype) {
    if (dtype == DType.BOOL) {
      return x != 0 ? "true" : "false";
    }
    if (!dtype.isFloating()) {
      return Long.toString((long) x);
    }
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    if (x == Math.rint(x) && Math.abs(x) < 1e15) {
      return Long.toString((long) x);
    }
    String s = String.format("%.6g", x);
    if (s.contains("e")) {
      return s;
    }
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
