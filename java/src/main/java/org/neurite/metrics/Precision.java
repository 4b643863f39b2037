package org.neurite.metrics;

/**
 * {@code tp / (tp + fp)} over every element so far, as Keras's {@code Precision}: a prediction above
 * {@code threshold} (default 0.5) is a positive, a non-zero label is a positive. Multi-label outputs count every
 * element; sample weights weigh each sample's elements.
 *
 * <pre>{@code
 * Metric p = new Precision();
 * p.update(Tensor.of(new float[] {1, 0, 1, 0}, 4), Tensor.of(new float[] {0.9f, 0.8f, 0.3f, 0.1f}, 4), null);
 * p.result();   // tp 1, fp 1: 0.5
 * }</pre>
 */
public final class Precision extends ThresholdCounts {
  public Precision() {
    this("precision", 0.5);
  }

  public Precision(String name, double threshold) {
    super(name, threshold);
  }

  /** 0 when nothing was predicted positive (as Keras's divide-no-NaN). */
  @Override
  double result(double tp, double fp, double fn) {
    return tp + fp == 0 ? 0 : tp / (tp + fp);
  }
}
