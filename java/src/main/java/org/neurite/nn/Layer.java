package org.neurite.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.neurite.DType;
import org.neurite.Device;
import org.neurite.Generator;
import org.neurite.InvalidArgumentException;
import org.neurite.NativeAccess;
import org.neurite.NeuriteException;
import org.neurite.Scope;
import org.neurite.ShapeException;
import org.neurite.Tensor;
import org.neurite.init.Initializer;

/**
 * The one contract every layer follows, as Keras 3's {@code Layer}: {@link #build} creates the weights once the input
 * shape is known, {@link #call} computes, {@link #outputShape} infers the output shape without computing, and
 * {@link #config()} returns the settings that rebuild the layer ({@link Layers#fromConfig}).
 *
 * <p>Shapes include the batch dimension first, -1 where unknown. A layer builds on its first use, eager
 * ({@link #apply(Tensor)}) or symbolic ({@link #apply(SymbolicTensor...)}, the functional API), and checks every later
 * input against the shape it was built for, so a wrong shape fails with the layer's name
 * ({@code dense_1: expected input [?,10], got [32,20]}) before any computation.
 *
 * <p>A custom layer overrides {@code build}, {@code call} and, when it changes the shape, {@code outputShape}:
 * <pre>{@code
 * class Scale extends Layer {
 *   private Parameter factor;
 *   @Override protected void build(long[] inputShape) {
 *     factor = addWeight("factor", new long[] {inputShape[inputShape.length - 1]}, new Ones(), null, true);
 *   }
 *   @Override protected Tensor call(Tensor x, boolean training) {
 *     return x.mul(factor.value());
 *   }
 * }
 * Tensor y = new Scale().apply(Tensor.ones(2, 3));
 * }</pre>
 */
public abstract class Layer {
  private static final Map<String, AtomicInteger> NAME_COUNTS = new ConcurrentHashMap<>();

  private final String name;
  private boolean trainable = true;
  private boolean built;
  private List<long[]> builtShapes, builtInputShapes;
  private final List<Parameter> ownParameters = new ArrayList<>();
  private Generator generator;
  private List<long[]> seenOutputShapes;
  private boolean seenSeveralShapes;
  private Device device = Device.cpu();

  /** A layer named {@code name}, or automatically ("dense", "dense_1", ...) when null. */
  protected Layer(String name) {
    this.name = name != null ? name : autoName(getClass());
  }

  private static String autoName(Class<?> c) {
    String prefix = snakeCase(c.getSimpleName().isEmpty() ? "layer" : c.getSimpleName());
    int n = NAME_COUNTS.computeIfAbsent(prefix, k -> new AtomicInteger()).getAndIncrement();
    return n == 0 ? prefix : prefix + "_" + n;
  }

  static String snakeCase(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean boundary = Character.isUpperCase(ch) && i > 0
          && (Character.isLowerCase(s.charAt(i - 1))
              || (i + 1 < s.length() && Character.isLowerCase(s.charAt(i + 1)) && Character.isUpperCase(s.charAt(i - 1))));
      if (boundary) {
        b.append('_');
      }
      b.append(Character.toLowerCase(ch));
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }

  public final String name() {
    return name;
  }

  // ---- the contract ----

  /** Creates the weights for inputs of this shape (called once, before the first {@link #call}). */
  protected void build(long[] inputShape) {}

  /** Multi-input layers override this; the default requires one input. */
  protected void build(List<long[]> inputShapes) {
    build(single(inputShapes));
  }

  /** The output shape for an input of this shape, computed without any engine call. The default keeps the shape. */
  public long[] outputShape(long[] inputShape) {
    return Shapes.copy(inputShape);
  }

  /** The output shapes of several inputs (multi-input or multi-output layers override this). */
  public List<long[]> outputShapes(List<long[]> inputShapes) {
    return List.of(outputShape(single(inputShapes)));
  }

  /** Computes the output; {@code training} switches dropout and batch statistics on. */
  protected Tensor call(Tensor input, boolean training) {
    throw new UnsupportedOperationException(name + ": " + getClass().getSimpleName() + " overrides neither call(Tensor, boolean) nor call(List, boolean)");
  }

