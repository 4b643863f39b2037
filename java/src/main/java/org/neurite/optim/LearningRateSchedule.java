package org.neurite.optim;

/**
 * A learning rate as a function of the optimizer's step count (0 for the first update), as Keras's
 * {@code LearningRateSchedule}. {@link Optimizer#step} asks the schedule at every update.
 *
 * <pre>{@code
 * Optimizer opt = SGD.builder()
 *     .learningRate(LearningRateSchedule.exponentialDecay(0.1, 1000, 0.96, false))
 *     .build();
 * Optimizer warm = new Adam(step -> step < 100 ? 1e-4 * (step + 1) : 1e-2);
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /** The learning rate of update {@code step} (0-based: the optimizer's {@link Optimizer#iterations()} before it). */
  double at(long step);

  /** The same rate at every step. */
  static LearningRateSchedule constant(double rate) {
    return step -> rate;
  }

  /** Keras's ExponentialDecay: {@code initial · decayRate^(step / decaySteps)}, the exponent floored if staircase. */
  static LearningRateSchedule exponentialDecay(double initial, long decaySteps, double decayRate, boolean staircase) {
    if (decaySteps <= 0) {
      throw new IllegalArgumentException("exponentialDecay: decaySteps must be > 0, got " + decaySteps);
    }
    return step -> {
      double p = (double) step / decaySteps;
      return initial * Math.pow(decayRate, staircase ? Math.floor(p) : p);
    };
  }
}
