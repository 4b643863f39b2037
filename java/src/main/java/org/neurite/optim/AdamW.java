package org.neurite.optim;

/**
 * AdamW: {@link Adam} with decoupled weight decay, as Keras's and PyTorch's AdamW: each step first shrinks the
 * parameter, {@code param -= lr·weightDecay·param}, then takes Adam's step without any L2 term (the engine's
 * {@code adamw_update}). Keras defaults: learning rate 0.001, weight decay 0.004, beta1 0.9, beta2 0.999, epsilon 1e-7.
 *
 * <pre>{@code
 * Optimizer opt = AdamW.builder().learningRate(1e-3).weightDecay(0.01).build();
 * opt.step(List.of(w, b));
 * }</pre>
 */
public final class AdamW extends AdamBase {
  /** Builder of {@link AdamW}. */
  public static final class Builder extends AdamBase.Builder<Builder> {
    Builder() {
      weightDecay = 0.004;
    }

    @Override
    public AdamW build() {
      return new AdamW(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public AdamW(double learningRate) {
    this(builder().learningRate(learningRate));
  }

  private AdamW(Builder b) {
    super(b);
  }

  @Override
  String opName() {
    return "adamw_update";
  }
}
