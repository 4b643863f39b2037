package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.Tensor;
import org.neurite.nn.Activation;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
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
  private final KernelLayerBuilder.Options options;
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
    this.options = b.options();
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  public static Builder builder(long units) {
    return new Builder(units);
  }

  /** Options of {@link Dense}: the units, and the kernel, bias and activation options of {@link KernelLayerBuilder}. */
  public static final class Builder extends KernelLayerBuilder<Builder, Dense> {
    private final long units;

    private Builder(long units) {
      this.units = units;
    }

    @Override
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
    kernel = addWeight("kernel", new long[] {in, units}, options.kernelInit(), options.kernelReg(), true);
    if (options.useBias()) {
      bias = addWeight("bias", new long[] {units}, options.biasInit(), options.biasReg(), true);
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
    return options.addBiasAndActivate(x.matmul(kernel.value()), bias);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("units", units);
    options.writeConfig(c);
    return c;
  }

  public static Dense fromConfig(Map<String, Object> c) {
    return Layers.withBase(builder(((Number) c.get("units")).longValue()).fromConfig(c).build(), c);
  }
}
