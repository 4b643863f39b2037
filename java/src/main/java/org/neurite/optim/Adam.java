package org.neurite.optim;

/**
 * Adam as Keras computes it, through the engine's {@code adam_update}: {@code g = grad + weightDecay·param;
 * m = beta1·m + (1-beta1)·g; v = beta2·v + (1-beta2)·g²; param -= lr·sqrt(1-beta2^t)/(1-beta1^t) · m / (sqrt(v) +
 * epsilon)} with t the 1-based step. (Keras adds epsilon to the uncorrected sqrt(v); the engine's op, as PyTorch's, adds
 * it to the corrected one, so this class passes {@code epsilon / sqrt(1-beta2^t)}.) Keras defaults: learning rate
 * 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, no weight decay (an L2 term on the gradient when set).
 *
 * <pre>{@code
 * Optimizer opt = new Adam(0.1);
 * loss.backward();
 * opt.step(List.of(w, b));
 * }</pre>
 */
public final class Adam extends AdamBase {
  /** Builder of {@link Adam}. */
  public static final class Builder extends AdamBase.Builder<Builder> {
    Builder() {}

    @Override
    public Adam build() {
      return new Adam(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Adam(double learningRate) {
    this(builder().learningRate(learningRate));
  }

  private Adam(Builder b) {
    super(b);
  }

  @Override
  String opName() {
    return "adam_update";
  }
}
