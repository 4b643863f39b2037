package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.Attrs;
import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.Ops;
import org.neurite.Tensor;
import org.neurite.init.Initializer;
import org.neurite.init.Ones;
import org.neurite.init.Zeros;
import org.neurite.nn.Initializers;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Regularizer;
import org.neurite.nn.Shapes;

/**
 * Batch normalisation over one feature axis, as Keras 3's {@code BatchNormalization}: in training mode it normalises
 * with the batch's mean and (biased) variance and moves the non-trainable {@code moving_mean} and
 * {@code moving_variance} towards them ({@code moving = moving·momentum + batch·(1 - momentum)}); in inference mode it
 * uses the moving statistics. Weights, in Keras's order: {@code gamma} (when {@code scale}), {@code beta} (when
 * {@code center}), {@code moving_mean}, {@code moving_variance}, each of the size of the normalised axis.
 *
 * <p>A frozen layer ({@code setTrainable(false)}) runs in inference mode even when called with {@code training}, as
 * Keras 3 does, so fine-tuning a model around it neither changes nor uses batch statistics.
 *
 * <pre>{@code
 * BatchNormalization bn = new BatchNormalization();                 // axis -1, momentum 0.99, epsilon 1e-3
 * Tensor y = bn.apply(x, true);                                      // batch statistics, moving averages updated
 * BatchNormalization channels = BatchNormalization.builder().axis(1).momentum(0.9).build();
 * }</pre>
 */
public final class BatchNormalization extends Layer {
  private final int axis;
  private final double momentum, epsilon;
  private final boolean center, scale;
  private final Initializer betaInit, gammaInit, movingMeanInit, movingVarianceInit;
  private final Regularizer betaReg, gammaReg;
  private Parameter gamma, beta, movingMean, movingVariance;
  private int resolvedAxis;
  private Attrs attrs;

  public BatchNormalization() {
    this(builder());
  }

