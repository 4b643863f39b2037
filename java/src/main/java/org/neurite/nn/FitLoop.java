package org.neurite.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neurite.Device;
import org.neurite.InvalidArgumentException;
import org.neurite.NativeAccess;
import org.neurite.Neurite;
import org.neurite.Ops;
import org.neurite.Scope;
import org.neurite.Tensor;
import org.neurite.data.Batch;
import org.neurite.data.DatasetIterator;
import org.neurite.train.Callback;
import org.neurite.train.FitOptions;
import org.neurite.train.History;
import org.neurite.train.ProgressBar;

/**
 * The loops behind fit, evaluate and predict: epochs of batches, each step in its own {@link Scope} (so memory stays
 * flat), callbacks around every epoch and batch, validation at each epoch's end. For a model on a device, each batch
 * is copied there (a no-op for batches a device prefetch put there already), the thread's default device is the
 * model's for the loop, and predictions come back to the CPU.
 */
final class FitLoop {
  private final Model model;
  private final BatchSource train, val;
  private final FitOptions options;
  private final List<Callback> callbacks = new ArrayList<>();
  private final History history = new History();

  FitLoop(Model model, BatchSource train, BatchSource val, FitOptions options) {
    this.model = model;
    this.train = train;
    this.val = val;
    this.options = options;
    long steps = options.stepsPerEpoch() > 0 ? options.stepsPerEpoch() : train.steps();
    if (options.stepsPerEpoch() <= 0 && train.endless()) {
      throw new InvalidArgumentException(model.name() + ": the dataset is endless; set FitOptions.stepsPerEpoch");
    }
    callbacks.add(history);
    callbacks.addAll(options.callbacks());
    callbacks.add(ProgressBar.forFit(options.verbose(), options.epochs(), steps));
    for (Callback c : callbacks) {
      c.setModel(model);
    }
  }

  History run() {
    Device previous = onModelDevice(model);
    try {
      return runOnDevice();
    } finally {
      restoreDevice(previous);
    }
  }

  /** Makes the model's device the thread's default for a loop; returns what to restore (null: nothing). */
  static Device onModelDevice(Model model) {
    return model.device().isCpu() ? null : NativeAccess.useDefaultDevice(model.device());
  }

  static void restoreDevice(Device previous) {
    if (previous != null) {
      NativeAccess.useDefaultDevice(previous);
    }
  }

  private History runOnDevice() {
    model.beginFit();
    long steps = options.stepsPerEpoch();
    Map<String, Double> logs = new LinkedHashMap<>();
    callbacks.forEach(c -> c.onTrainBegin(logs));
    // With stepsPerEpoch, an epoch is that many batches and the data's iterator carries on across epochs (as Keras).
    DatasetIterator<Batch> carried = null;
    try {
      for (int epoch = options.initialEpoch(); epoch < options.epochs() && !model.isStopTraining(); epoch++) {
        final int e = epoch;
        callbacks.forEach(c -> c.onEpochBegin(e, Map.of()));
        model.resetMetrics();
        Map<String, Double> epochLogs = new LinkedHashMap<>();
        DatasetIterator<Batch> it;
        if (steps > 0) {
          if (carried == null || !carried.hasNext()) {
            if (carried != null) {
              carried.close();
            }
            carried = train.open(epoch);
          }
          it = carried;
        } else {
          it = train.open(epoch);
        }
        try {
          for (long b = 0; (steps <= 0 || b < steps) && !model.isStopTraining() && it.hasNext(); b++) {
            final int bi = (int) b;
            callbacks.forEach(c -> c.onTrainBatchBegin(bi, Map.of()));
            Map<String, Double> stepLogs;
            try (Scope scope = Neurite.scope(); Batch batch = model.onDevice(it.next())) {
              stepLogs = model.trainStep(batch);
            }
            epochLogs = stepLogs;
            callbacks.forEach(c -> c.onTrainBatchEnd(bi, stepLogs));
            if (steps > 0 && !it.hasNext() && b + 1 < steps) {
              it.close();
              carried = train.open(epoch);
              it = carried;
            }
          }
        } finally {
          if (it != carried) {
            it.close();
          }
        }
        Map<String, Double> end = new LinkedHashMap<>(epochLogs);
        if (val != null) {
          Map<String, Double> v = evaluate(model, val, List.of(), 0);
          v.forEach((k, value) -> end.put("val_" + k, value));
        }
        if (model.optimizer() != null) {
          end.put("lr", model.optimizer().learningRate());
        }
        callbacks.forEach(c -> c.onEpochEnd(e, end));
      }
    } finally {
      if (carried != null) {
        carried.close();
      }
    }
    callbacks.forEach(c -> c.onTrainEnd(logs));
    return history;
  }

