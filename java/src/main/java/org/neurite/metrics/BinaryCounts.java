package org.neurite.metrics;

import org.neurite.DType;
import org.neurite.Tensor;

/**
 * Weighted true/false positive/negative counts of one batch, from predictions compared with a threshold (or the
 * argmax one-hot, for a NaN threshold) and labels read as booleans (non-zero is positive). Counted over every element
 * ({@code perClass} false) or per class of the last axis.
 */
final class BinaryCounts {
  final double[] tp, fp, fn, tn;

  private BinaryCounts(double[] tp, double[] fp, double[] fn, double[] tn) {
    this.tp = tp;
    this.fp = fp;
    this.fn = fn;
    this.tn = tn;
  }

  /** Runs in the caller's scope, which frees the intermediates. */
  static BinaryCounts of(String metric, Tensor yTrue, Tensor yPred, Tensor sampleWeight, double threshold,
      boolean perClass) {
    MetricSupport.requireSameShape(metric, yTrue, yPred);
    Tensor predicted;
    if (Double.isNaN(threshold)) {
      MetricSupport.requireRankAtLeast(metric, "y_pred", yPred, 2);
      predicted = yPred.argmax(-1).oneHot(yPred.dim(-1));
    } else {
      predicted = MetricSupport.as(yPred, DType.F32).gt(Tensor.scalar(threshold, DType.F32)).cast(DType.F32);
    }
    Tensor actual = yTrue.cast(DType.BOOL).cast(DType.F32);
    Tensor w = sampleWeight == null ? null
        : MetricSupport.expandWeight(metric, sampleWeight, yPred).cast(DType.F32).broadcastTo(yPred.shape());
    Tensor notPredicted = predicted.neg().add(1.0), notActual = actual.neg().add(1.0);
    int[] axes = perClass ? leadingAxes(yPred.ndim()) : new int[0];
    return new BinaryCounts(count(predicted.mul(actual), w, axes), count(predicted.mul(notActual), w, axes),
        count(notPredicted.mul(actual), w, axes), count(notPredicted.mul(notActual), w, axes));
  }

  private static double[] count(Tensor hits, Tensor w, int[] axes) {
    Tensor weighted = w == null ? hits : hits.mul(w);
    Tensor sum = axes.length == 0 ? weighted.sum().reshape(1) : weighted.sum(axes);
    return MetricSupport.doubles(sum);
  }

  private static int[] leadingAxes(int rank) {
    int[] axes = new int[Math.max(0, rank - 1)];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return axes;
  }

  static void add(double[] into, double[] batch) {
    for (int i = 0; i < into.length; i++) {
      into[i] += batch[i];
    }
  }
}