  /** Several inputs or outputs (merge layers and models override this); the default requires one input. */
  protected List<Tensor> call(List<Tensor> inputs, boolean training) {
    return List.of(call(single(inputs), training));
  }

  /** The input shape that later inputs must fit, from the one the layer was built for: by default the rank and the
   *  last dimension (the features) are checked, the batch and any middle dimension are free. */
  protected long[] inputSpec(long[] builtShape) {
    long[] spec = new long[builtShape.length];
    java.util.Arrays.fill(spec, -1);
    if (builtShape.length > 1) {
      spec[spec.length - 1] = builtShape[builtShape.length - 1];
    }
    return spec;
  }

  /** This layer's settings (subclasses add theirs to the base's "name" and "trainable"). */
  public Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("trainable", trainable);
    return c;
  }

  // ---- using a layer ----

  /** Runs the layer in inference mode on one input. */
  public final Tensor apply(Tensor input) {
    return apply(input, false);
  }

  /** Runs the layer on one input, in training mode when {@code training}. */
  public final Tensor apply(Tensor input, boolean training) {
    return single(applyAll(List.of(Objects.requireNonNull(input, name + ": input")), training), "output");
  }

  /** Runs the layer on several inputs (a merge layer, a multi-input model). */
  public final List<Tensor> applyAll(List<Tensor> inputs, boolean training) {
    List<long[]> shapes = new ArrayList<>(inputs.size());
    for (Tensor t : inputs) {
      shapes.add(Objects.requireNonNull(t, name + ": an input is null").shape());
    }
    ensureBuilt(shapes);
    List<Tensor> out;
    // On a device, constants the layer makes (zeros, random masks, scalars) are made there, next to its weights.
    Device previous = device.isCpu() ? null : NativeAccess.useDefaultDevice(device);
    try {
      out = call(inputs, training);
    } catch (NeuriteException e) {
      throw prefixed(e, name);
    } finally {
      if (previous != null) {
        NativeAccess.useDefaultDevice(previous);
      }
    }
    if (seenOutputShapes == null || seenOutputShapes.size() != out.size()) {
      List<long[]> outShapes = new ArrayList<>(out.size());
      for (Tensor t : out) {
        long[] s = t.shape();
        if (s.length > 0) {
          s[0] = -1;
        }
        outShapes.add(s);
      }
      noteOutputShapes(outShapes);
    }
    return out;
  }

  private void noteOutputShapes(List<long[]> shapes) {
    if (seenOutputShapes != null && !sameShapes(seenOutputShapes, shapes)) {
      seenSeveralShapes = true;
    }
    seenOutputShapes = shapes;
  }

  private static boolean sameShapes(List<long[]> a, List<long[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** The output shapes seen when the layer was last connected or called (batch as -1), or null before any use. */
  public final List<long[]> lastOutputShapes() {
    return seenOutputShapes;
  }

  /** Whether the layer was used with outputs of different shapes (a shared layer); summaries print "multiple". */
  final boolean hasSeveralOutputShapes() {
    return seenSeveralShapes;
  }

  /** Connects this layer in a functional graph: the symbolic output of applying it to these symbolic inputs. */
  public final SymbolicTensor apply(SymbolicTensor... inputs) {
    List<SymbolicTensor> outs = applyAll(List.of(inputs));
    if (outs.size() != 1) {
      throw new InvalidArgumentException(name + ": has " + outs.size() + " outputs; use applyAll");
    }
    return outs.get(0);
  }

  /** Connects this layer (possibly with several outputs) in a functional graph. */
  public final List<SymbolicTensor> applyAll(List<SymbolicTensor> inputs) {
    if (inputs.isEmpty()) {
      throw new InvalidArgumentException(name + ": needs at least one input");
    }
    List<long[]> shapes = new ArrayList<>();
    for (SymbolicTensor s : inputs) {
      shapes.add(Objects.requireNonNull(s, name + ": an input is null").shape());
    }
    ensureBuilt(shapes);
    List<long[]> outShapes;
    try {
      outShapes = outputShapes(shapes);
    } catch (NeuriteException e) {
      throw prefixed(e, name);
    }
    noteOutputShapes(outShapes);
    SymbolicTensor.Node node = new SymbolicTensor.Node(this, List.copyOf(inputs));
    List<SymbolicTensor> outs = new ArrayList<>();
    for (int i = 0; i < outShapes.size(); i++) {
      outs.add(new SymbolicTensor(outShapes.get(i), node, i));
    }
    return outs;
  }

  /** Builds the layer for inputs of these shapes if it is not built yet, else checks them against the built ones. */
  public final void ensureBuilt(List<long[]> inputShapes) {
    if (built) {
      checkInputs(inputShapes);
      return;
    }
    try {
      build(inputShapes);
    } catch (NeuriteException e) {
      throw prefixed(e, name);
    }
    List<long[]> specs = new ArrayList<>();
    for (long[] s : inputShapes) {
      specs.add(inputSpec(s));
    }
    builtShapes = specs;
    if (!device.isCpu()) {
      // Sublayers that build() created, and the weights they made, join this layer's device.
      to(device);
    }
    builtInputShapes = new ArrayList<>();
    for (long[] shape : inputShapes) {
      long[] c = Shapes.copy(shape);
      if (c.length > 0) {
        c[0] = -1;
      }
      builtInputShapes.add(c);
    }
    built = true;
  }

  private void checkInputs(List<long[]> shapes) {
    if (builtShapes.size() != shapes.size()) {
      throw new ShapeException(name + ": expected " + builtShapes.size() + " input(s), got " + shapes.size());
    }
    for (int i = 0; i < shapes.size(); i++) {
      if (!Shapes.compatible(builtShapes.get(i), shapes.get(i))) {
        throw new ShapeException(name + ": expected input " + (shapes.size() > 1 ? i + " " : "")
            + Shapes.str(builtShapes.get(i)) + ", got " + Shapes.str(shapes.get(i)));
      }
    }
  }

  /** The input shapes the layer was built for (batch as -1), or null before it is built. */
  final List<long[]> builtInputShapes() {
    return builtInputShapes;
  }

  public final boolean isBuilt() {
    return built;
  }

  // ---- weights ----

  /**
   * Creates a weight owned by this layer (call from {@link #build}); its initial values come from {@code init}
   * drawing on the layer's generator ({@link #setGenerator}, else {@link Layers#defaultGenerator()}).
   */
  protected final Parameter addWeight(String weightName, long[] shape, Initializer init, Regularizer regularizer, boolean trainableWeight) {
    Objects.requireNonNull(init, name + "/" + weightName + ": initializer");
    Generator gen = generator != null ? generator : Layers.defaultGenerator();
    Tensor created = Scope.untracked(() -> init.create(shape, DType.F32, gen));
    Tensor value = created;
    if (!device.isCpu()) {
      // Initializers draw on the CPU so a seed gives the same weights on every device; the values then move.
      try {
        value = Scope.untracked(() -> created.to(device));
      } finally {
        created.close();
      }
    }
    Parameter p = new Parameter(this, weightName, value, trainableWeight, regularizer);
    p.refreshRequiresGrad();
    ownParameters.add(p);
    return p;
  }

  /** The generator this layer's initializers and dropout masks draw from (default: {@link Layers#defaultGenerator()}). */
  public void setGenerator(Generator generator) {
    this.generator = generator;
    for (Layer l : sublayers()) {
      l.setGenerator(generator);
    }
  }

  /** The generator for this layer's random numbers. */
  protected final Generator generator() {
    return generator != null ? generator : Layers.defaultGenerator();
  }

  /** The layers this one is made of (empty for a plain layer; models list theirs). */
  public List<Layer> sublayers() {
    return List.of();
  }

  /** Every weight of this layer and its sublayers, each once, in creation order. */
  public final List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    collect(this, out, Collections.newSetFromMap(new IdentityHashMap<>()));
    return out;
  }

  private static void collect(Layer l, List<Parameter> out, Set<Object> seen) {
    if (!seen.add(l)) {
      return;
    }
    out.addAll(l.ownParameters);
    for (Layer s : l.sublayers()) {
      collect(s, out, seen);
    }
  }

  /** The weights the optimizer updates now (trainable weights of trainable layers). */
  public final List<Parameter> trainableParameters() {
    List<Parameter> out = new ArrayList<>();
    for (Parameter p : parameters()) {
      if (p.isTrainable()) {
        out.add(p);
      }
    }
    return out;
  }

  /** The number of scalars in every weight. */
  public final long countParams() {
    long n = 0;
    for (Parameter p : parameters()) {
      n += p.value().size();
    }
    return n;
  }

  /** The number of scalars in the weights the optimizer updates. */
  public final long countTrainableParams() {
    long n = 0;
    for (Parameter p : trainableParameters()) {
      n += p.value().size();
    }
    return n;
  }

  /** The weight penalties of every trainable weight with a regularizer (empty when none), for the training loss. */
  public final List<Tensor> regularizationLosses() {
    List<Tensor> out = new ArrayList<>();
    for (Parameter p : trainableParameters()) {
      if (p.regularizer() != null) {
        out.add(p.regularizer().penalty(p.value()));
      }
    }
    return out;
  }

  // ---- trainable flag ----

  public final boolean isTrainable() {
    return trainable;
  }

  /**
   * Freezes ({@code false}) or unfreezes this layer and, as in Keras, every sublayer: frozen weights get no gradient
   * and no update (batch normalisation keeps using its moving statistics, as Keras 3 does).
   */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    for (Parameter p : ownParameters) {
      p.refreshRequiresGrad();
    }
    for (Layer l : sublayers()) {
      l.setTrainable(trainable);
    }
  }

  // ---- devices ----

  /**
   * Moves every weight of this layer and its sublayers (trainable or not: moving statistics too) to {@code device},
   * in place, and makes the device theirs: weights built later are created there, and constants the layer makes
   * while computing (zeros, random masks) are made there. Inputs must be on the device too ({@link Model}'s fit,
   * evaluate and predict move their batches themselves). All or nothing: when the device cannot be used (no GPU:
   * a {@link org.neurite.DeviceException} saying why) or a copy fails, every weight stays where it was.
   *
   * <pre>{@code
   * Dense dense = new Dense(3);
   * dense.to(Device.cuda(0));                                   // no weights yet: they are created on the GPU
   * Tensor y = dense.apply(Tensor.ones(2, 4).to(Device.cuda(0)));
   * }</pre>
   *
   * @return this layer
   */
  public Layer to(Device device) {
    Objects.requireNonNull(device, name + ".to: device");
    device.check();
    List<Tensor> values = new ArrayList<>();
    for (Parameter p : parameters()) {
      values.add(p.value());
    }
    NativeAccess.moveAll(values, device);
    assignDevice(this, device, Collections.newSetFromMap(new IdentityHashMap<>()));
    return this;
  }

  private static void assignDevice(Layer l, Device device, Set<Object> seen) {
    if (!seen.add(l)) {
      return;
    }
    l.device = device;
    for (Layer s : l.sublayers()) {
      assignDevice(s, device, seen);
    }
  }

  /** The device of this layer's weights ({@link #to(Device)}); the CPU unless moved. */
  public final Device device() {
    return device;
  }

  /** Frees this layer's weights (and its sublayers'); the layer cannot be used afterwards. */
  public void close() {
    for (Parameter p : parameters()) {
      p.close();
    }
  }

  // ---- helpers ----

  static <T> T single(List<T> items) {
    return single(items, "input");
  }

  private static <T> T single(List<T> items, String what) {
    if (items.size() != 1) {
      throw new InvalidArgumentException("expected one " + what + ", got " + items.size());
    }
    return items.get(0);
  }

  /** {@code e} with its message prefixed by {@code prefix + ": "}, the same exception type. */
  static NeuriteException prefixed(NeuriteException e, String prefix) {
    if (e.getMessage() != null && e.getMessage().startsWith(prefix + ":")) {
      return e;
    }
    NeuriteException out;
    try {
      out = e.getClass().getConstructor(String.class).newInstance(prefix + ": " + e.getMessage());
    } catch (ReflectiveOperationException r) {
      out = new NeuriteException(prefix + ": " + e.getMessage());
    }
    out.initCause(e);
    return out;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + name + ")";
  }
}
