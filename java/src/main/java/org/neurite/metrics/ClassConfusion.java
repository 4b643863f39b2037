package org.neurite.metrics;

import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.ShapeException;
import org.neurite.Tensor;

/**
 * The weighted {@code numClasses x numClasses} counts of one batch (rows: true class, columns: predicted class),
 * as one engine matmul of one-hot rows: {@code onehot(true)ᵀ · diag(w) · onehot(pred)}.
 */
final class ClassConfusion {
  private ClassConfusion() {}

  /**
   * Integer tensors are class indices. Floating-point ones whose last axis has {@code numClasses} entries are
   * one-hot labels or class scores (argmax taken); other floating-point labels are indices, and other floating-point
   * predictions (two classes only) are probabilities of class 1 ({@code [N]} or {@code [N,1]}, compared with
   * {@code threshold}).
   * Runs in the caller's scope.
   */
  static double[] batch(String metric, int numClasses, double threshold, Tensor yTrue, Tensor yPred,
      Tensor sampleWeight) {
    Tensor trueIdx = classes(metric, numClasses, yTrue, false, threshold);
    Tensor predIdx = classes(metric, numClasses, yPred, true, threshold);
    if (trueIdx.size() != predIdx.size()) {
      throw new ShapeException(metric + ": " + trueIdx.size() + " labels " + MetricSupport.shape(yTrue.shape())
          + " but " + predIdx.size() + " predictions " + MetricSupport.shape(yPred.shape()));
    }
    long n = trueIdx.size();
    Tensor t = trueIdx.reshape(n).oneHot(numClasses);
    Tensor p = predIdx.reshape(n).oneHot(numClasses);
    if (sampleWeight != null) {
      Tensor w = MetricSupport.alignWeight(metric, sampleWeight, trueIdx).cast(DType.F32);
      t = t.mul(w.broadcastTo(trueIdx.shape()).reshape(n, 1));
    }
    return MetricSupport.doubles(t.transpose(0, 1).matmul(p));
  }

  private static Tensor classes(String metric, int numClasses, Tensor y, boolean prediction, double threshold) {
    boolean floating = y.dtype() == DType.F32 || y.dtype() == DType.F64 || y.dtype() == DType.F16
        || y.dtype() == DType.BF16;
    if (y.ndim() >= 2 && y.dim(-1) == numClasses && floating && numClasses > 1) {
      return y.argmax(-1);
    }
    Tensor v = y.ndim() >= 2 && y.dim(-1) == 1 ? y.squeeze(y.ndim() - 1) : y;
    if (prediction && floating) {
      if (numClasses != 2) {
        throw new InvalidArgumentException(metric + ": predictions " + MetricSupport.shape(y.shape())
            + " are neither scores of " + numClasses + " classes nor class indices (cast indices to an integer dtype)");
      }
      return MetricSupport.as(v, DType.F32).gt(Tensor.scalar(threshold, DType.F32)).cast(DType.I64);
    }
    return MetricSupport.as(v, DType.I64);
  }
}
