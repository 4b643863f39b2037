package org.neurite.optim;

import org.neurite.Attrs;
import org.neurite.InvalidArgumentException;
import org.neurite.Ops;
import org.neurite.Tensor;

/**
 * What {@link Adam} and {@link AdamW} share: the moving averages m and v, Keras's epsilon placement, the 1-based
 * step. Use those classes:
 *
 * <pre>{@code
 * Optimizer opt = Adam.builder().learningRate(0.01).beta2(0.99).build();
 * }</pre>
 */
public abstract class AdamBase extends Optimizer {
  final double beta1, beta2, epsilon, weightDecay;

  /** The settings {@link Adam} and {@link AdamW} share. */
  public abstract static class Builder<B extends Builder<B>> extends Optimizer.Builder<B> {
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, weightDecay;

    Builder() {
      super(0.001);
    }

    public B beta1(double beta1) {
      this.beta1 = unit("beta1", beta1);
      return self();
    }

    public B beta2(double beta2) {
      this.beta2 = unit("beta2", beta2);
      return self();
    }

    public B epsilon(double epsilon) {
      this.epsilon = nonNegative("epsilon", epsilon);
      return self();
    }

    /** Adam: an L2 penalty added to the gradient; AdamW: the decoupled decay (see {@link AdamW}). */
    public B weightDecay(double weightDecay) {
      this.weightDecay = nonNegative("weightDecay", weightDecay);
      return self();
    }

    static double unit(String name, double v) {
      if (!(v >= 0 && v < 1)) {
        throw new InvalidArgumentException(name + " must be in [0, 1), got " + v);
      }
      return v;
    }

  }

  AdamBase(Builder<?> b) {
    super(b);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
    this.weightDecay = b.weightDecay;
  }

  @Override
  protected String[] slotNames() {
    return new String[] {"m", "v"};
  }

  abstract String opName();

  @Override
  protected void update(Tensor param, Tensor grad, Tensor[] state, double lr, long step) {
    double eps = epsilon / Math.sqrt(1 - Math.pow(beta2, step));
    Ops.call(opName(), Attrs.of().set("lr", lr).set("beta1", beta1).set("beta2", beta2).set("epsilon", eps)
        .set("step", step).set("weight_decay", weightDecay), param, grad, state[0], state[1]);
  }
}
