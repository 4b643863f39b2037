package org.neurite.metrics;

/**
 * {@code tp / (tp + fn)} over every element so far, as Keras's {@code Recall}: a prediction above {@code threshold}
 * (default 0.5) is a positive, a non-zero label is a positive; sample weights weigh each sample's elements.
 *
 * <pre>{@code
 * Metric r = new Recall();
 * r.update(Tensor.of(new float[] {1, 0, 1, 0}, 4), Tensor.of(new float[] {0.9f, 0.8f, 0.3f, 0.1f}, 4), null);
 * r.result();   // tp 1, fn 1: 0.5
 * }</pre>
 */
public final class Recall extends ThresholdCounts {
  public Recall() {
    this("recall", 0.5);
  }

  public Recall(String name, double threshold) {
    super(name, threshold);
  }

  /** 0 when there was no positive label (as Keras's divide-no-NaN). */
  @Override
  double result(double tp, double fp, double fn) {
    return tp + fn == 0 ? 0 : tp / (tp + fn);
  }
}
