package org.neurite.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.GradientTape;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * The layer-test helper: given a factory for a fresh layer and the shapes of its inputs, {@link #run()} checks
 *
 * <ol>
 *   <li><b>shapes</b>: the real outputs' shapes equal {@link Layer#outputShapes} of the real input shapes and, batch
 *       as -1, the shapes of the symbolic outputs when the layer is connected in a functional graph;
 *   <li><b>parameters</b>: the total and trainable counts of the layer and of a functional model around it equal the
 *       expected ones, and the model's summary prints the total as Keras does;
 *   <li><b>gradients</b>: the gradients of {@code f = Σ R·output} ({@code R} fixed random, accumulated in float64) with
 *       respect to every floating-point input and every trainable weight equal central finite differences;
 *   <li><b>config round trip</b>: {@code Layers.fromConfig(typeName, config)} gives a layer with an equal config
 *       which, after its weights are copied, computes bit-for-bit the same outputs;
 *   <li><b>save and load</b>: a functional model around the layer, saved with {@link Model#save} and read back with
 *       {@link Model#load}, has the same config and predicts bit-for-bit the same outputs.
 * </ol>
 *
 * <p><b>Why the finite differences run in float32, and the tolerance.</b> Layers create float32 weights (as Keras's
 * default policy), so the function is evaluated in float32 and only the final sum is float64. With a step
 * {@code h = 1e-2·max(1, |v|)} (taken as the exact difference of the float32 values it produces) the truncation error
 * of the central difference is about {@code f'''·h²/6 ≈ 2e-5·f'''}, and the float32 rounding of the outputs that the
 * perturbed value reaches (relative ~1e-6 after a few ops; the untouched outputs are bit-identical between the two
 * evaluations and cancel) adds about {@code 1e-6·|f_affected| / 2h ≈ 5e-5·|f_affected|}. A gradient element passes when
 * {@code |fd - analytic| <= 2e-2·max(|fd|, |analytic|) + 2e-3·max(1, max|analytic|)}: an order of magnitude above
 * these errors, and far below what a wrong formula gives (a missing term, a transposed weight or a wrong gate is off by
 * O(1) relative). Layers with kinks (max, relu) are checked on inputs the test spaces apart so no step crosses one.
 * Large tensors are checked on a deterministic sample of {@link #MAX_ELEMENTS} elements, plus one random direction
 * over all of them.
 *
 * <pre>{@code
 * LayerCheck.of(() -> new Dense(3), 4, 5).params(18, 18).run();
 * }</pre>
 */
public final class LayerCheck {
  static final int MAX_ELEMENTS = 24;
  static final double RTOL = 2e-2, ATOL = 2e-3, STEP = 1e-2;

  private final Supplier<Layer> factory;
  private final List<long[]> inputShapes = new ArrayList<>();
  private Function<SplittableRandom, Tensor[]> inputMaker;
  private boolean training;
  private long totalParams = -1, trainableParams = -1;
  private final long seed;

  private LayerCheck(Supplier<Layer> factory, long[]... shapes) {
    this.factory = factory;
    this.inputShapes.addAll(Arrays.asList(shapes));
    this.seed = 1234 + Arrays.deepHashCode(shapes);
  }

  /** A check of the layers {@code factory} makes, on one random normal float input of this shape (batch first). */
  public static LayerCheck of(Supplier<Layer> factory, long... inputShape) {
    return new LayerCheck(factory, inputShape);
  }

  /** A check of a layer with several inputs, random normal floats of these shapes. */
  public static LayerCheck ofInputs(Supplier<Layer> factory, long[]... inputShapes) {
    return new LayerCheck(factory, inputShapes);
  }

  /** Uses these inputs instead of random normal ones (integer indices, values spaced apart for max, ...). */
  public LayerCheck inputs(Function<SplittableRandom, Tensor[]> maker) {
    this.inputMaker = maker;
    return this;
  }

  /** Runs every check in training mode (batch statistics, dropout with a generator reset before each call). */
  public LayerCheck training(boolean training) {
    this.training = training;
    return this;
  }

  /** The expected number of scalars in all weights, and in the trainable ones. */
  public LayerCheck params(long total, long trainable) {
    this.totalParams = total;
    this.trainableParams = trainable;
    return this;
  }

  /** Runs all checks; failures name the layer type and the check. */
  public void run() {
    if (totalParams < 0) {
      throw new IllegalStateException("LayerCheck: state the expected parameter counts with params(total, trainable)");
    }
    Layer layer = factory.get();
    Layer copy = null;
    String what = Layers.typeName(layer) + "(" + layer.name() + ")";
    try (Scope scope = Neurite.scope()) {
      Tensor[] inputs = makeInputs();
      layer.setGenerator(Generator.seeded(seed));
      List<Tensor> outs = forward(layer, inputs);
      checkShapes(what, layer, inputs, outs);
      checkParams(what, layer, inputs);
      checkGradients(what, layer, inputs);
      copy = checkRoundTrip(what, layer, inputs);
      checkSaveLoad(what, layer, inputs);
    } finally {
      layer.close();
      if (copy != null) {
        copy.close();
      }
    }
  }

  private Tensor[] makeInputs() {
    SplittableRandom r = new SplittableRandom(seed);
    if (inputMaker != null) {
      return inputMaker.apply(r);
    }
    Tensor[] out = new Tensor[inputShapes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Tensor.of(normal(r, (int) numel(inputShapes.get(i))), inputShapes.get(i));
    }
    return out;
  }

  /** f32 normal values from {@code r} (for tests building their own inputs). */
  public static float[] normal(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller from two uniforms: SplittableRandom has no nextGaussian before Java 17's RandomGenerator.
      double u1 = 1 - r.nextDouble(), u2 = r.nextDouble();
      v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return v;
  }

  /** f32 values that are a shuffled permutation of {@code -n/2·gap, ..., n/2·gap}: no two closer than {@code gap}. */
  public static float[] spaced(SplittableRandom r, int n, double gap) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((i - n / 2.0) * gap);
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      float t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return v;
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** One call, with the layer's generator reset so dropout draws the same mask every time. */
  private List<Tensor> forward(Layer layer, Tensor[] inputs) {
    layer.setGenerator(Generator.seeded(seed + 1));
    return layer.applyAll(List.of(inputs), training);
  }

  private static List<long[]> shapesOf(Tensor[] ts) {
    List<long[]> out = new ArrayList<>();
    for (Tensor t : ts) {
      out.add(t.shape());
    }
    return out;
  }

  private static long[] unbatched(long[] s) {
    long[] out = s.clone();
    if (out.length > 0) {
      out[0] = -1;
    }
    return out;
  }

  // ---- 1. shapes ----

  private void checkShapes(String what, Layer layer, Tensor[] inputs, List<Tensor> outs) {
    List<long[]> inferred = layer.outputShapes(shapesOf(inputs));
    assertEquals(inferred.size(), outs.size(), what + ": number of outputs vs outputShapes");
    for (int i = 0; i < outs.size(); i++) {
      assertArrayEquals(what + ": output " + i + " shape vs outputShapes()", inferred.get(i), outs.get(i).shape());
    }
    List<SymbolicTensor> symIn = symbolicInputs(inputs);
    List<SymbolicTensor> symOut = layer.applyAll(symIn);
    List<long[]> batchless = new ArrayList<>();
    for (SymbolicTensor s : symIn) {
      batchless.add(s.shape());
    }
    List<long[]> inferredBatchless = layer.outputShapes(batchless);
    assertEquals(outs.size(), symOut.size(), what + ": number of symbolic outputs");
    for (int i = 0; i < outs.size(); i++) {
      assertArrayEquals(what + ": symbolic output " + i + " shape", unbatched(outs.get(i).shape()), symOut.get(i).shape());
      assertArrayEquals(what + ": outputShapes() with an unknown batch", symOut.get(i).shape(), inferredBatchless.get(i));
    }
  }

  private static List<SymbolicTensor> symbolicInputs(Tensor[] inputs) {
    List<SymbolicTensor> out = new ArrayList<>();
    for (Tensor t : inputs) {
      long[] s = t.shape();
      out.add(Input.of(Arrays.copyOfRange(s, 1, s.length)));
    }
    return out;
  }

  private static void assertArrayEquals(String msg, long[] expected, long[] actual) {
    if (!Arrays.equals(expected, actual)) {
      fail(msg + ": expected " + Shapes.str(expected) + ", got " + Shapes.str(actual));
    }
  }

  // ---- 2. parameter counts and summary ----

  private void checkParams(String what, Layer layer, Tensor[] inputs) {
    assertEquals(totalParams, layer.countParams(), what + ": total params");
    assertEquals(trainableParams, layer.countTrainableParams(), what + ": trainable params");
    List<SymbolicTensor> in = symbolicInputs(inputs);
    Model model = Model.of(in, layer.applyAll(in));
    assertEquals(totalParams, model.countParams(), what + ": a model around it counts the layer's params");
    assertEquals(trainableParams, model.countTrainableParams(), what + ": trainable params of the model");
    String summary = model.summaryString();
    String total = String.format(Locale.ROOT, "Total params: %,d", totalParams);
    assertTrue(summary.contains(total), what + ": summary lacks '" + total + "':\n" + summary);
  }

  // ---- 3. gradients ----

  /** {@code Σ_k Σ R_k · out_k}, in float64. */
  private static Tensor objective(List<Tensor> outs, List<Tensor> weights) {
    Tensor f = null;
    for (int k = 0; k < outs.size(); k++) {
      Tensor term = outs.get(k).cast(DType.F64).mul(weights.get(k)).sum();
      f = f == null ? term : f.add(term);
    }
    return f;
  }

  private double evaluate(Layer layer, Tensor[] inputs, List<Tensor> weights) {
    try (Scope s = Neurite.scope(); Neurite.NoGrad ignored = Neurite.noGrad()) {
      return objective(forward(layer, inputs), weights).item();
    }
  }

  private void checkGradients(String what, Layer layer, Tensor[] inputs) {
    SplittableRandom r = new SplittableRandom(seed + 2);
    List<long[]> outShapes = layer.outputShapes(shapesOf(inputs));
    List<Tensor> weights = new ArrayList<>();
    for (long[] s : outShapes) {
      double[] w = new double[(int) numel(s)];
      for (int i = 0; i < w.length; i++) {
        w[i] = r.nextDouble(-1, 1);
      }
      weights.add(Tensor.of(w, s));
    }
    List<String> names = new ArrayList<>();
    List<Tensor> sources = new ArrayList<>();
    List<Parameter> params = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      DType dt = inputs[i].dtype();
      if (dt == DType.F32 || dt == DType.F64) {
        names.add("input " + i);
        sources.add(inputs[i]);
        params.add(null);
      }
    }
    for (Parameter p : layer.trainableParameters()) {
      names.add(p.name());
      sources.add(p.value());
      params.add(p);
    }
    if (sources.isEmpty()) {
      return;
    }
    Tensor[] grads;
    try (GradientTape tape = GradientTape.record()) {
      for (int s = 0; s < sources.size(); s++) {
        if (params.get(s) == null) {
          tape.watch(sources.get(s));
        }
      }
      Tensor f = objective(forward(layer, inputs), weights);
      grads = tape.gradient(f, sources.toArray(new Tensor[0]));
    }
    List<String> failures = new ArrayList<>();
    for (int s = 0; s < sources.size(); s++) {
      Tensor src = sources.get(s);
      double[] analytic = grads[s] == null ? new double[(int) src.size()] : grads[s].toDoubleArrayAnyType();
      float[] base = src.cast(DType.F32).toFloatArray();
      double maxAbs = 1;
      for (double g : analytic) {
        maxAbs = Math.max(maxAbs, Math.abs(g));
      }
      int[] picks = sample(base.length, r);
      for (int e : picks) {
        float plus = (float) (base[e] + STEP * Math.max(1, Math.abs(base[e])));
        float minus = (float) (base[e] - STEP * Math.max(1, Math.abs(base[e])));
        double fp = evaluateWith(layer, inputs, weights, s, params.get(s), base, e, plus);
        double fm = evaluateWith(layer, inputs, weights, s, params.get(s), base, e, minus);
        double fd = (fp - fm) / ((double) plus - (double) minus);
        if (Math.abs(fd - analytic[e]) > RTOL * Math.max(Math.abs(fd), Math.abs(analytic[e])) + ATOL * maxAbs) {
          failures.add(String.format(Locale.ROOT, "%s[%d]: analytic %.6g, finite difference %.6g", names.get(s), e,
              analytic[e], fd));
        }
      }
      // One direction over every element (the sample above may miss some): f(v + h·d) - f(v - h·d) vs Σ g·Δv.
      float[] plus = base.clone(), minus = base.clone();
      double predicted = 0;
      for (int e = 0; e < base.length; e++) {
        double d = r.nextBoolean() ? STEP : -STEP;
        plus[e] = (float) (base[e] + d);
        minus[e] = (float) (base[e] - d);
        predicted += analytic[e] * ((double) plus[e] - (double) minus[e]);
      }
      set(inputs, s, params.get(s), plus);
      double fp = evaluate(layer, inputs, weights);
      set(inputs, s, params.get(s), minus);
      double measured = fp - evaluate(layer, inputs, weights);
      double tol = RTOL * Math.max(Math.abs(measured), Math.abs(predicted)) + ATOL * maxAbs * 2 * STEP * Math.sqrt(base.length);
      if (Math.abs(measured - predicted) > tol) {
        failures.add(String.format(Locale.ROOT, "%s along a random direction: analytic %.6g, finite difference %.6g",
            names.get(s), predicted, measured));
      }
      restore(inputs, s, params.get(s), base);
    }
    if (!failures.isEmpty()) {
      fail(what + ": gradient check failed (" + failures.size() + "):\n  " + String.join("\n  ", failures.subList(0,
          Math.min(12, failures.size()))));
    }
  }

  /** Every element when few, else a deterministic sample of them. */
  private static int[] sample(int n, SplittableRandom r) {
    if (n <= MAX_ELEMENTS) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] out = new int[MAX_ELEMENTS];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.nextInt(n);
    }
    return out;
  }

  private double evaluateWith(Layer layer, Tensor[] inputs, List<Tensor> weights, int source, Parameter p,
      float[] base, int element, float value) {
    float[] v = base.clone();
    v[element] = value;
    set(inputs, source, p, v);
    return evaluate(layer, inputs, weights);
  }

  private static void restore(Tensor[] inputs, int source, Parameter p, float[] base) {
    set(inputs, source, p, base);
  }

  private static void set(Tensor[] inputs, int source, Parameter p, float[] values) {
    try (Scope s = Neurite.scope(); Neurite.NoGrad ignored = Neurite.noGrad()) {
      if (p != null) {
        p.assign(Tensor.of(values, p.shape()));
      } else {
        Tensor t = inputs[source];
        org.neurite.Ops.call("assign", org.neurite.Attrs.of(), t, Tensor.of(values, t.shape()).cast(t.dtype()));
      }
    }
  }

  // ---- 4. config round trip ----

  private Layer checkRoundTrip(String what, Layer layer, Tensor[] inputs) {
    Map<String, Object> config = layer.config();
    Layer copy = Layers.fromConfig(Layers.typeName(layer), config);
    if (!deepEquals(config, copy.config())) {
      fail(what + ": config round trip changed the config:\n  " + render(config) + "\n  " + render(copy.config()));
    }
    assertEquals(layer.getClass(), copy.getClass(), what + ": fromConfig's class");
    List<long[]> shapes = new ArrayList<>();
    for (Tensor t : inputs) {
      shapes.add(unbatched(t.shape()));
    }
    copy.ensureBuilt(shapes);
    List<Parameter> from = layer.parameters(), to = copy.parameters();
    assertEquals(from.size(), to.size(), what + ": number of weights after the round trip");
    for (int i = 0; i < from.size(); i++) {
      assertEquals(from.get(i).name(), to.get(i).name(), what + ": weight " + i + " name");
      assertEquals(from.get(i).isTrainableWeight(), to.get(i).isTrainableWeight(), what + ": weight " + i + " kind");
      to.get(i).assign(from.get(i).value());
    }
    List<Tensor> a = forward(layer, inputs), b = forward(copy, inputs);
    for (int k = 0; k < a.size(); k++) {
      double[] x = a.get(k).toDoubleArrayAnyType(), y = b.get(k).toDoubleArrayAnyType();
      for (int i = 0; i < x.length; i++) {
        if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
          fail(what + ": the rebuilt layer's output " + k + " differs at " + i + ": " + x[i] + " vs " + y[i]);
        }
      }
    }
    return copy;
  }

  // ---- 5. save and load ----

  private void checkSaveLoad(String what, Layer layer, Tensor[] inputs) {
    List<SymbolicTensor> in = symbolicInputs(inputs);
    Model model = Model.of(in, layer.applyAll(in));
    Path dir;
    try {
      dir = Files.createTempDirectory("layercheck");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path file = dir.resolve("model.safetensors");
    Model back = null;
    try {
      model.save(file);
      back = Model.load(file);
      if (!deepEquals(model.config(), back.config())) {
        fail(what + ": the loaded model's config differs:\n  " + render(model.config()) + "\n  " + render(back.config()));
      }
      List<Tensor> a = model.predict(List.of(inputs), 1 << 20), b = back.predict(List.of(inputs), 1 << 20);
      assertEquals(a.size(), b.size(), what + ": number of outputs after save and load");
      for (int k = 0; k < a.size(); k++) {
        double[] x = a.get(k).toDoubleArrayAnyType(), y = b.get(k).toDoubleArrayAnyType();
        for (int i = 0; i < x.length; i++) {
          if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
            fail(what + ": the loaded model's output " + k + " differs at " + i + ": " + x[i] + " vs " + y[i]);
          }
        }
      }
    } finally {
      if (back != null) {
        back.close();
      }
      try {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Map equality that compares arrays by content (configs hold long[] and double[]). */
  static boolean deepEquals(Object a, Object b) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (!ma.keySet().equals(mb.keySet())) {
        return false;
      }
      for (Object k : ma.keySet()) {
        if (!deepEquals(ma.get(k), mb.get(k))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if (la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!deepEquals(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
  }

  private static String render(Map<String, Object> c) {
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, Object> e : c.entrySet()) {
      Object v = e.getValue();
      String s = v instanceof long[] l ? Arrays.toString(l) : v instanceof double[] d ? Arrays.toString(d)
          : v instanceof int[] i ? Arrays.toString(i) : String.valueOf(v);
      b.append(b.length() > 1 ? ", " : "").append(e.getKey()).append('=').append(s);
    }
    return b.append('}').toString();
  }
}
