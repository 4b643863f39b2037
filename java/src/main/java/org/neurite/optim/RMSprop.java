package org.neurite.optim;

import org.neurite.Attrs;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * RMSprop as Keras computes it, through the engine's {@code rmsprop_update}: {@code g = grad + weightDecay·param;
 * velocity = rho·velocity + (1-rho)·g²; param -= lr·g / sqrt(velocity + epsilon)}. Keras defaults: learning rate
 * 0.001, rho 0.9, epsilon 1e-7.
 *
 * <pre>{@code
 * Optimizer opt = RMSprop.builder().learningRate(1e-3).rho(0.9).build();
 * opt.step(model.parameters());
 * }</pre>
 */
public final class RMSprop extends Optimizer {
  private final double rho, epsilon, weightDecay;

  /** Builder of {@link RMSprop}. */
  public static final class Builder extends Optimizer.Builder<Builder> {
    double rho = 0.9, epsilon = 1e-7, weightDecay;

    Builder() {
      super(0.001);
    }

    public Builder rho(double rho) {
      if (!(rho >= 0 && rho <= 1)) {
        throw new org.neurite.InvalidArgumentException("rho must be in [0, 1], got " + rho);
      }
      this.rho = rho;
      return this;
    }

    public Builder epsilon(double epsilon) {
      this.epsilon = nonNegative("epsilon", epsilon);
      return this;
    }

    /** L2 penalty coefficient added to the gradient. */
    public Builder weightDecay(double weightDecay) {
      this.weightDecay = nonNegative("weightDecay", weightDecay);
      return this;
    }

    @Override
    public RMSprop build() {
      return new RMSprop(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public RMSprop(double learningRate) {
    this(builder().learningRate(learningRate));
  }

  private RMSprop(Builder b) {
    super(b);
    this.rho = b.rho;
    this.epsilon = b.epsilon;
    this.weightDecay = b.weightDecay;
  }

  @Override
  protected String[] slotNames() {
    return new String[] {"velocity"};
  }

  @Override
  protected void update(Tensor param, Tensor grad, Tensor[] state, double lr, long step) {
    Ops.call("rmsprop_update",
        Attrs.of().set("lr", lr).set("rho", rho).set("epsilon", epsilon).set("weight_decay", weightDecay), param, grad,
        state[0]);
  }
}
