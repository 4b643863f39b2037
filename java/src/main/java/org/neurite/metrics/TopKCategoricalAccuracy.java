package org.neurite.metrics;

import java.util.Map;
import org.neurite.DType;
import org.neurite.Tensor;

/**
 * How often the one-hot label's class is among the {@code k} highest-scoring classes, as Keras's
 * {@code TopKCategoricalAccuracy} (default k = 5). As TensorFlow's {@code in_top_k}, classes tied with the label's
 * score do not push it out: a sample counts when fewer than k classes score strictly higher than its label.
 *
 * <pre>{@code
 * Metric top2 = new TopKCategoricalAccuracy(2);
 * top2.update(Tensor.of(new float[] {0, 0, 1}, 1, 3), Tensor.of(new float[] {0.5f, 0.1f, 0.4f}, 1, 3), null);
 * top2.result();   // 1.0: class 2 is second
 * }</pre>
 */
public final class TopKCategoricalAccuracy extends SampleMeanMetric {
  private final int k;

  public TopKCategoricalAccuracy() {
    this(5);
  }

  public TopKCategoricalAccuracy(int k) {
    this("top_k_categorical_accuracy", k);
  }

  public TopKCategoricalAccuracy(String name, int k) {
    super(name);
    this.k = MetricSupport.positiveInt(name, "k", k);
  }

  @Override
  protected Tensor values(Tensor yTrue, Tensor yPred) {
    MetricSupport.requireRankAtLeast(name(), "y_pred", yPred, 2);
    MetricSupport.requireSameShape(name(), yTrue, yPred);
    return inTopK(yTrue.argmax(-1), yPred, k);
  }

  /** 1 where the class {@code labels} (i64, one fewer axis than {@code scores}) is in the top k of its row. */
  static Tensor inTopK(Tensor labels, Tensor scores, int k) {
    Tensor s = MetricSupport.as(scores, DType.F32);
    Tensor labelScore = s.takeAlongAxis(labels.unsqueeze(labels.ndim()), -1);
    Tensor higher = s.gt(labelScore).cast(DType.F32).sum(-1);
    return higher.lt(Tensor.scalar(k, DType.F32)).cast(DType.F32);
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("k", k);
  }
}
