package org.neurite.optim;

import org.neurite.Attrs;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay, through the engine's
 * {@code sgd_update} / {@code momentum_update}: {@code g = grad + weightDecay·param; velocity = momentum·velocity + g;
 * param -= lr·(nesterov ? g + momentum·velocity : velocity)} (PyTorch's formulation; with a constant learning rate the
 * same steps as Keras's SGD). Keras defaults: learning rate 0.01, momentum 0.
 *
 * <pre>{@code
 * Optimizer opt = SGD.builder().learningRate(0.1).momentum(0.9).nesterov(true).build();
 * opt.step(List.of(w, b));
 * }</pre>
 */
public final class SGD extends Optimizer {
  private final double momentum, weightDecay;
  private final boolean nesterov;

  /** Builder of {@link SGD}. */
  public static final class Builder extends Optimizer.Builder<Builder> {
    double momentum, weightDecay;
    boolean nesterov;

    Builder() {
      super(0.01);
    }

    public Builder momentum(double momentum) {
      this.momentum = nonNegative("momentum", momentum);
      return this;
    }

    public Builder nesterov(boolean nesterov) {
      this.nesterov = nesterov;
      return this;
    }

    /** L2 penalty coefficient added to the gradient ({@code grad + weightDecay·param}). */
    public Builder weightDecay(double weightDecay) {
      this.weightDecay = nonNegative("weightDecay", weightDecay);
      return this;
    }

    @Override
    public SGD build() {
      return new SGD(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Plain SGD with this learning rate. */
  public SGD(double learningRate) {
    this(builder().learningRate(learningRate));
  }

  private SGD(Builder b) {
    super(b);
    this.momentum = b.momentum;
    this.weightDecay = b.weightDecay;
    this.nesterov = b.nesterov;
  }

  @Override
  protected String[] slotNames() {
    return momentum == 0 && !nesterov ? new String[0] : new String[] {"momentum"};
  }

  @Override
  protected void update(Tensor param, Tensor grad, Tensor[] state, double lr, long step) {
    if (state.length == 0) {
      Ops.call("sgd_update", Attrs.of().set("lr", lr).set("weight_decay", weightDecay), param, grad);
    } else {
      Ops.call("momentum_update", Attrs.of().set("lr", lr).set("momentum", momentum).set("nesterov", nesterov ? 1 : 0)
          .set("weight_decay", weightDecay), param, grad, state[0]);
    }
  }
}