  static Map<String, Double> evaluate(Model model, BatchSource data, List<Callback> callbacks, int verbose) {
    Device previous = onModelDevice(model);
    try {
      return evaluateOnDevice(model, data, callbacks, verbose);
    } finally {
      restoreDevice(previous);
    }
  }

  private static Map<String, Double> evaluateOnDevice(Model model, BatchSource data, List<Callback> callbacks,
      int verbose) {
    List<Callback> all = new ArrayList<>(callbacks);
    all.add(ProgressBar.forEvaluate(verbose, data.steps()));
    for (Callback c : all) {
      c.setModel(model);
    }
    model.resetMetrics();
    all.forEach(c -> c.onTestBegin(Map.of()));
    Map<String, Double> logs = new LinkedHashMap<>();
    try (Neurite.NoGrad noGrad = Neurite.noGrad(); DatasetIterator<Batch> it = data.open(0)) {
      for (int b = 0; it.hasNext(); b++) {
        final int bi = b;
        all.forEach(c -> c.onTestBatchBegin(bi, Map.of()));
        try (Scope scope = Neurite.scope(); Batch batch = model.onDevice(it.next())) {
          logs = model.testStep(batch);
        }
        final Map<String, Double> l = logs;
        all.forEach(c -> c.onTestBatchEnd(bi, l));
      }
    }
    final Map<String, Double> result = logs;
    all.forEach(c -> c.onTestEnd(result));
    return new LinkedHashMap<>(logs);
  }

  static List<Tensor> predict(Model model, BatchSource data) {
    Device previous = onModelDevice(model);
    try {
      return predictOnDevice(model, data);
    } finally {
      restoreDevice(previous);
    }
  }

  private static List<Tensor> predictOnDevice(Model model, BatchSource data) {
    boolean onCpu = model.device().isCpu();
    List<List<Tensor>> parts = new ArrayList<>();
    try (Neurite.NoGrad noGrad = Neurite.noGrad(); DatasetIterator<Batch> it = data.open(0)) {
      while (it.hasNext()) {
        try (Scope scope = Neurite.scope(); Batch batch = model.onDevice(it.next())) {
          List<Tensor> outs = model.predictStep(batch);
          List<Tensor> kept = new ArrayList<>();
          for (Tensor t : outs) {
            if (!onCpu) {
              kept.add(scope.keep(t.to(Device.cpu())));  // results a caller can read, and no GPU memory held
              continue;
            }
            // An output that is one of the batch's own tensors (an identity model) is closed with the batch: copy it.
            boolean own = batch.inputs().stream().anyMatch(in -> in == t);
            kept.add(scope.keep(own ? t.mul(1.0) : t));
          }
          parts.add(kept);
        }
      }
    }
    List<Tensor> result = new ArrayList<>();
    if (parts.isEmpty()) {
      return result;
    }
    for (int o = 0; o < parts.get(0).size(); o++) {
      Tensor[] pieces = new Tensor[parts.size()];
      for (int b = 0; b < parts.size(); b++) {
        pieces[b] = parts.get(b).get(o);
      }
      result.add(pieces.length == 1 ? pieces[0] : Ops.concat(0, pieces));
    }
    if (parts.size() > 1) {
      for (List<Tensor> p : parts) {
        p.forEach(Tensor::close);
      }
    }
    return result;
  }
}
