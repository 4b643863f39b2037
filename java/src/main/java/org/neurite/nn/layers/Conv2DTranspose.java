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
 * A transposed 2-D convolution (the gradient of a convolution with respect to its input, used to upsample), over
 * NHWC images, as Keras's {@code Conv2DTranspose}: kernel {@code [KH, KW, filters, C]} (Keras's layout, Glorot
 * uniform), bias {@code [filters]}, strides, dilation, valid or same padding and optional output padding, then the
 * activation. The output size along each axis is Keras's {@code deconv_output_length}: {@code in·stride} with same
 * padding, {@code in·stride + max(k - stride, 0)} with valid, or {@code (in - 1)·stride + k - 2·pad + outputPadding}
 * when an output padding is given.
 *
 * <pre>{@code
 * Conv2DTranspose up = Conv2DTranspose.builder(16, 3).strides(2).padding(Padding.SAME).build();
 * Tensor y = up.apply(Tensor.zeros(1, 7, 7, 32));                       // [1, 14, 14, 16]
 * }</pre>
 */
public final class Conv2DTranspose extends Layer {
  private final long filters;
  private final long[] kernelSize, strides, dilation, outputPadding;
  private final Padding padding;
  private final KernelLayerBuilder.Options options;
  private Parameter kernel, bias;
  private Attrs attrs;

  public Conv2DTranspose(long filters, long kernelSize) {
    this(builder(filters, kernelSize));
  }

  public Conv2DTranspose(long filters, long kernelSize, Activation activation) {
    this(builder(filters, kernelSize).activation(activation));
  }

  private Conv2DTranspose(Builder b) {
    super(b.name);
    if (b.filters <= 0) {
      throw new InvalidArgumentException("Conv2DTranspose: filters must be > 0, got " + b.filters);
    }
    this.filters = b.filters;
    this.kernelSize = pair("kernelSize", b.kernelSize, 1);
    this.strides = pair("strides", b.strides, 1);
    this.dilation = pair("dilationRate", b.dilation, 1);
    this.outputPadding = b.outputPadding == null ? null : pair("outputPadding", b.outputPadding, 0);
    if (outputPadding != null && (outputPadding[0] >= strides[0] || outputPadding[1] >= strides[1])) {
      throw new InvalidArgumentException("Conv2DTranspose: outputPadding " + Shapes.str(outputPadding)
          + " must be less than strides " + Shapes.str(strides));
    }
    this.padding = b.padding;
    this.options = b.options();
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  private static long[] pair(String what, long[] v, long min) {
    if (v.length != 2 || v[0] < min || v[1] < min) {
      throw new InvalidArgumentException("Conv2DTranspose: " + what + " must be two values >= " + min + ", got "
          + Shapes.str(v));
    }
    return v.clone();
  }

  public static Builder builder(long filters, long kernelSize) {
    return new Builder(filters, new long[] {kernelSize, kernelSize});
  }

  public static Builder builder(long filters, long kernelHeight, long kernelWidth) {
    return new Builder(filters, new long[] {kernelHeight, kernelWidth});
  }

  /**
   * Options of {@link Conv2DTranspose}, with Keras's defaults: its own, and the kernel, bias and activation options of
   * {@link KernelLayerBuilder}.
   */
  public static final class Builder extends KernelLayerBuilder<Builder, Conv2DTranspose> {
    private final long filters;
    private final long[] kernelSize;
    private long[] strides = {1, 1}, dilation = {1, 1}, outputPadding;
    private Padding padding = Padding.VALID;

    private Builder(long filters, long[] kernelSize) {
      this.filters = filters;
      this.kernelSize = kernelSize;
    }

    public Builder strides(long s) { this.strides = new long[] {s, s}; return this; }
    public Builder strides(long sh, long sw) { this.strides = new long[] {sh, sw}; return this; }
    public Builder dilationRate(long d) { this.dilation = new long[] {d, d}; return this; }
    public Builder dilationRate(long dh, long dw) { this.dilation = new long[] {dh, dw}; return this; }
    /** Extra rows and columns on the bottom and right of the output (each less than its stride). */
    public Builder outputPadding(long ph, long pw) { this.outputPadding = new long[] {ph, pw}; return this; }
    public Builder padding(Padding p) { this.padding = p; return this; }

    @Override
    public Conv2DTranspose build() {
      return new Conv2DTranspose(this);
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
      throw new ShapeException("expected NHWC input of rank 4 [batch, height, width, channels], got "
          + Shapes.str(inputShape));
    }
    long c = Shapes.lastDim(name(), inputShape);
    kernel = addWeight("kernel", new long[] {kernelSize[0], kernelSize[1], filters, c}, options.kernelInit(),
        options.kernelReg(), true);
    if (options.useBias()) {
      bias = addWeight("bias", new long[] {filters}, options.biasInit(), options.biasReg(), true);
    }
    attrs = Attrs.of().set("strides", strides).set("padding", padding.code()).set("dilations", dilation);
    if (outputPadding != null) {
      attrs.set("output_padding", outputPadding);
    }
  }

  private long length(long in, int d) {
    if (in < 0) {
      return -1;
    }
    long k = (kernelSize[d] - 1) * dilation[d] + 1;
    if (outputPadding == null) {
      return padding == Padding.SAME ? in * strides[d] : in * strides[d] + Math.max(k - strides[d], 0);
    }
    long pad = padding == Padding.SAME ? k / 2 : 0;
    return (in - 1) * strides[d] + k - 2 * pad + outputPadding[d];
  }

  @Override
  public long[] outputShape(long[] in) {
    if (in.length != 4) {
      throw new ShapeException(name() + ": expected NHWC input of rank 4, got " + Shapes.str(in));
    }
    return new long[] {in[0], length(in[1], 0), length(in[2], 1), filters};
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    return options.addBiasAndActivate(Ops.call("conv2d_transpose", attrs, x, kernel.value())[0], bias);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("filters", filters);
    c.put("kernel_size", kernelSize.clone());
    c.put("strides", strides.clone());
    c.put("padding", padding.kerasName());
    c.put("output_padding", outputPadding == null ? null : outputPadding.clone());
    c.put("dilation_rate", dilation.clone());
    options.writeConfig(c);
    return c;
  }

  public static Conv2DTranspose fromConfig(Map<String, Object> c) {
    long[] k = Layers.longs(c.get("kernel_size")), s = Layers.longs(c.get("strides"));
    long[] d = Layers.longs(c.get("dilation_rate")), op = Layers.longs(c.get("output_padding"));
    Builder b = builder(((Number) c.get("filters")).longValue(), k[0], k[1])
        .strides(s[0], s[1])
        .padding(Padding.forName((String) c.get("padding")))
        .fromConfig(c);
    if (d != null) {
      b.dilationRate(d[0], d[1]);
    }
    if (op != null) {
      b.outputPadding(op[0], op[1]);
    }
    return Layers.withBase(b.build(), c);
  }
}
