package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.Attrs;
import org.neurite.InvalidArgumentException;
import org.neurite.Ops;
import org.neurite.ShapeException;
import org.neurite.Tensor;
import org.neurite.nn.Activation;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Padding;
import org.neurite.nn.Parameter;
import org.neurite.nn.Shapes;

/**
 * A 2-D convolution over NHWC images, as Keras's {@code Conv2D}: kernel {@code [KH, KW, C, filters]} (Glorot uniform),
 * bias {@code [filters]}, strides, dilation, valid or same padding, then the activation.
 *
 * <pre>{@code
 * Conv2D conv = new Conv2D(32, 3, Activation.RELU);                        // 3x3, valid, stride 1
 * Conv2D down = Conv2D.builder(64, 3).strides(2).padding(Padding.SAME).build();
 * }</pre>
 */
public final class Conv2D extends Layer {
  private final long filters;
  private final long[] kernelSize, strides, dilation;
  private final Padding padding;
  private final KernelLayerBuilder.Options options;
  private Parameter kernel, bias;
  private Attrs attrs;

  public Conv2D(long filters, long kernelSize) {
    this(builder(filters, kernelSize));
  }

  public Conv2D(long filters, long kernelSize, Activation activation) {
    this(builder(filters, kernelSize).activation(activation));
  }

  private Conv2D(Builder b) {
    super(b.name);
    if (b.filters <= 0) {
      throw new InvalidArgumentException("Conv2D: filters must be > 0, got " + b.filters);
    }
    this.filters = b.filters;
    this.kernelSize = positive("kernelSize", b.kernelSize);
    this.strides = positive("strides", b.strides);
    this.dilation = positive("dilationRate", b.dilation);
    this.padding = b.padding;
    this.options = b.options();
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  static long[] positive(String what, long[] v) {
    if (v.length != 2 || v[0] <= 0 || v[1] <= 0) {
      throw new InvalidArgumentException("Conv2D: " + what + " must be two values > 0, got " + Shapes.str(v));
    }
    return v.clone();
  }

  public static Builder builder(long filters, long kernelSize) {
    return new Builder(filters, new long[] {kernelSize, kernelSize});
  }

  public static Builder builder(long filters, long kernelHeight, long kernelWidth) {
    return new Builder(filters, new long[] {kernelHeight, kernelWidth});
  }

  /** Options of {@link Conv2D}: its own, and the kernel, bias and activation options of {@link KernelLayerBuilder}. */
  public static final class Builder extends KernelLayerBuilder<Builder, Conv2D> {
    private final long filters;
    private final long[] kernelSize;
    private long[] strides = {1, 1}, dilation = {1, 1};
    private Padding padding = Padding.VALID;

    private Builder(long filters, long[] kernelSize) {
      this.filters = filters;
      this.kernelSize = kernelSize;
    }

    public Builder strides(long s) { this.strides = new long[] {s, s}; return this; }
    public Builder strides(long sh, long sw) { this.strides = new long[] {sh, sw}; return this; }
    public Builder dilationRate(long d) { this.dilation = new long[] {d, d}; return this; }
    public Builder padding(Padding p) { this.padding = p; return this; }

    @Override
    public Conv2D build() {
      return new Conv2D(this);
    }
  }

  public Parameter kernel() {
    return kernel;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  protected void build(long[] inputShape) {
    if (inputShape.length != 4) {
      throw new ShapeException("expected NHWC input of rank 4 [batch, height, width, channels], got " + Shapes.str(inputShape));
    }
    long c = Shapes.lastDim(name(), inputShape);
    kernel = addWeight("kernel", new long[] {kernelSize[0], kernelSize[1], c, filters}, options.kernelInit(),
        options.kernelReg(), true);
    if (options.useBias()) {
      bias = addWeight("bias", new long[] {filters}, options.biasInit(), options.biasReg(), true);
    }
    attrs = Attrs.of().set("strides", strides).set("padding", padding.code()).set("dilations", dilation);
  }

  @Override
  public long[] outputShape(long[] in) {
    if (in.length != 4) {
      throw new ShapeException(name() + ": expected NHWC input of rank 4, got " + Shapes.str(in));
    }
    long oh = padding.outputLength(in[1], (kernelSize[0] - 1) * dilation[0] + 1, strides[0]);
    long ow = padding.outputLength(in[2], (kernelSize[1] - 1) * dilation[1] + 1, strides[1]);
    if (oh == 0 || ow == 0) {
      throw new ShapeException(name() + ": a " + kernelSize[0] + "x" + kernelSize[1] + " kernel does not fit input "
          + Shapes.str(in) + " with valid padding");
    }
    return new long[] {in[0], oh, ow, filters};
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    return options.addBiasAndActivate(Ops.call("conv2d", attrs, x, kernel.value())[0], bias);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("filters", filters);
    c.put("kernel_size", Layers.list(kernelSize));
    c.put("strides", Layers.list(strides));
    c.put("padding", padding.kerasName());
    c.put("dilation_rate", Layers.list(dilation));
    options.writeConfig(c);
    return c;
  }

  public static Conv2D fromConfig(Map<String, Object> c) {
    long[] k = Layers.longs(c.get("kernel_size")), s = Layers.longs(c.get("strides")), d = Layers.longs(c.get("dilation_rate"));
    Builder b = builder(((Number) c.get("filters")).longValue(), k[0], k[1])
        .strides(s[0], s[1])
        .padding(Padding.forName((String) c.get("padding")))
        .fromConfig(c);
    b.dilation = d;
    return Layers.withBase(b.build(), c);
  }
}
