package org.neurite.metrics;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * The area under the ROC curve, approximated over fixed thresholds as Keras's {@code AUC} does by default: at each
 * of {@code numThresholds} thresholds (default 200: {@code -1e-7}, {@code i / (numThresholds - 1)} for
 * {@code i = 1 .. numThresholds - 2}, and {@code 1 + 1e-7}) it counts weighted true/false positives/negatives over
 * every batch (a prediction above the threshold is a positive, a non-zero label is a positive), then sums the
 * trapezoids between consecutive (false positive rate, true positive rate) points ("interpolation"; MINORING and
 * MAJORING take the lower or the higher of the two rates instead, Keras's other summation methods).
 *
 * <p>Predictions must be probabilities in [0, 1]; pass {@code fromLogits} for raw scores (a sigmoid is applied).
 * Multi-label outputs pool every element into one curve.
 *
 * <pre>{@code
 * Metric auc = new AUC();
 * auc.update(Tensor.of(new float[] {0, 0, 1, 1}, 4), Tensor.of(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, 4), null);
 * auc.result();   // 0.75: one of the four (negative, positive) pairs is ranked the wrong way
 * }</pre>
 */
public final class AUC extends Metric {
  /** How the area between two thresholds' points is measured. */
  public enum Summation {
    INTERPOLATION,
    MINORING,
    MAJORING
  }

  private static final double EPSILON = 1e-7;

  private final int numThresholds;
  private final Summation summation;
  private final boolean fromLogits;
  private final float[] thresholds;
  private final double[] tp, fp, fn, tn;

  public AUC() {
    this("auc", 200, Summation.INTERPOLATION, false);
  }

  public AUC(String name, int numThresholds, Summation summation, boolean fromLogits) {
    super(name);
    if (numThresholds <= 1) {
      throw new InvalidArgumentException(name + ": numThresholds must be > 1, got " + numThresholds);
    }
    if (summation == null) {
      throw new InvalidArgumentException(name + ": summation must not be null");
    }
    this.numThresholds = numThresholds;
    this.summation = summation;
    this.fromLogits = fromLogits;
    thresholds = new float[numThresholds];
    thresholds[0] = (float) (0 - EPSILON);
    for (int i = 1; i < numThresholds - 1; i++) {
      thresholds[i] = (float) ((double) i / (numThresholds - 1));
    }
    thresholds[numThresholds - 1] = (float) (1 + EPSILON);
    tp = new double[numThresholds];
    fp = new double[numThresholds];
    fn = new double[numThresholds];
    tn = new double[numThresholds];
  }

  /** The thresholds, in increasing order (a copy). */
  public float[] thresholds() {
    return thresholds.clone();
  }

  @Override
  public void update(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
    try (Scope scope = Neurite.scope()) {
      MetricSupport.requireSameShape(name(), yTrue, yPred);
      Tensor p = MetricSupport.as(yPred, DType.F32);
      if (fromLogits) {
        p = p.sigmoid();
      } else {
        double lo = p.min().item(), hi = p.max().item();
        if (lo < 0 || hi > 1) {
          throw new InvalidArgumentException(name() + ": predictions must be probabilities in [0, 1], got values in ["
              + lo + ", " + hi + "] (use fromLogits for raw scores)");
        }
      }
      Tensor w = sampleWeight == null ? Tensor.ones(yPred.shape())
          : MetricSupport.expandWeight(name(), sampleWeight, yPred).cast(DType.F32).broadcastTo(yPred.shape());
      Tensor positive = yTrue.cast(DType.BOOL).cast(DType.F32);
      long m = yPred.size();
      Tensor posWeight = positive.mul(w).reshape(1, m);
      Tensor negWeight = positive.neg().add(1.0).mul(w).reshape(1, m);
      // [M, T]: which predictions each threshold calls positive; one matmul per class of label sums the weights
      Tensor above = p.reshape(m, 1).gt(Tensor.of(thresholds, 1, numThresholds).to(p.device())).cast(DType.F32);
      double[] tpBatch = MetricSupport.doubles(posWeight.matmul(above));
      double[] fpBatch = MetricSupport.doubles(negWeight.matmul(above));
      double pos = posWeight.sum().item(), neg = negWeight.sum().item();
      for (int t = 0; t < numThresholds; t++) {
        tp[t] += tpBatch[t];
        fp[t] += fpBatch[t];
        fn[t] += pos - tpBatch[t];
        tn[t] += neg - fpBatch[t];
      }
    }
  }

  /** The area under the ROC curve; 0 before any update or when one class never occurred (as Keras). */
  @Override
  public double result() {
    double area = 0;
    for (int t = 0; t < numThresholds - 1; t++) {
      double x0 = rate(fp[t], tn[t]), x1 = rate(fp[t + 1], tn[t + 1]);
      double y0 = rate(tp[t], fn[t]), y1 = rate(tp[t + 1], fn[t + 1]);
      double height = switch (summation) {
        case INTERPOLATION -> (y0 + y1) / 2;
        case MINORING -> Math.min(y0, y1);
        case MAJORING -> Math.max(y0, y1);
      };
      area += (x0 - x1) * height;
    }
    return area;
  }

  private static double rate(double hits, double misses) {
    return hits + misses == 0 ? 0 : hits / (hits + misses);
  }

  /** Weighted true positives at each threshold, in the order of {@link #thresholds()} (a copy). */
  public double[] truePositives() {
    return tp.clone();
  }

  /** Weighted false positives at each threshold (a copy). */
  public double[] falsePositives() {
    return fp.clone();
  }

  @Override
  public void reset() {
    Arrays.fill(tp, 0);
    Arrays.fill(fp, 0);
    Arrays.fill(fn, 0);
    Arrays.fill(tn, 0);
  }

  @Override
  public Map<String, Object> config() {
    return Map.of("num_thresholds", numThresholds, "summation_method", summation.name().toLowerCase(Locale.ROOT),
        "from_logits", fromLogits);
  }
}
