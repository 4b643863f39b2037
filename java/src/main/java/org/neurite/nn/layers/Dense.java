package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.Tensor;
import org.neurite.init.GlorotUniform;
import org.neurite.init.Initializer;
import org.neurite.init.Zeros;
import org.neurite.nn.Activation;
import org.neurite.nn.Initializers;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Regularizer;
import org.neurite.nn.Shapes;

/**
 * A fully connected layer, {@code activation(x·kernel + bias)} over the last axis, as Keras's {@code Dense}: kernel
 * {@code [in, units]} (Glorot uniform), bias {@code [units]} (zeros).
 *
 * <pre>{@code
 * Dense hidden = new Dense(128, Activation.RELU);
 * Dense head = Dense.builder(10).useBias(false).kernelRegularizer(Regularizer.l2(1e-4)).build();
 * }</pre>
 */
public final class Dense extends Layer {
  private final long units;
  private final Activation activation;
  private final boolean useBias;
  private final Initializer kernelInit, biasInit;
  private final Regularizer kernelReg, biasReg;
  private Parameter kernel, bias;

  public Dense(long units) {
    this(builder(units));
  }

  public Dense(long units, Activation activation) {
    this(builder(units).activation(activation));
  }

  private Dense(Builder b) {
    super(b.name);
    if (b.units <= 0) {
      throw new org.neurite.InvalidArgumentException("Dense: units must be > 0, got " + b.units);
    }
    this.units = b.units;
    this.activation = b.activation;
    this.useBias = b.useBias;
    this.kernelInit = b.kernelInit;
    this.biasInit = b.biasInit;
    this.kernelReg = b.kernelReg;
    this.biasReg = b.biasReg;
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  public static Builder builder(long units) {
    return new Builder(units);
  }

  /** Options of {@link Dense}. */
  public static final class Builder {
    private final long units;
    private String name;
    private Activation activation = Activation.LINEAR;
    private boolean useBias = true, trainable = true;
    private Initializer kernelInit = new GlorotUniform(), biasInit = new Zeros();
    private Regularizer kernelReg, biasReg;

    private Builder(long units) {
      this.units = units;
    }

    public Builder name(String name) { this.name = name; return this; }
    public Builder activation(Activation a) { this.activation = a; return this; }
    public Builder useBias(boolean useBias) { this.useBias = useBias; return this; }
    public Builder kernelInitializer(Initializer i) { this.kernelInit = i; return this; }
    public Builder biasInitializer(Initializer i) { this.biasInit = i; return this; }
    public Builder kernelRegularizer(Regularizer r) { this.kernelReg = r; return this; }
    public Builder biasRegularizer(Regularizer r) { this.biasReg = r; return this; }
    public Builder trainable(boolean t) { this.trainable = t; return this; }

    public Dense build() {
      return new Dense(this);
    }
  }

  public long units() {
    return units;
  }

  public Parameter kernel() {
    return kernel;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  protected void build(long[] inputShape) {
    if (inputShape.length < 2) {
      throw new org.neurite.ShapeException("expected input of rank >= 2 ([batch, features]), got " + Shapes.str(inputShape));
    }
    long in = Shapes.lastDim(name(), inputShape);
    kernel = addWeight("kernel", new long[] {in, units}, kernelInit, kernelReg, true);
    if (useBias) {
      bias = addWeight("bias", new long[] {units}, biasInit, biasReg, true);
    }
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    long[] out = inputShape.clone();
    out[out.length - 1] = units;
    return out;
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    Tensor y = x.matmul(kernel.value());
    if (bias != null) {
      y = y.add(bias.value());
    }
    return activation.apply(y);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("units", units);
    c.put("activation", activation.kerasName());
    c.put("use_bias", useBias);
    c.put("kernel_initializer", Initializers.configOf(kernelInit));
    c.put("bias_initializer", Initializers.configOf(biasInit));
    c.put("kernel_regularizer", Regularizer.configOf(kernelReg));
    c.put("bias_regularizer", Regularizer.configOf(biasReg));
    return c;
  }

  public static Dense fromConfig(Map<String, Object> c) {
    return Layers.withBase(builder(((Number) c.get("units")).longValue())
        .name((String) c.get("name"))
        .activation(Activation.forName((String) c.get("activation")))
        .useBias(Layers.bool(c, "use_bias", true))
        .kernelInitializer(Initializers.fromConfig(c.get("kernel_initializer"), new GlorotUniform()))
        .biasInitializer(Initializers.fromConfig(c.get("bias_initializer"), new Zeros()))
        .kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")))
        .biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")))
        .build(), c);
  }
}
