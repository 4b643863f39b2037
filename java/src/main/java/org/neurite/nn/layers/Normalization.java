package org.neurite.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.Ops;
import org.neurite.Scope;
import org.neurite.ShapeException;
import org.neurite.Tensor;
import org.neurite.init.Initializer;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Shapes;

/**
 * Shifts and scales each feature to zero mean and unit variance, as Keras's {@code Normalization}:
 * {@code (x - mean) / max(sqrt(variance), 1e-7)}, or with {@code invert} the reverse, {@code mean + x·max(sqrt(variance),
 * 1e-7)}. The statistics are non-trainable weights {@code mean} and {@code variance} of the size of the kept
 * {@code axis} (default -1, the features), either computed from data by {@link #adapt} (over every other axis, biased
 * variance, as Keras) or given to the constructor.
 *
 * <pre>{@code
 * Normalization norm = new Normalization();
 * norm.adapt(trainFeatures);                                   // [N, F]: per-feature mean and variance
 * Tensor z = norm.apply(batch);
 * Normalization fixed = new Normalization(new double[] {0.5}, new double[] {0.25});   // (x - 0.5) / 0.5
 * }</pre>
 */
public final class Normalization extends Layer {
  private static final double EPSILON = 1e-7;
  private final int axis;
  private final double[] givenMean, givenVariance;
  private final boolean invert;
  private Parameter mean, variance;
  private int resolvedAxis;

  /** A layer over the last axis, to be {@link #adapt adapted}. */
  public Normalization() {
    this(null, -1, null, null, false);
  }

  /** A layer over the last axis with fixed statistics (one value per feature, or one value for all). */
  public Normalization(double[] mean, double[] variance) {
    this(null, -1, mean, variance, false);
  }

  /**
   * The general form.
   *
   * @param name the layer name, or null
   * @param axis the feature axis that keeps its own statistics (not the batch axis 0)
   * @param mean given means, or null to {@link #adapt} (then {@code variance} must be null too)
   * @param variance given variances (>= 0)
   * @param invert map normalised values back ({@code mean + x·std})
   */
  public Normalization(String name, int axis, double[] mean, double[] variance, boolean invert) {
    super(name);
    if ((mean == null) != (variance == null)) {
      throw new InvalidArgumentException("Normalization: give both mean and variance, or neither (and adapt)");
    }
    if (mean != null) {
      if (mean.length != variance.length || mean.length == 0) {
        throw new InvalidArgumentException("Normalization: mean and variance must have the same non-zero length, got "
            + mean.length + " and " + variance.length);
      }
      for (double v : variance) {
        if (!(v >= 0)) {
          throw new InvalidArgumentException("Normalization: variances must be >= 0, got " + v);
        }
      }
    }
    this.axis = axis;
    this.givenMean = mean == null ? null : mean.clone();
    this.givenVariance = variance == null ? null : variance.clone();
    this.invert = invert;
  }

  public Parameter mean() {
    return mean;
  }

  public Parameter variance() {
    return variance;
  }

  private int resolve(long[] shape) {
    return Shapes.featureAxis(axis, shape, "is what the statistics are over");
  }

  @Override
  protected void build(long[] inputShape) {
    resolvedAxis = resolve(inputShape);
    long c = Shapes.knownFeatureSize(axis, resolvedAxis, inputShape);
    if (givenMean != null && givenMean.length != 1 && givenMean.length != c) {
      throw new ShapeException("given " + givenMean.length + " means and variances for an axis of size " + c);
    }
    mean = addWeight("mean", new long[] {c}, filled(givenMean, 0), null, false);
    variance = addWeight("variance", new long[] {c}, filled(givenVariance, 1), null, false);
  }

  private static Initializer filled(double[] values, double dflt) {
    return (shape, dtype, gen) -> {
      double[] v = new double[(int) shape[0]];
      for (int i = 0; i < v.length; i++) {
        v[i] = values == null ? dflt : values[values.length == 1 ? 0 : i];
      }
      return Tensor.of(v, shape).cast(dtype);
    };
  }

  @Override
  protected long[] inputSpec(long[] builtShape) {
    long[] spec = new long[builtShape.length];
    java.util.Arrays.fill(spec, -1);
    int a = resolve(builtShape);
    spec[a] = builtShape[a];
    return spec;
  }

  /**
   * Sets {@code mean} and {@code variance} to the statistics of {@code data} ({@code [N, ...]}, the shape of the
   * inputs), computed per feature of the axis over every other axis; builds the layer if needed.
   */
  public void adapt(Tensor data) {
    Objects.requireNonNull(data, name() + ": adapt data");
    if (data.dtype() != DType.F32 && data.dtype() != DType.F64) {
      throw new InvalidArgumentException(name() + ": adapt expects floating-point data, got " + data.dtype());
    }
    long[] shape = data.shape();
    if (shape.length < 1 || shape[0] == 0) {
      throw new ShapeException(name() + ": adapt needs at least one sample, got " + Shapes.str(shape));
    }
    long[] asInput = shape.clone();
    asInput[0] = -1;
    ensureBuilt(List.of(asInput));
    List<Integer> over = new ArrayList<>();
    for (int i = 0; i < shape.length; i++) {
      if (i != resolvedAxis) {
        over.add(i);
      }
    }
    int[] axes = over.stream().mapToInt(Integer::intValue).toArray();
    try (Scope s = Neurite.scope(); Neurite.NoGrad ignored = Neurite.noGrad()) {
      // Statistics in float64 so a large data set's sums do not lose the low bits.
      Tensor d = data.cast(DType.F64);
      mean.assign(d.mean(axes));
      variance.assign(Ops.var(d, axes, false, 0));
    }
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    long[] bshape = new long[x.ndim()];
    java.util.Arrays.fill(bshape, 1);
    bshape[resolvedAxis] = mean.value().size();
    Tensor m = mean.value().reshape(bshape);
    Tensor std = variance.value().reshape(bshape).sqrt().maximum(Ops.full(EPSILON, variance.value().dtype()));
    return invert ? x.mul(std).add(m) : x.sub(m).div(std);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("axis", axis);
    c.put("mean", givenMean == null ? null : givenMean.clone());
    c.put("variance", givenVariance == null ? null : givenVariance.clone());
    c.put("invert", invert);
    return c;
  }

  public static Normalization fromConfig(Map<String, Object> c) {
    return Layers.withBase(new Normalization((String) c.get("name"), Layers.integer(c, "axis", -1),
        doubles(c.get("mean")), doubles(c.get("variance")), Layers.bool(c, "invert", false)), c);
  }

  private static double[] doubles(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof double[] a) {
      return a.clone();
    }
    if (v instanceof Number n) {
      return new double[] {n.doubleValue()};
    }
    List<?> list = (List<?>) v;
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) list.get(i)).doubleValue();
    }
    return out;
  }
}
