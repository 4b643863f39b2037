package org.neurite.optim;

import org.neurite.Attrs;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * Adagrad as Keras computes it, through the engine's {@code adagrad_update}: {@code g = grad + weightDecay·param;
 * accumulator += g²; param -= lr·g / sqrt(accumulator + epsilon)}, the accumulator starting at
 * {@code initialAccumulatorValue}. Keras defaults: learning rate 0.001, initial accumulator 0.1, epsilon 1e-7.
 *
 * <pre>{@code
 * Optimizer opt = Adagrad.builder().learningRate(0.01).initialAccumulatorValue(0.1).build();
 * opt.step(List.of(w));
 * }</pre>
 */
public final class Adagrad extends Optimizer {
  private final double initialAccumulator, epsilon, weightDecay;

  /** Builder of {@link Adagrad}. */
  public static final class Builder extends Optimizer.Builder<Builder> {
    double initialAccumulator = 0.1, epsilon = 1e-7, weightDecay;

    Builder() {
      super(0.001);
    }

    public Builder initialAccumulatorValue(double value) {
      this.initialAccumulator = nonNegative("initialAccumulatorValue", value);
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
    public Adagrad build() {
      return new Adagrad(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Adagrad(double learningRate) {
    this(builder().learningRate(learningRate));
  }

  private Adagrad(Builder b) {
    super(b);
    this.initialAccumulator = b.initialAccumulator;
    this.epsilon = b.epsilon;
    this.weightDecay = b.weightDecay;
  }

  @Override
  protected String[] slotNames() {
    return new String[] {"accumulator"};
  }

  @Override
  protected double initialValue(int slot) {
    return initialAccumulator;
  }

  @Override
  protected void update(Tensor param, Tensor grad, Tensor[] state, double lr, long step) {
    Ops.call("adagrad_update", Attrs.of().set("lr", lr).set("epsilon", epsilon).set("weight_decay", weightDecay), param,
        grad, state[0]);
  }
}
