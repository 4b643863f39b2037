package org.neurite;

import java.util.Objects;
import org.bytedeco.javacpp.PointerPointer;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_tensor;

/**
 * Records ops for automatic differentiation, in the style of TensorFlow 2. While open, gradients are enabled on this
 * thread; {@link #watch} marks tensors as variables; {@link #gradient} differentiates a target with respect to them,
 * without touching their accumulated {@link Tensor#grad()} (use {@link Tensor#backward()} for PyTorch-style
 * accumulation: both run on the same native tape).
 *
 * <pre>{@code
 * // Fit y = w·x + b to Celsius -> Fahrenheit pairs by gradient descent.
 * try (Scope scope = Neurite.scope()) {
 *   Tensor c = Tensor.of(new float[] {-40, -10, 0, 8, 15, 22, 38}, 7);
 *   Tensor f = Tensor.of(new float[] {-40, 14, 32, 46, 59, 72, 100}, 7);
 *   Tensor w = Tensor.of(new float[] {0}).requiresGrad(true), b = Tensor.of(new float[] {0}).requiresGrad(true);
 *   try (GradientTape tape = GradientTape.record()) {
 *     Tensor loss = c.mul(w).add(b).sub(f).square().mean();
 *     Tensor[] grads = tape.gradient(loss, w, b);   // d loss/dw, d loss/db
 *   }
 * }
 * }</pre>
 */
public final class GradientTape implements AutoCloseable {
  private final boolean persistent;
  private final boolean previousMode;
  private boolean used;
  private boolean closed;

  private GradientTape(boolean persistent) {
    this.persistent = persistent;
    this.previousMode = gradEnabled();
    Native.check(NeuriteNative.nr_set_grad_enabled(1));
  }

  /** A tape whose {@link #gradient} may be called once. */
  public static GradientTape record() {
    return new GradientTape(false);
  }

  /** A tape whose {@link #gradient} may be called many times (it keeps the graph until the tensors are closed). */
  public static GradientTape recordPersistent() {
    return new GradientTape(true);
  }

  /** Marks tensors as variables to differentiate with respect to (they must be floating-point leaves). */
  public void watch(Tensor... tensors) {
    for (Tensor t : tensors) {
      Objects.requireNonNull(t, "GradientTape.watch: tensor").requiresGrad(true);
    }
  }

  /**
   * d target / d source for each source, each a new tensor of the source's shape, or null where the target does not
   * depend on the source.
   *
   * @param target a scalar (e.g. a loss)
   */
  public Tensor[] gradient(Tensor target, Tensor... sources) {
    Objects.requireNonNull(target, "GradientTape.gradient: target");
    if (closed) {
      throw new IllegalStateException("GradientTape.gradient: the tape is closed");
    }
    if (used && !persistent) {
      throw new IllegalStateException(
          "GradientTape.gradient: a non-persistent tape can compute gradients once; use GradientTape.recordPersistent()");
    }
    if (sources.length == 0) {
      throw new InvalidArgumentException("GradientTape.gradient: no sources given");
    }
    used = true;
    try (PointerPointer<nr_tensor> outs = new PointerPointer<>(1);
        PointerPointer<nr_tensor> ins = new PointerPointer<>(sources.length);
        PointerPointer<nr_tensor> grads = new PointerPointer<>(sources.length)) {
      outs.put(0, target.handle());
      for (int i = 0; i < sources.length; i++) {
        ins.put(i, Objects.requireNonNull(sources[i], "GradientTape.gradient: source " + i).handle());
      }
      Native.check(NeuriteNative.nr_grad(outs, 1, null, ins, sources.length, persistent ? 1 : 0, 0, 1, grads));
      Tensor[] result = new Tensor[sources.length];
      for (int i = 0; i < sources.length; i++) {
        nr_tensor g = grads.get(nr_tensor.class, i);
        result[i] = g == null || g.isNull() ? null : new Tensor(g);
      }
      return result;
    }
  }

  /** Restores the gradient mode that was in force when the tape opened. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Native.check(NeuriteNative.nr_set_grad_enabled(previousMode ? 1 : 0));
    }
  }

  static boolean gradEnabled() {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_is_grad_enabled(out));
    return out[0] != 0;
  }
}
