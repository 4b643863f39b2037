package org.neurite.metrics;

import java.util.Map;
import org.neurite.DType;
import org.neurite.Tensor;

/**
 * How often a thresholded prediction equals its 0/1 label, as Keras's {@code BinaryAccuracy}: a prediction above
 * {@code threshold} counts as 1. For outputs of shape {@code [N, k]} each sample scores the mean over its k outputs.
 *
 * <pre>{@code
 * Metric acc = new BinaryAccuracy();            // threshold 0.5
 * acc.update(Tensor.of(new float[] {1, 0, 1}, 3, 1), Tensor.of(new float[] {0.9f, 0.6f, 0.2f}, 3, 1), null);
 * acc.result();                                 // 1/3
 * }</pre>
 */
public final class BinaryAccuracy extends SampleMeanMetric {
  private final double threshold;

  public BinaryAccuracy() {
    this("binary_accuracy", 0.5);
  }

  public BinaryAccuracy(String name, double threshold) {
    super(name);
    this.threshold = MetricSupport.threshold(name, threshold);
  }

  @Override
  protected Tensor values(Tensor yTrue, Tensor yPred) {
    MetricSupport.requireSameShape(name(), yTrue, yPred);
    Tensor predicted = MetricSupport.as(yPred, DType.F32).gt(Tensor.scalar(threshold, DType.F32));
    Tensor actual = MetricSupport.as(yTrue, DType.F32).gt(Tensor.scalar(0.5, DType.F32));
    Tensor right = predicted.eq(actual).cast(DType.F32);
    return right.ndim() >= 2 ? right.mean(-1) : right;
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("threshold", threshold);
  }
}
