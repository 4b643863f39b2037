package org.neurite.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.neurite.InvalidArgumentException;
import org.neurite.Ops;
import org.neurite.ShapeException;
import org.neurite.Tensor;
import org.neurite.init.GlorotUniform;
import org.neurite.init.Initializer;
import org.neurite.init.Orthogonal;
import org.neurite.init.Zeros;
import org.neurite.nn.Initializers;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Regularizer;
import org.neurite.nn.Shapes;

/**
 * What {@link SimpleRNN}, {@link LSTM} and {@link GRU} share, as Keras's {@code RNN} wrapper: an input
 * {@code [N, T, F]} is read one time step at a time, each step one fused engine cell op (whose gradient the engine
 * knows), from zero initial states. Weights, with Keras's names and layouts: {@code kernel [F, gates·units]} (Glorot
 * uniform), {@code recurrent_kernel [units, gates·units]} (orthogonal), {@code bias} (zeros; a cell without
 * {@code useBias} runs with a zero bias that is not a weight).
 *
 * <p>The output is the last hidden state {@code [N, units]}, or every step's {@code [N, T, units]} with
 * {@code returnSequences}. With {@code returnState} the layer has more outputs, as Keras: the output, then the final
 * states ({@code h}; {@code h, c} for an LSTM), each {@code [N, units]}; use {@link #applyAll} for them. The sequence
 * length T may change from call to call; F may not.
 *
 * <pre>{@code
 * LSTM encoder = LSTM.builder(32).returnSequences(true).build();
 * Tensor seq = encoder.apply(Tensor.zeros(8, 20, 5));                   // [8, 20, 32]
 * List<Tensor> outAndState = LSTM.builder(32).returnState(true).build()
 *     .applyAll(List.of(Tensor.zeros(8, 20, 5)), false);                // output, h, c
 * }</pre>
 */
public abstract class Recurrent extends Layer {
  private final long units;
  private final boolean useBias, returnSequences, returnState;
  private final Initializer kernelInit, recurrentInit, biasInit;
  private final Regularizer kernelReg, recurrentReg, biasReg;
  private Parameter kernel, recurrentKernel, bias;

