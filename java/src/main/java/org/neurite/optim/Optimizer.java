package org.neurite.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.neurite.Attrs;
import org.neurite.DType;
import org.neurite.Device;
import org.neurite.InvalidArgumentException;
import org.neurite.NativeAccess;
import org.neurite.Neurite;
import org.neurite.Ops;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * The base of the optimizers ({@link SGD}, {@link RMSprop}, {@link Adagrad}, {@link Adam}, {@link AdamW}): it reads
 * each parameter's {@link Tensor#grad() gradient}, clips it if asked, and applies the engine's fused in-place update
 * ({@code sgd_update}, {@code adam_update}, ... through {@link Ops#call}).
 *
 * <p>Per-parameter state (momentum, moving averages) is created lazily, on a parameter's first update, and owned by the
 * optimizer until {@link #close()}; it survives any {@link Scope} open around {@link #step}. Parameters are keyed by
 * identity; in {@link #state()} they are numbered in the order {@link #step} first saw them (the order of the list),
 * so restoring means calling {@link #loadState} and then {@link #step} with the same list in the same order.
 *
 * <p>Gradient clipping, as Keras's {@code clipvalue}, {@code clipnorm} and {@code global_clipnorm}: each gradient is
 * first clipped elementwise to {@code [-clipValue, clipValue]}, then scaled so its own L2 norm is at most
 * {@code clipNorm}, then all are scaled together so their global norm is at most {@code globalClipNorm} (each step
 * only when set).
 *
 * <pre>{@code
 * Tensor w = Tensor.zeros(1).requiresGrad(true), b = Tensor.zeros(1).requiresGrad(true);
 * try (Optimizer opt = Adam.builder().learningRate(0.1).globalClipNorm(1.0).build()) {
 *   for (int epoch = 0; epoch < 500; epoch++) {
 *     try (Scope scope = Neurite.scope()) {
 *       Tensor loss = x.mul(w).add(b).sub(y).square().mean();
 *       loss.backward();
 *       opt.step(List.of(w, b));        // updates w and b in place
 *       w.zeroGrad();
 *       b.zeroGrad();
 *     }
 *   }
 * }
 * }</pre>
 */
public abstract class Optimizer implements AutoCloseable {
  private double learningRate;
  private LearningRateSchedule schedule;
  private long iterations;
  private final double clipValue, clipNorm, globalClipNorm;

  private final Map<Tensor, Tensor[]> slots = new IdentityHashMap<>();
  private final List<Tensor> order = new ArrayList<>();
  private final Map<String, Tensor> pending = new LinkedHashMap<>();
  private boolean closed;

  /** Settings common to every optimizer; the subclasses' builders extend it. */
  public abstract static class Builder<B extends Builder<B>> {
    double learningRate;
    LearningRateSchedule schedule;
    double clipValue = Double.NaN, clipNorm = Double.NaN, globalClipNorm = Double.NaN;

    protected Builder(double defaultLearningRate) {
      this.learningRate = defaultLearningRate;
    }

    @SuppressWarnings("unchecked")
    protected B self() {
      return (B) this;
    }

    /** A constant learning rate (change it later with {@link Optimizer#setLearningRate}). */
    public B learningRate(double lr) {
      this.learningRate = lr;
      this.schedule = null;
      return self();
    }

    /** A learning rate that follows {@code schedule} (asked at every step). */
    public B learningRate(LearningRateSchedule schedule) {
      this.schedule = Objects.requireNonNull(schedule, "schedule");
      return self();
    }

    /** Clips every gradient element to {@code [-value, value]} (Keras's clipvalue). */
    public B clipValue(double value) {
      this.clipValue = positive("clipValue", value);
      return self();
    }

    /** Rescales each gradient whose L2 norm exceeds {@code norm} to that norm (Keras's clipnorm). */
    public B clipNorm(double norm) {
      this.clipNorm = positive("clipNorm", norm);
      return self();
    }

    /** Rescales all gradients together when their global L2 norm exceeds {@code norm} (Keras's global_clipnorm). */
    public B globalClipNorm(double norm) {
      this.globalClipNorm = positive("globalClipNorm", norm);
      return self();
    }

    public abstract Optimizer build();
  }

  static double positive(String name, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new InvalidArgumentException(name + " must be finite and > 0, got " + v);
    }
    return v;
  }

  static double nonNegative(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new InvalidArgumentException(name + " must be finite and >= 0, got " + v);
    }
    return v;
  }

  protected Optimizer(Builder<?> b) {
    this.learningRate = nonNegative("learningRate", b.learningRate);
    this.schedule = b.schedule;
    this.clipValue = b.clipValue;
    this.clipNorm = b.clipNorm;
    this.globalClipNorm = b.globalClipNorm;
  }

  // ---- learning rate and counters ----

  /** Sets a constant learning rate for the next steps (replacing any schedule). */
  public void setLearningRate(double lr) {
    this.learningRate = nonNegative("learningRate", lr);
    this.schedule = null;
  }

  /** Makes the learning rate follow {@code schedule} from the next step. */
  public void setLearningRate(LearningRateSchedule schedule) {
    this.schedule = Objects.requireNonNull(schedule, "schedule");
  }

  /** The learning rate the next step will use. */
  public double learningRate() {
    return schedule != null ? schedule.at(iterations) : learningRate;
  }

  /** Number of steps taken so far (Keras's {@code optimizer.iterations}). */
  public long iterations() {
    return iterations;
  }

  // ---- the update ----

  /** The state slots of this optimizer, e.g. {"m", "v"}; created for each parameter on its first update. */
  protected abstract String[] slotNames();

  /** The initial value of slot {@code k} (0 for most; Adagrad's accumulator starts at 0.1 as in Keras). */
  protected double initialValue(int slot) {
    return 0;
  }

  /**
   * Applies this optimizer's fused update to {@code param} in place.
   *
   * @param lr the learning rate of this step
   * @param step the 1-based number of this update (iterations + 1)
   */
  protected abstract void update(Tensor param, Tensor grad, Tensor[] state, double lr, long step);

  /**
   * One update of every parameter of {@code params} that has a gradient (those without one are skipped), then
   * {@link #iterations()} grows by one. Parameters must be contiguous f32 or f64 tensors that share no storage.
   */
  public void step(List<Tensor> params) {
    checkOpen();
    Objects.requireNonNull(params, "params");
    double lr = learningRate();
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new InvalidArgumentException("learning rate must be finite and >= 0, got " + lr + " at step " + iterations);
    }
    try (Scope scope = Neurite.scope(); Neurite.NoGrad noGrad = Neurite.noGrad()) {
      List<Tensor> ps = new ArrayList<>(), gs = new ArrayList<>();
      for (Tensor p : params) {
        Objects.requireNonNull(p, "a parameter");
        Tensor g = p.grad();
        if (g == null) {
          continue;
        }
        if (!Double.isNaN(clipValue)) {
          g = g.clip(-clipValue, clipValue);
        }
        if (!Double.isNaN(clipNorm)) {
          g = scaleToNorm(g, norm(g), clipNorm);
        }
        ps.add(p);
        gs.add(g);
      }
      if (!Double.isNaN(globalClipNorm) && !gs.isEmpty()) {
        double n = norm(gs.toArray(new Tensor[0]));
        for (int i = 0; i < gs.size(); i++) {
          gs.set(i, scaleToNorm(gs.get(i), n, globalClipNorm));
        }
      }
      for (int i = 0; i < ps.size(); i++) {
        update(ps.get(i), gs.get(i), slotsOf(ps.get(i)), lr, iterations + 1);
      }
    }
    iterations++;
  }

  /** The L2 norm of all elements of {@code tensors} together (the engine's global_norm, accumulated in f64). */
  static double norm(Tensor... tensors) {
    Tensor[] out = Ops.call("global_norm", Attrs.of(), tensors);
    try {
      return out[0].item();
    } finally {
      out[0].close();
    }
  }

  private static Tensor scaleToNorm(Tensor g, double norm, double max) {
    return norm > max ? g.mul(max / norm) : g;
  }

  private Tensor[] slotsOf(Tensor p) {
    Tensor[] s = slots.get(p);
    if (s != null) {
      return s;
    }
    int index = order.size();
    String[] names = slotNames();
    s = new Tensor[names.length];
    Device device = p.device();  // state lives with its parameter
    for (int k = 0; k < names.length; k++) {
      Tensor saved = pending.remove(index + "/" + names[k]);
      if (saved != null) {
        if (saved.dtype() != p.dtype() || !java.util.Arrays.equals(saved.shape(), p.shape())) {
          String got = saved.dtype() + java.util.Arrays.toString(saved.shape());
          saved.close();
          throw new InvalidArgumentException("loadState: slot '" + index + "/" + names[k] + "' is " + got
              + " but parameter " + index + " is " + p.dtype() + java.util.Arrays.toString(p.shape()));
        }
        try {
          NativeAccess.moveAll(List.of(saved), device);
        } catch (RuntimeException e) {
          saved.close();
          throw e;
        }
        s[k] = saved;
      } else {
        double init = initialValue(k);
        DType dt = p.dtype();
        long[] shape = p.shape();
        Device previous = device.isCpu() ? null : NativeAccess.useDefaultDevice(device);
        try {
          s[k] = untracked(() -> Ops.full(init, dt, shape));
        } finally {
          if (previous != null) {
            NativeAccess.useDefaultDevice(previous);
          }
        }
      }
    }
    slots.put(p, s);
    order.add(p);
    return s;
  }

  // ---- devices ----

  /**
   * Moves the state this optimizer holds (moments, accumulators, state restored by {@link #loadState}) to
   * {@code device} in place, all or nothing; state created later is created on its parameter's device. A model's
   * {@code to(device)} calls this for its optimizer.
   *
   * <pre>{@code
   * model.to(Device.cuda(0));            // moves the weights and model.optimizer()'s state
   * }</pre>
   */
  public void to(Device device) {
    checkOpen();
    Objects.requireNonNull(device, "device");
    List<Tensor> all = new ArrayList<>();
    for (Tensor p : order) {
      all.addAll(List.of(slots.get(p)));
    }
    all.addAll(pending.values());
    NativeAccess.moveAll(all, device);
  }

  // ---- saving and resuming ----

  /**
   * A snapshot of the optimizer: {@code "iterations"} (an i64 scalar) and one entry {@code "<i>/<slot>"} per state
   * tensor, i the parameter's position in the order {@link #step} first saw them. The tensors are copies the caller
   * owns (they belong to the caller's {@link Scope}, if one is open).
   */
  public Map<String, Tensor> state() {
    checkOpen();
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("iterations", Tensor.of(new long[] {iterations}));
    String[] names = slotNames();
    try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
      for (int i = 0; i < order.size(); i++) {
        Tensor[] s = slots.get(order.get(i));
        for (int k = 0; k < names.length; k++) {
          out.put(i + "/" + names[k], s[k].mul(1.0));
        }
      }
    }
    return out;
  }

  /**
   * Restores a {@link #state()} snapshot (copying it; the caller keeps its tensors): the iteration count, and the
   * state of parameter i, used from the next {@link #step} whose list holds that parameter at position i. Replaces
   * any state this optimizer already has.
   */
  public void loadState(Map<String, Tensor> state) {
    checkOpen();
    Objects.requireNonNull(state, "state");
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      String key = e.getKey();
      if (!key.equals("iterations") && !key.matches("\\d+/[A-Za-z_]+")) {
        throw new InvalidArgumentException("loadState: unknown entry '" + key + "'");
      }
    }
    clearState();
    Tensor it = state.get("iterations");
    if (it != null) {
      iterations = (long) it.item();
    }
    try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
      for (Map.Entry<String, Tensor> e : state.entrySet()) {
        if (!e.getKey().equals("iterations")) {
          Tensor src = e.getValue();
          pending.put(e.getKey(), untracked(() -> src.mul(1.0)));
        }
      }
    }
  }

  private void clearState() {
    for (Tensor[] s : slots.values()) {
      for (Tensor t : s) {
        t.close();
      }
    }
    slots.clear();
    order.clear();
    for (Tensor t : pending.values()) {
      t.close();
    }
    pending.clear();
  }

  /** Frees every state tensor. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      clearState();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(getClass().getSimpleName() + " is closed");
    }
  }

  static Tensor untracked(Supplier<Tensor> make) {
    return Scope.untracked(make::get);
  }
}
