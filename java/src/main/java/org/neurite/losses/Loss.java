package org.neurite.losses;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.neurite.Attrs;
import org.neurite.DType;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * A loss function, as Keras's {@code keras.losses.Loss}: {@link #perSample} computes one value per sample with the
 * engine's loss ops, and {@link #compute} weights and reduces them ({@link Reduction}). Arguments follow Keras's order:
 * targets first, then predictions.
 *
 * <pre>{@code
 * Loss loss = new SparseCategoricalCrossentropy(true);      // from logits
 * Tensor value = loss.compute(labels, logits);            // a scalar, differentiable in logits
 * }</pre>
 */
public abstract class Loss {
  private final String name;
  private final Reduction reduction;

  protected Loss(String name, Reduction reduction) {
    this.name = Objects.requireNonNull(name, "name");
    this.reduction = Objects.requireNonNull(reduction, "reduction");
  }

  /** Keras's name, e.g. "sparse_categorical_crossentropy". */
  public String name() {
    return name;
  }

  public Reduction reduction() {
    return reduction;
  }

  /** One loss value per sample (shape: the batch shape of {@code yPred}). */
  public abstract Tensor perSample(Tensor yTrue, Tensor yPred);

  /** The reduced loss of a batch. */
  public Tensor compute(Tensor yTrue, Tensor yPred) {
    return compute(yTrue, yPred, null);
  }

  /**
   * The reduced loss of a batch, each sample weighted by {@code sampleWeight} (nullable; shape [N] or broadcastable
   * to the per-sample values).
   */
  public Tensor compute(Tensor yTrue, Tensor yPred, Tensor sampleWeight) {
    Objects.requireNonNull(yTrue, name + ": yTrue");
    Objects.requireNonNull(yPred, name + ": yPred");
    Tensor values = perSample(yTrue, yPred);
    Tensor w = sampleWeight == null ? unitWeight(values)
        : sampleWeight.dtype() == values.dtype() ? sampleWeight : sampleWeight.cast(values.dtype());
    return Ops.call("reduce_loss", Attrs.of().set("reduction", reduction.code), values, w)[0];
  }

  /** A weight of 1 where {@code values} live: a loss computed on GPU tensors outside fit gets no CPU operand. */
  private static Tensor unitWeight(Tensor values) {
    Tensor one = Tensor.scalar(1.0, values.dtype());
    return values.device().isCpu() ? one : one.to(values.device());
  }

  /** The settings that rebuild this loss (see {@link Losses#fromConfig}). */
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("reduction", reduction.name());
    return c;
  }

  /**
   * {@code yTrue} made comparable to {@code yPred}: cast to its dtype and, when it lacks the trailing dimension of
   * size 1 that a one-unit output has, given one (Keras squeezes or expands the same way).
   */
  protected static Tensor matchPrediction(Tensor yTrue, Tensor yPred) {
    Tensor t = yTrue.dtype() == yPred.dtype() ? yTrue : yTrue.cast(yPred.dtype());
    if (t.ndim() == yPred.ndim() - 1 && yPred.ndim() > 0 && yPred.dim(yPred.ndim() - 1) == 1) {
      t = t.unsqueeze(-1);
    }
    return t;
  }

  /** Integer labels as i64 (the engine's sparse ops take i32 or i64; floats holding class numbers are cast). */
  protected static Tensor labels(Tensor yTrue, Tensor logits) {
    Tensor l = yTrue;
    if (l.ndim() == logits.ndim() && l.ndim() > 0 && l.dim(l.ndim() - 1) == 1) {
      l = l.squeeze(l.ndim() - 1);
    }
    return l.dtype() == DType.I32 || l.dtype() == DType.I64 ? l : l.cast(DType.I64);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + config();
  }
}