  Recurrent(Builder<?, ?> b) {
    super(b.name);
    if (b.units <= 0) {
      throw new InvalidArgumentException(getClass().getSimpleName() + ": units must be > 0, got " + b.units);
    }
    this.units = b.units;
    this.useBias = b.useBias;
    this.returnSequences = b.returnSequences;
    this.returnState = b.returnState;
    this.kernelInit = b.kernelInit;
    this.recurrentInit = b.recurrentInit;
    this.biasInit = b.biasInit;
    this.kernelReg = b.kernelReg;
    this.recurrentReg = b.recurrentReg;
    this.biasReg = b.biasReg;
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  /**
   * The options every recurrent layer has, with Keras's defaults.
   *
   * @param <B> the concrete builder, so chained calls keep its type
   * @param <L> the layer it builds
   */
  @SuppressWarnings("unchecked")
  public abstract static class Builder<B extends Builder<B, L>, L extends Recurrent> {
    final long units;
    String name;
    boolean useBias = true, returnSequences, returnState, trainable = true;
    Initializer kernelInit = new GlorotUniform(), recurrentInit = new Orthogonal(), biasInit = new Zeros();
    Regularizer kernelReg, recurrentReg, biasReg;

    Builder(long units) {
      this.units = units;
    }

    public B name(String name) { this.name = name; return (B) this; }
    public B useBias(boolean u) { this.useBias = u; return (B) this; }
    /** Output every step's hidden state {@code [N, T, units]} instead of the last one. */
    public B returnSequences(boolean r) { this.returnSequences = r; return (B) this; }
    /** Also output the final states (h, and c for an LSTM) after the output. */
    public B returnState(boolean r) { this.returnState = r; return (B) this; }
    public B kernelInitializer(Initializer i) { this.kernelInit = i; return (B) this; }
    public B recurrentInitializer(Initializer i) { this.recurrentInit = i; return (B) this; }
    public B biasInitializer(Initializer i) { this.biasInit = i; return (B) this; }
    public B kernelRegularizer(Regularizer r) { this.kernelReg = r; return (B) this; }
    public B recurrentRegularizer(Regularizer r) { this.recurrentReg = r; return (B) this; }
    public B biasRegularizer(Regularizer r) { this.biasReg = r; return (B) this; }
    public B trainable(boolean t) { this.trainable = t; return (B) this; }

    /** Reads the shared keys of a Keras config into this builder. */
    B fromConfig(Map<String, Object> c) {
      return name((String) c.get("name"))
          .useBias(Layers.bool(c, "use_bias", true))
          .returnSequences(Layers.bool(c, "return_sequences", false))
          .returnState(Layers.bool(c, "return_state", false))
          .kernelInitializer(Initializers.fromConfig(c.get("kernel_initializer"), new GlorotUniform()))
          .recurrentInitializer(Initializers.fromConfig(c.get("recurrent_initializer"), new Orthogonal()))
          .biasInitializer(Initializers.fromConfig(c.get("bias_initializer"), new Zeros()))
          .kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")))
          .recurrentRegularizer(Regularizer.fromConfig(c.get("recurrent_regularizer")))
          .biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
    }

    public abstract L build();
  }

  public final long units() {
    return units;
  }

  public final Parameter kernel() {
    return kernel;
  }

  public final Parameter recurrentKernel() {
    return recurrentKernel;
  }

  /** The bias, or null without {@code useBias}. */
  public final Parameter bias() {
    return bias;
  }

  // ---- what each cell defines ----

  /** The number of gate blocks along the kernels' last axis (1, 4 or 3). */
  abstract int gates();

  /** The shape of the bias weight for this many units. */
  abstract long[] biasShape(long units);

  /** The initializer of the bias (LSTM's unit forget bias wraps the configured one). */
  Initializer biasInitializer(Initializer configured) {
    return configured;
  }

  /** The number of state tensors carried between steps (1; 2 for an LSTM). */
  abstract int stateCount();

  /** One time step: the new states (the hidden state first) from the step's input {@code x [N, F]}. */
  abstract Tensor[] step(Tensor x, Tensor[] states, Tensor w, Tensor u, Tensor b);

  // ---- the layer ----

  @Override
  protected final void build(long[] inputShape) {
    if (inputShape.length != 3) {
      throw new ShapeException("expected input of rank 3 [batch, time, features], got " + Shapes.str(inputShape));
    }
    long f = Shapes.lastDim(name(), inputShape);
    long g = gates() * units;
    kernel = addWeight("kernel", new long[] {f, g}, kernelInit, kernelReg, true);
    recurrentKernel = addWeight("recurrent_kernel", new long[] {units, g}, recurrentInit, recurrentReg, true);
    if (useBias) {
      bias = addWeight("bias", biasShape(units), biasInitializer(biasInit), biasReg, true);
    }
  }

  @Override
  public final List<long[]> outputShapes(List<long[]> inputShapes) {
    if (inputShapes.size() != 1) {
      throw new InvalidArgumentException("expected one input, got " + inputShapes.size());
    }
    long[] in = inputShapes.get(0);
    if (in.length != 3) {
      throw new ShapeException(name() + ": expected input of rank 3 [batch, time, features], got " + Shapes.str(in));
    }
    List<long[]> out = new ArrayList<>();
    out.add(returnSequences ? new long[] {in[0], in[1], units} : new long[] {in[0], units});
    if (returnState) {
      for (int i = 0; i < stateCount(); i++) {
        out.add(new long[] {in[0], units});
      }
    }
    return out;
  }

  @Override
  public final long[] outputShape(long[] inputShape) {
    return outputShapes(List.of(inputShape)).get(0);
  }

  /**
   * Zeros of shape [batch, units] whose batch follows x's through ops, not a number: a traced graph (a saved model)
   * then replays at any batch size, where {@code zeros(n, units)} would have frozen the batch it was traced at. Made
   * by a select that never takes x's values, so a NaN in x does not reach the state.
   */
  private Tensor zeroState(Tensor x) {
    Tensor column = x.slice(1, 0, 1, 1).slice(2, 0, 1, 1).squeeze(1);  // [batch, 1]
    return Ops.where(Tensor.of(new boolean[] {false}), column, Ops.zeros(x.dtype())).add(Ops.zeros(x.dtype(), 1, units));
  }

  @Override
  protected final List<Tensor> call(List<Tensor> inputs, boolean training) {
    if (inputs.size() != 1) {
      throw new InvalidArgumentException("expected one input, got " + inputs.size());
    }
    Tensor x = inputs.get(0);
    long steps = x.dim(1);
    if (steps == 0) {
      throw new ShapeException("cannot run over a sequence of length 0, input " + Shapes.str(x.shape()));
    }
    Tensor b = bias != null ? bias.value() : Ops.zeros(x.dtype(), biasShape(units));
    Tensor[] states = new Tensor[stateCount()];
    Tensor zeroState = zeroState(x);
    for (int i = 0; i < states.length; i++) {
      states[i] = zeroState;
    }
    Tensor[] seq = returnSequences ? new Tensor[(int) steps] : null;
    for (long t = 0; t < steps; t++) {
      Tensor xt = x.slice(1, t, t + 1, 1).squeeze(1);
      states = step(xt, states, kernel.value(), recurrentKernel.value(), b);
      if (seq != null) {
        seq[(int) t] = states[0];
      }
    }
    List<Tensor> out = new ArrayList<>();
    out.add(seq != null ? Ops.stack(1, seq) : states[0]);
    if (returnState) {
      out.addAll(List.of(states));
    }
    return out;
  }

  /** The keys every recurrent layer shares; subclasses add theirs (activation, unit_forget_bias, reset_after). */
  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("units", units);
    c.put("use_bias", useBias);
    c.put("return_sequences", returnSequences);
    c.put("return_state", returnState);
    c.put("kernel_initializer", Initializers.configOf(kernelInit));
    c.put("recurrent_initializer", Initializers.configOf(recurrentInit));
    c.put("bias_initializer", Initializers.configOf(biasInit));
    c.put("kernel_regularizer", Regularizer.configOf(kernelReg));
    c.put("recurrent_regularizer", Regularizer.configOf(recurrentReg));
    c.put("bias_regularizer", Regularizer.configOf(biasReg));
    return c;
  }

  static long units(Map<String, Object> c) {
    return ((Number) c.get("units")).longValue();
  }

  /** Rejects a config asking for an activation this cell's fused op does not compute. */
  static void requireActivation(Map<String, Object> c, String key, String only, String layer) {
    Object v = c.get(key);
    if (v != null && !only.equals(v)) {
      throw new InvalidArgumentException(layer + ": " + key + " must be '" + only + "' (the engine's fused cell), got '"
          + v + "'");
    }
  }
}
