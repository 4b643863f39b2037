package org.neurite.nn;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.nio.file.Path;
import org.neurite.DType;
import org.neurite.Device;
import org.neurite.InvalidArgumentException;
import org.neurite.ModelFormatException;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;
import org.neurite.data.Batch;
import org.neurite.data.Dataset;
import org.neurite.io.InferenceGraph;
import org.neurite.io.ModelFile;
import org.neurite.io.OnnxExporter;
import org.neurite.io.TensorSpec;
import org.neurite.losses.Loss;
import org.neurite.metrics.LabelKind;
import org.neurite.metrics.Metric;
import org.neurite.metrics.Metrics;
import org.neurite.optim.Optimizer;
import org.neurite.train.FitOptions;
import org.neurite.train.History;

/**
 * A layer that can be trained: {@link #compile}, {@link #fit}, {@link #evaluate}, {@link #predict}, as Keras's
 * {@code Model}. Three ways to make one:
 * <ul>
 *   <li>{@link Sequential}: a stack of layers;
 *   <li>the functional API, {@link Model#of}: a graph of layers over {@link Input}s, with several inputs and outputs,
 *       shared layers, branches and merges;
 *   <li>subclassing: extend {@code Model}, create layers in the constructor (fields holding layers, or lists of them,
 *       are found automatically), override {@link #call(Tensor, boolean)}.
 * </ul>
 *
 * <p>{@code fit} runs every step in a {@link Scope}, so native memory stays flat however long training runs. Override
 * {@link #trainStep} for training that is not one loss (a GAN's two players), or drive the optimizer yourself.
 *
 * <pre>{@code
 * class TwoLayer extends Model {
 *   final Dense hidden = new Dense(32, Activation.RELU), out = new Dense(1);
 *   @Override protected Tensor call(Tensor x, boolean training) {
 *     return out.apply(hidden.apply(x, training), training);
 *   }
 * }
 * TwoLayer model = new TwoLayer();
 * model.compile(new Adam(0.01), new MeanSquaredError());
 * History h = model.fit(x, y, new FitOptions().epochs(20).verbose(0));
 * }</pre>
 */
public class Model extends Layer {
  private Optimizer optimizer;
  private List<Loss> losses = List.of();
  private double[] lossWeights;
  private List<Metric> metrics = List.of();
  private volatile boolean stopTraining;
  private List<Parameter> trainable;
  private double lossSum, lossCount;
  private Map<String, Tensor> pendingOptimizerState;

  /** A model named automatically from its class ("model", "my_model", ...). */
  protected Model() {
    super(null);
  }

  protected Model(String name) {
    super(name);
  }

  // ---- building blocks ----

  /** A functional model from one input to one output. */
  public static Model of(SymbolicTensor input, SymbolicTensor output) {
    return new Functional(null, List.of(input), List.of(output));
  }

  /** A functional model with several inputs and outputs (in the order given). */
  public static Model of(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
    return new Functional(null, inputs, outputs);
  }

  /** A named functional model. */
  public static Model of(String name, List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
    return new Functional(name, inputs, outputs);
  }

