package org.neurite.metrics;

import java.util.Map;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * The running true-positive, false-positive and false-negative totals behind {@link Precision} and {@link Recall}:
 * a prediction above {@code threshold} is a positive, a non-zero label is a positive, every element counts, sample
 * weights weigh each sample's elements. A subclass only says how the totals make its result.
 */
abstract class ThresholdCounts extends Metric {
  private final double threshold;
  private double tp, fp, fn;

  ThresholdCounts(String name, double threshold) {
    super(name);
    this.threshold = MetricSupport.threshold(name, threshold);
  }

  /** The result from the totals so far. */
  abstract double result(double tp, double fp, double fn);

  @Override
  public final void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
    try (Scope scope = Neurite.scope()) {
      BinaryCounts c = BinaryCounts.of(name(), yTrue, yPred, sampleWeight, threshold, false);
      tp += c.tp[0];
      fp += c.fp[0];
      fn += c.fn[0];
    }
  }

  @Override
  public final double result() {
    return result(tp, fp, fn);
  }

  @Override
  public final void reset() {
    tp = 0;
    fp = 0;
    fn = 0;
  }

  @Override
  public final Map<String, Object> config() {
    return Map.of("threshold", threshold);
  }
}