  private BatchNormalization(Builder b) {
    super(b.name);
    if (!(b.momentum >= 0 && b.momentum <= 1)) {
      throw new InvalidArgumentException("BatchNormalization: momentum must be in [0, 1], got " + b.momentum);
    }
    if (!(b.epsilon > 0)) {
      throw new InvalidArgumentException("BatchNormalization: epsilon must be > 0, got " + b.epsilon);
    }
    this.axis = b.axis;
    this.momentum = b.momentum;
    this.epsilon = b.epsilon;
    this.center = b.center;
    this.scale = b.scale;
    this.betaInit = b.betaInit;
    this.gammaInit = b.gammaInit;
    this.movingMeanInit = b.movingMeanInit;
    this.movingVarianceInit = b.movingVarianceInit;
    this.betaReg = b.betaReg;
    this.gammaReg = b.gammaReg;
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of {@link BatchNormalization}, with Keras's defaults. */
  public static final class Builder {
    private String name;
    private int axis = -1;
    private double momentum = 0.99, epsilon = 1e-3;
    private boolean center = true, scale = true, trainable = true;
    private Initializer betaInit = new Zeros(), gammaInit = new Ones(), movingMeanInit = new Zeros(),
        movingVarianceInit = new Ones();
    private Regularizer betaReg, gammaReg;

    private Builder() {}

    public Builder name(String name) { this.name = name; return this; }
    /** The feature axis that keeps its own statistics (negative counts from the end; the batch axis 0 is not allowed). */
    public Builder axis(int axis) { this.axis = axis; return this; }
    public Builder momentum(double momentum) { this.momentum = momentum; return this; }
    public Builder epsilon(double epsilon) { this.epsilon = epsilon; return this; }
    public Builder center(boolean center) { this.center = center; return this; }
    public Builder scale(boolean scale) { this.scale = scale; return this; }
    public Builder betaInitializer(Initializer i) { this.betaInit = i; return this; }
    public Builder gammaInitializer(Initializer i) { this.gammaInit = i; return this; }
    public Builder movingMeanInitializer(Initializer i) { this.movingMeanInit = i; return this; }
    public Builder movingVarianceInitializer(Initializer i) { this.movingVarianceInit = i; return this; }
    public Builder betaRegularizer(Regularizer r) { this.betaReg = r; return this; }
    public Builder gammaRegularizer(Regularizer r) { this.gammaReg = r; return this; }
    public Builder trainable(boolean t) { this.trainable = t; return this; }

    public BatchNormalization build() {
      return new BatchNormalization(this);
    }
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  public Parameter movingMean() {
    return movingMean;
  }

  public Parameter movingVariance() {
    return movingVariance;
  }

  private int resolve(long[] shape) {
    return Shapes.featureAxis(axis, shape, "cannot be normalised over");
  }

  @Override
  protected void build(long[] inputShape) {
    resolvedAxis = resolve(inputShape);
    long c = Shapes.knownFeatureSize(axis, resolvedAxis, inputShape);
    long[] shape = {c};
    if (scale) {
      gamma = addWeight("gamma", shape, gammaInit, gammaReg, true);
    }
    if (center) {
      beta = addWeight("beta", shape, betaInit, betaReg, true);
    }
    movingMean = addWeight("moving_mean", shape, movingMeanInit, null, false);
    movingVariance = addWeight("moving_variance", shape, movingVarianceInit, null, false);
    attrs = Attrs.of().set("axis", resolvedAxis).set("epsilon", epsilon);
  }

  @Override
  protected long[] inputSpec(long[] builtShape) {
    long[] spec = new long[builtShape.length];
    java.util.Arrays.fill(spec, -1);
    int a = resolve(builtShape);
    spec[a] = builtShape[a];
    return spec;
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    if (x.dtype() != DType.F32 && x.dtype() != DType.F64) {
      throw new InvalidArgumentException("expected a floating-point input, got " + x.dtype());
    }
    long c = movingMean.value().size();
    Tensor g = gamma != null ? gamma.value() : Ops.ones(x.dtype(), c);
    Tensor b = beta != null ? beta.value() : Ops.zeros(x.dtype(), c);
    // Keras 3: a frozen BN layer always normalises with its moving statistics.
    if (!training || !isTrainable()) {
      return Ops.call("batch_norm_inference", attrs, x, g, b, movingMean.value(), movingVariance.value())[0];
    }
    Tensor[] out = Ops.call("batch_norm_train", attrs, x, g, b);
    try (Neurite.NoGrad ignored = Neurite.noGrad()) {
      movingMean.assign(movingMean.value().mul(momentum).add(out[1].mul(1 - momentum)));
      movingVariance.assign(movingVariance.value().mul(momentum).add(out[2].mul(1 - momentum)));
    }
    return out[0];
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("axis", axis);
    c.put("momentum", momentum);
    c.put("epsilon", epsilon);
    c.put("center", center);
    c.put("scale", scale);
    c.put("beta_initializer", Initializers.configOf(betaInit));
    c.put("gamma_initializer", Initializers.configOf(gammaInit));
    c.put("moving_mean_initializer", Initializers.configOf(movingMeanInit));
    c.put("moving_variance_initializer", Initializers.configOf(movingVarianceInit));
    c.put("beta_regularizer", Regularizer.configOf(betaReg));
    c.put("gamma_regularizer", Regularizer.configOf(gammaReg));
    return c;
  }

  public static BatchNormalization fromConfig(Map<String, Object> c) {
    return Layers.withBase(builder()
        .name((String) c.get("name"))
        .axis(Layers.integer(c, "axis", -1))
        .momentum(Layers.number(c, "momentum", 0.99))
        .epsilon(Layers.number(c, "epsilon", 1e-3))
        .center(Layers.bool(c, "center", true))
        .scale(Layers.bool(c, "scale", true))
        .betaInitializer(Initializers.fromConfig(c.get("beta_initializer"), new Zeros()))
        .gammaInitializer(Initializers.fromConfig(c.get("gamma_initializer"), new Ones()))
        .movingMeanInitializer(Initializers.fromConfig(c.get("moving_mean_initializer"), new Zeros()))
        .movingVarianceInitializer(Initializers.fromConfig(c.get("moving_variance_initializer"), new Ones()))
        .betaRegularizer(Regularizer.fromConfig(c.get("beta_regularizer")))
        .gammaRegularizer(Regularizer.fromConfig(c.get("gamma_regularizer")))
        .build(), c);
  }
}