  /**
   * The layers of a subclassed model: every non-static field holding a {@link Layer}, a collection of layers or an
   * array of them, in declaration order (superclass fields first).
   */
  @Override
  public List<Layer> sublayers() {
    List<Layer> out = new ArrayList<>();
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Class<?>> chain = new ArrayList<>();
    for (Class<?> c = getClass(); c != Model.class && c != null; c = c.getSuperclass()) {
      chain.add(0, c);
    }
    for (Class<?> c : chain) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
          continue;
        }
        Object v;
        try {
          f.setAccessible(true);
          v = f.get(this);
        } catch (ReflectiveOperationException | RuntimeException e) {
          continue;
        }
        addLayers(v, out, seen);
      }
    }
    return out;
  }

  private static void addLayers(Object v, List<Layer> out, Set<Object> seen) {
    if (v instanceof Layer l) {
      if (seen.add(l)) {
        out.add(l);
      }
    } else if (v instanceof Collection<?> c) {
      for (Object o : c) {
        addLayers(o, out, seen);
      }
    } else if (v instanceof Layer[] a) {
      for (Layer l : a) {
        addLayers(l, out, seen);
      }
    }
  }

  /**
   * Builds a subclassed model for inputs of this per-sample shape by running it once on a zero batch of one sample
   * (Sequential and functional models know their shapes already).
   */
  public void buildFor(long... inputShape) {
    if (isBuilt()) {
      return;
    }
    long[] shape = new long[inputShape.length + 1];
    shape[0] = 1;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    try (Scope scope = Neurite.scope(); Neurite.NoGrad noGrad = Neurite.noGrad()) {
      Tensor zeros = Tensor.zeros(shape);
      apply(device().isCpu() ? zeros : zeros.to(device()));
    }
  }

  // ---- devices ----

  /**
   * Moves the model to {@code device}, as PyTorch's {@code model.to(device)}: every weight (trainable or not, batch
   * normalisation's moving statistics included) moves in place, and so does the optimizer's state if it exists
   * already (else it is created there). Afterwards {@link #fit}, {@link #evaluate} and {@link #predict} copy each
   * batch to the device before using it, and weights built later (a model without an input shape builds on its first
   * batch) are created there. While they run, the calling thread's default device is the model's, so tensors made
   * without inputs ({@code Tensor.zeros}, random numbers, in layers or in callbacks) are made there too. All or
   * nothing: without a usable device (no GPU, driver or CUDA library) a {@link org.neurite.DeviceException} says why
   * and the model stays where it was, fully usable.
   *
   * <p>What comes back: {@code predict} returns its results on the CPU, ready to read (as Keras returns NumPy arrays),
   * copying each batch's outputs back as it goes; {@link #apply} and {@link #applyAll} return tensors on the device,
   * as a PyTorch module's forward does ({@code toFloatArray()} and friends copy to the host by themselves). Saving
   * writes host copies of the weights; the model stays on its device.
   *
   * <pre>{@code
   * Model model = new Sequential(new InputLayer(784), new Dense(128, Activation.RELU), new Dense(10))
   *     .to(Device.cuda(0));                       // weights on the GPU
   * model.compile(new Adam(1e-3), new SparseCategoricalCrossentropy(true), "accuracy");
   * model.fit(train.prefetchToDevice(Device.cuda(0), 2), new FitOptions().epochs(5));
   * Tensor probabilities = model.predict(xTest);   // on the CPU
   * }</pre>
   *
   * @return this model, for chaining
   */
  @Override
  public Model to(Device device) {
    Objects.requireNonNull(device, name() + ".to: device");
    device.check();
    Device from = device();
    if (optimizer != null) {
      optimizer.to(device);
    }
    try {
      super.to(device);
    } catch (RuntimeException | Error e) {
      if (optimizer != null) {
        optimizer.to(from);  // all or nothing: the state goes back to where the weights stayed
      }
      throw e;
    }
    return this;
  }

  /**
   * {@code batch} with every tensor on this model's device: the batch itself on the CPU or when it is there already,
   * else a copy there (and the original closed).
   */
  final Batch onDevice(Batch batch) {
    Device device = device();
    if (device.isCpu()) {
      return batch;
    }
    try (batch) {
      List<Tensor> inputs = new ArrayList<>(), targets = new ArrayList<>();
      for (Tensor t : batch.inputs()) {
        inputs.add(t.to(device));
      }
      for (Tensor t : batch.targets()) {
        targets.add(t.to(device));
      }
      Tensor w = batch.sampleWeights() == null ? null : batch.sampleWeights().to(device);
      return new Batch(inputs, targets, w);
    }
  }

  // ---- compile ----

  /** Sets the optimizer, the loss (applied to every output and summed) and the metrics (on the first output). */
  public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
    compile(optimizer, List.of(Objects.requireNonNull(loss, "loss")), null, List.of(metrics));
  }

  /**
   * Sets the optimizer, the loss and metrics by Keras name ("accuracy", "mae", "auc", ...), resolved for the kind of
   * labels the loss takes (so "accuracy" with sparse_categorical_crossentropy is sparse categorical accuracy).
   */
  public void compile(Optimizer optimizer, Loss loss, String metric, String... moreMetrics) {
    LabelKind kind = LabelKind.forLoss(loss.name());
    List<Metric> ms = new ArrayList<>();
    ms.add(Metrics.forName(metric, kind));
    for (String m : moreMetrics) {
      ms.add(Metrics.forName(m, kind));
    }
    compile(optimizer, List.of(loss), null, ms);
  }

  /**
   * Sets the optimizer, one loss per output (or one for all) weighted by {@code lossWeights} (null for 1 each), and
   * the metrics, computed on the first output.
   */
  public void compile(Optimizer optimizer, List<Loss> losses, double[] lossWeights, List<Metric> metrics) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    optimizer.to(device());
    if (losses.isEmpty()) {
      throw new InvalidArgumentException(name() + ": compile needs a loss");
    }
    this.losses = List.copyOf(losses);
    this.lossWeights = lossWeights == null ? null : lossWeights.clone();
    this.metrics = List.copyOf(metrics);
    if (pendingOptimizerState != null) {
      // Restored state numbers parameters in trainable order, the order the first step will see them in.
      optimizer.loadState(pendingOptimizerState);
      pendingOptimizerState.values().forEach(Tensor::close);
      pendingOptimizerState = null;
    }
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public List<Loss> losses() {
    return losses;
  }

  public List<Metric> metrics() {
    return metrics;
  }

  // ---- the steps ----

  /**
   * One optimisation step on {@code batch} (in training mode): forward, loss plus weight penalties, backward, the
   * optimizer's update, then the loss tracker and metrics. Returns the running logs of the epoch so far. Override it
   * for custom training; it runs inside a scope that frees every tensor it makes.
   */
  protected Map<String, Double> trainStep(Batch batch) {
    requireCompiled();
    List<Tensor> preds = applyAll(batch.inputs(), true);
    Tensor loss = withPenalties(totalLoss(batch.targets(), preds, batch.sampleWeights()));
    if (loss.requiresGrad()) {
      loss.backward();
    }
    List<Tensor> params = trainableTensors();
    optimizer.step(params);
    for (Tensor p : params) {
      p.zeroGrad();
    }
    track(loss, batch, preds);
    return logs();
  }

  /** One evaluation step (inference mode): loss tracker and metrics. */
  protected Map<String, Double> testStep(Batch batch) {
    requireCompiled();
    List<Tensor> preds = applyAll(batch.inputs(), false);
    Tensor loss = withPenalties(totalLoss(batch.targets(), preds, batch.sampleWeights()));
    track(loss, batch, preds);
    return logs();
  }

  /** The prediction of one batch (inference mode). */
  protected List<Tensor> predictStep(Batch batch) {
    return applyAll(batch.inputs(), false);
  }

  private Tensor totalLoss(List<Tensor> targets, List<Tensor> preds, Tensor sampleWeights) {
    if (targets.size() != preds.size()) {
      throw new InvalidArgumentException(name() + ": the model has " + preds.size() + " output(s) but " + targets.size()
          + " target(s) were given");
    }
    if (losses.size() != 1 && losses.size() != preds.size()) {
      throw new InvalidArgumentException(name() + ": " + losses.size() + " losses for " + preds.size() + " outputs");
    }
    if (lossWeights != null && lossWeights.length != preds.size()) {
      throw new InvalidArgumentException(name() + ": " + lossWeights.length + " loss weights for " + preds.size() + " outputs");
    }
    Tensor total = null;
    for (int i = 0; i < preds.size(); i++) {
      Loss loss = losses.get(losses.size() == 1 ? 0 : i);
      Tensor l = loss.compute(targets.get(i), preds.get(i), sampleWeights);
      if (lossWeights != null && lossWeights[i] != 1) {
        l = l.mul(lossWeights[i]);
      }
      total = total == null ? l : total.add(l);
    }
    return total;
  }

  private void track(Tensor loss, Batch batch, List<Tensor> preds) {
    double n = batch.size();
    lossSum += loss.item() * n;
    lossCount += n;
    if (!metrics.isEmpty()) {
      try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
        Tensor y = batch.targets().get(0), p = preds.get(0).detach();
        for (Metric m : metrics) {
          m.update(y, p, batch.sampleWeights());
        }
      }
    }
  }

  /** The running loss and metric values since they were last reset (the start of the epoch or evaluation). */
  protected final Map<String, Double> logs() {
    Map<String, Double> logs = new LinkedHashMap<>();
    logs.put("loss", lossCount == 0 ? Double.NaN : lossSum / lossCount);
    for (Metric m : metrics) {
      logs.put(m.name(), m.result());
    }
    return logs;
  }

  /** Resets the loss tracker and every metric. */
  protected final void resetMetrics() {
    lossSum = 0;
    lossCount = 0;
    for (Metric m : metrics) {
      m.reset();
    }
  }

  /**
   * The weights the optimizer updates, found once (a subclassed model finds its layers by reflection, too slow to
   * repeat every step) and forgotten when a trainable flag or the layers change.
   */
  private List<Parameter> trainableCached() {
    if (trainable == null) {
      List<Parameter> t = trainableParameters();
      if (!isBuilt()) {
        // A model without an input shape builds on its first batch, after fit began: caching the (empty) list now
        // would leave the optimizer with no weights to update.
        return t;
      }
      trainable = t;
    }
    return trainable;
  }

  private List<Tensor> trainableTensors() {
    List<Parameter> params = trainableCached();
    List<Tensor> t = new ArrayList<>(params.size());
    for (Parameter p : params) {
      t.add(p.value());
    }
    return t;
  }

  /** {@code loss} plus the penalty of every trainable weight that has a regularizer. */
  private Tensor withPenalties(Tensor loss) {
    for (Parameter p : trainableCached()) {
      if (p.regularizer() != null) {
        loss = loss.add(p.regularizer().penalty(p.value()));
      }
    }
    return loss;
  }

  private void requireCompiled() {
    if (optimizer == null || losses.isEmpty()) {
      throw new InvalidArgumentException(name() + ": call compile(optimizer, loss, metrics...) before fit or evaluate");
    }
  }

  // ---- fit / evaluate / predict on tensors ----

  /** Trains on inputs {@code x} and targets {@code y} (first dimension: samples). */
  public History fit(Tensor x, Tensor y, FitOptions options) {
    return fit(List.of(Objects.requireNonNull(x, "x")), List.of(Objects.requireNonNull(y, "y")), options);
  }

  /** Trains a model with several inputs and/or outputs. */
  public History fit(List<Tensor> x, List<Tensor> y, FitOptions options) {
    Objects.requireNonNull(options, "options");
    requireCompiled();
    try (ArrayBatches all = new ArrayBatches(name(), x, y, options.sampleWeight(), options.classWeight())) {
      ArrayBatches train = all;
      BatchSource val = validationSource(options);
      if (val == null && options.validationSplit() > 0) {
        long split = (long) Math.floor(all.size() * (1 - options.validationSplit()));
        train = all.range(0, split);
        val = BatchSource.of(all.range(split, all.size()), options.batchSize(), false, 0);
      }
      long seed = options.seed() != null ? options.seed() : generator().reserve(1);
      BatchSource source = BatchSource.of(train, options.batchSize(), options.shuffle(), seed);
      return new FitLoop(this, source, val, options).run();
    }
  }

  /**
   * Trains on a dataset of batches (shuffling, batching and prefetching are the dataset's own; batchSize, shuffle,
   * validationSplit, sampleWeight and classWeight of the options do not apply).
   */
  public History fit(Dataset<Batch> batches, FitOptions options) {
    Objects.requireNonNull(batches, "batches");
    Objects.requireNonNull(options, "options");
    requireCompiled();
    if (options.validationSplit() > 0 || options.sampleWeight() != null || options.classWeight() != null) {
      throw new InvalidArgumentException(name() + ": validationSplit, sampleWeight and classWeight apply to arrays; "
          + "split the dataset (Splits) or give weights in its batches");
    }
    return new FitLoop(this, BatchSource.of(batches), validationSource(options), options).run();
  }

  private BatchSource validationSource(FitOptions options) {
    if (options.validationDataset() != null) {
      return BatchSource.of(options.validationDataset());
    }
    if (options.validationX() != null) {
      return BatchSource.of(new ArrayBatches(name(), options.validationX(), options.validationY(), null, null),
          options.batchSize(), false, 0);
    }
    return null;
  }

  /** Loss and metrics over a dataset of batches. */
  public Map<String, Double> evaluate(Dataset<Batch> batches) {
    requireCompiled();
    return FitLoop.evaluate(this, BatchSource.of(batches), List.of(), 0);
  }

  /** The model's outputs for every batch of a dataset, joined along the batch axis (targets, if any, are ignored). */
  public List<Tensor> predict(Dataset<Batch> batches) {
    return FitLoop.predict(this, BatchSource.of(batches));
  }

  /** Loss and metrics on {@code x}, {@code y}, in batches of 32. */
  public Map<String, Double> evaluate(Tensor x, Tensor y) {
    return evaluate(List.of(x), List.of(y), 32, 0);
  }

  /** Loss and metrics, in batches of {@code batchSize}; {@code verbose} as in fit. */
  public Map<String, Double> evaluate(List<Tensor> x, List<Tensor> y, int batchSize, int verbose) {
    requireCompiled();
    ArrayBatches data = new ArrayBatches(name(), x, y, null, null);
    return FitLoop.evaluate(this, BatchSource.of(data, batchSize, false, 0), List.of(), verbose);
  }

  /** The model's output for every sample of {@code x}, in batches of 32 (a tensor in the caller's scope). */
  public Tensor predict(Tensor x) {
    return predict(x, 32);
  }

  public Tensor predict(Tensor x, int batchSize) {
    List<Tensor> out = predict(List.of(x), batchSize);
    if (out.size() != 1) {
      throw new InvalidArgumentException(name() + ": has " + out.size() + " outputs; use predict(List, int)");
    }
    return out.get(0);
  }

  /** Every output for every sample, in batches; inference mode, no gradients. */
  public List<Tensor> predict(List<Tensor> x, int batchSize) {
    ArrayBatches data = new ArrayBatches(name(), x, null, null, null);
    return FitLoop.predict(this, BatchSource.of(data, batchSize, false, 0));
  }

  // ---- state callbacks use ----

  public boolean isStopTraining() {
    return stopTraining;
  }

  /** Asks fit to stop after the current batch (as Keras's {@code model.stop_training = True}). */
  public void setStopTraining(boolean stop) {
    this.stopTraining = stop;
  }

  /** Copies of every weight, in {@link #parameters()} order (the caller owns them). */
  public List<Tensor> getWeights() {
    List<Tensor> out = new ArrayList<>();
    try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
      for (Parameter p : parameters()) {
        out.add(p.value().mul(1.0));
      }
    }
    return out;
  }

  /** Copies {@code weights} (in {@link #parameters()} order) into the model's weights, in place. */
  public void setWeights(List<Tensor> weights) {
    List<Parameter> params = parameters();
    if (weights.size() != params.size()) {
      throw new InvalidArgumentException(name() + ": setWeights got " + weights.size() + " tensors for " + params.size() + " weights");
    }
    try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
      for (int i = 0; i < params.size(); i++) {
        params.get(i).assign(weights.get(i));
      }
    }
  }

  /** Every weight by its path ("dense_1/kernel"), live (do not close them). */
  public Map<String, Tensor> namedWeights() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Parameter p : parameters()) {
      if (out.put(p.path(), p.value()) != null) {
        throw new InvalidArgumentException(name() + ": two weights are named " + p.path() + " (give the layers distinct names)");
      }
    }
    return out;
  }

  @Override
  public void setTrainable(boolean trainable) {
    super.setTrainable(trainable);
    this.trainable = null;
  }

  /** Forgets the cached list of trainable weights (after freezing or unfreezing a sublayer directly). */
  protected final void invalidateTrainable() {
    this.trainable = null;
  }

  void beginFit() {
    stopTraining = false;
    trainable = null;
    for (Tensor p : trainableTensors()) {
      p.zeroGrad();
    }
  }

  // ---- the model file ----

  /** Saves the model (layer configuration, weights, inference graph) to one {@code .safetensors} file, atomically. */
  public void save(Path path) {
    save(path, false);
  }

  /**
   * Saves the model and, with {@code includeOptimizer}, the optimizer's state (iterations, moments), so that a model
   * loaded from the file and compiled with the same optimizer settings resumes training exactly where it stopped.
   * The file is read by {@link #load}, by {@code neurite-predict} (C++), by tests/xlang's NumPy reader and by any
   * safetensors library; docs/FORMAT.md has the layout.
   */
  public void save(Path path, boolean includeOptimizer) {
    Objects.requireNonNull(path, "path");
    if (!device().isCpu()) {
      // The file holds host copies, and the inference graph is traced on the CPU: the weights (and the optimizer's
      // state) visit the host for the time of the save and go back.
      Device on = device();
      to(Device.cpu());
      try {
        save(path, includeOptimizer);
      } finally {
        to(on);
      }
      return;
    }
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("type", Layers.typeName(this));
    file.put("config", config());
    List<Object> shapes = new ArrayList<>();
    for (long[] s : traceShapes()) {
      shapes.add(Layers.list(s));
    }
    file.put("input_shapes", shapes);
    String config = ConfigJson.write(file);
    try (Scope scope = Neurite.scope(); InferenceGraph graph = traceInference()) {
      Map<String, Tensor> state = includeOptimizer && optimizer != null ? optimizer.state() : Map.of();
      ModelFile.writeModel(path, config, namedWeights(), state, graph);
    }
  }

  /**
   * Rebuilds a saved model: its class from the configuration (built-in layers and models by name, custom ones once
   * registered with {@link Layers#register}), then its weights. Optimizer state in the file is applied by the next
   * {@link #compile}. The model is not compiled.
   *
   * @throws ModelFormatException for a file that is not a Neurite model, or whose weights do not fit its layers
   */
  public static Model load(Path path) {
    Objects.requireNonNull(path, "path");
    try (Scope scope = Neurite.scope(); ModelFile file = ModelFile.read(path)) {
      Map<?, ?> top;
      try {
        top = (Map<?, ?>) ConfigJson.parse(file.config());
      } catch (ClassCastException e) {
        throw new ModelFormatException(path + ": the model config is not a JSON object");
      }
      Object type = top.get("type"), config = top.get("config");
      if (!(type instanceof String) || !(config instanceof Map<?, ?>)) {
        throw new ModelFormatException(path + ": the model config lacks \"type\" or \"config\"");
      }
      @SuppressWarnings("unchecked")
      Layer layer = Layers.fromConfig((String) type, (Map<String, Object>) config);
      if (!(layer instanceof Model model)) {
        throw new ModelFormatException(path + ": holds a " + type + " layer, not a model");
      }
      if (!model.isBuilt()) {
        model.buildWith(top.get("input_shapes"), path);
      }
      model.restoreWeights(file.weights(), path);
      Map<String, Tensor> state = file.optimizerState();
      if (!state.isEmpty()) {
        model.pendingOptimizerState = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
          Tensor t = e.getValue();
          model.pendingOptimizerState.put(e.getKey(), Scope.untracked(() -> t.mul(1.0)));
        }
      }
      return model;
    }
  }

  /** Writes the inference graph as an ONNX model (opset 13) for ONNX Runtime and other ONNX tools. */
  public void exportOnnx(Path path) {
    Objects.requireNonNull(path, "path");
    if (!device().isCpu()) {
      Device on = device();  // as in save: traced and written from host copies
      to(Device.cpu());
      try {
        exportOnnx(path);
      } finally {
        to(on);
      }
      return;
    }
    try (Scope scope = Neurite.scope(); InferenceGraph graph = traceInference()) {
      OnnxExporter.export(graph, namedWeights(), path);
    }
  }

  private List<long[]> traceShapes() {
    List<long[]> shapes = builtInputShapes();
    if (shapes == null) {
      throw new InvalidArgumentException(name() + ": build the model (fit it, call it, or buildFor) before saving it");
    }
    return shapes;
  }

  /** The inference function traced into engine ops; unknown inner dimensions are traced at size 1. */
  private InferenceGraph traceInference() {
    List<long[]> shapes = traceShapes();
    List<TensorSpec> specs = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      long[] s = shapes.get(i).clone();
      for (int d = 1; d < s.length; d++) {
        s[d] = s[d] < 0 ? 1 : s[d];
      }
      specs.add(TensorSpec.of(shapes.size() == 1 ? "input" : "input_" + i, DType.F32, s));
    }
    return InferenceGraph.trace(namedWeights(), specs, null, in -> applyAll(List.of(in), false).toArray(new Tensor[0]));
  }

  private void buildWith(Object inputShapes, Path path) {
    if (!(inputShapes instanceof List<?> list) || list.isEmpty()) {
      throw new ModelFormatException(path + ": the model config has no input_shapes to build " + name() + " with");
    }
    try (Scope scope = Neurite.scope(); Neurite.NoGrad noGrad = Neurite.noGrad()) {
      List<Tensor> examples = new ArrayList<>();
      for (Object o : list) {
        long[] s = Layers.longs(o);
        s[0] = 1;
        for (int d = 1; d < s.length; d++) {
          s[d] = s[d] < 0 ? 1 : s[d];
        }
        examples.add(Tensor.zeros(s));
      }
      applyAll(examples, false);
    } catch (ClassCastException e) {
      throw new ModelFormatException(path + ": malformed input_shapes in the model config");
    }
  }

  private void restoreWeights(Map<String, Tensor> weights, Path path) {
    List<Parameter> params = parameters();
    for (Parameter p : params) {
      Tensor w = weights.get(p.path());
      if (w == null) {
        throw new ModelFormatException(path + ": no weight '" + p.path() + "' in the file for " + name());
      }
      if (!java.util.Arrays.equals(w.shape(), p.shape())) {
        throw new ModelFormatException(path + ": weight '" + p.path() + "' has shape " + java.util.Arrays.toString(w.shape())
            + " in the file but " + java.util.Arrays.toString(p.shape()) + " in the rebuilt layer");
      }
      try (Neurite.NoGrad noGrad = Neurite.noGrad()) {
        p.assign(w);
      }
    }
    if (weights.size() != params.size()) {
      List<String> extra = new ArrayList<>(weights.keySet());
      for (Parameter p : params) {
        extra.remove(p.path());
      }
      throw new ModelFormatException(path + ": the file has weights the model does not: " + extra);
    }
  }

  // ---- summary ----

  /** Prints {@link #summaryString()} to stdout, as Keras's {@code model.summary()}. */
  public void summary() {
    System.out.print(summaryString());
  }

  /** The layers, their output shapes and parameter counts, and the totals, as Keras prints them. */
  public String summaryString() {
    return Summary.of(this);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + name() + ", " + sublayers().size() + " layers)";
  }

}
