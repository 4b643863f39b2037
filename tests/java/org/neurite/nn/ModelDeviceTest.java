package org.neurite.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neurite.Device;
import org.neurite.DeviceException;
import org.neurite.Generator;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;
import org.neurite.data.Batch;
import org.neurite.data.Dataset;
import org.neurite.losses.MeanSquaredError;
import org.neurite.nn.layers.BatchNormalization;
import org.neurite.nn.layers.Dense;
import org.neurite.nn.layers.Dropout;
import org.neurite.optim.Adam;
import org.neurite.train.FitOptions;

/**
 * model.to(device). Without a GPU: moving to the CPU changes nothing (training goes on bit for bit as in a twin that
 * never moved), and moving to CUDA raises DeviceException saying why and leaves the model whole on the CPU. With a
 * GPU (only where Device.cudaAvailable()): every weight and the optimizer's state move, training and prediction run
 * there and agree with the CPU twin, lazy builds create their weights on the GPU, and saving works.
 */
class ModelDeviceTest {
  @BeforeEach
  void seed() {
    Layers.setSeed(11);
  }

  /** y = 2·x1 - x2 + 0.5 on 128 seeded points. */
  private static Tensor[] data() {
    Generator g = Generator.seeded(5);
    Tensor x = g.uniform(-1, 1, 128, 2);
    Tensor y = x.matmul(Tensor.of(new float[] {2, -1}, 2, 1)).add(0.5);
    return new Tensor[] {x, y};
  }

  private static Sequential sequential() {
    return new Sequential(new InputLayer(2), new Dense(8, Activation.TANH), new BatchNormalization(), new Dense(1));
  }

  private static Model functional() {
    SymbolicTensor in = Input.of(2);
    SymbolicTensor h = new BatchNormalization().apply(new Dense(8, Activation.TANH).apply(in));
    return Model.of(in, new Dense(1).apply(h));
  }

  /** A subclassed model, built lazily by its first batch. */
  static final class Subclassed extends Model {
    final Dense hidden = new Dense(8, Activation.TANH);
    final BatchNormalization norm = new BatchNormalization();
    final Dropout dropout = new Dropout(0.1);
    final Dense out = new Dense(1);

    @Override
    protected Tensor call(Tensor x, boolean training) {
      return out.apply(dropout.apply(norm.apply(hidden.apply(x, training), training), training), training);
    }
  }

  private static List<float[]> values(Model m) {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : m.parameters()) {
      out.add(p.value().toFloatArray());
    }
    return out;
  }

  private static void assertSameValues(List<float[]> want, List<float[]> got, float tolerance) {
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i), got.get(i), tolerance, "weight " + i);
    }
  }

  private static FitOptions options(int epochs) {
    return new FitOptions().epochs(epochs).batchSize(16).shuffle(false).verbose(0);
  }

  @Test
  void toCpuIsANoOpAndTrainingGoesOnAsInATwinThatNeverMoved() {
    for (Supplier<Model> make : List.<Supplier<Model>>of(ModelDeviceTest::sequential, ModelDeviceTest::functional)) {
      try (Scope scope = Neurite.scope()) {
        Tensor[] d = data();
        Layers.setSeed(11);
        Model moved = make.get();
        Layers.setSeed(11);
        Model twin = make.get();
        moved.compile(new Adam(0.05), new MeanSquaredError());
        twin.compile(new Adam(0.05), new MeanSquaredError());
        moved.fit(d[0], d[1], options(2));
        twin.fit(d[0], d[1], options(2));
        List<Tensor> before = new ArrayList<>();
        moved.parameters().forEach(p -> before.add(p.value()));
        assertSame(moved, moved.to(Device.cpu()));
        assertEquals(Device.cpu(), moved.device());
        for (int i = 0; i < before.size(); i++) {
          assertSame(before.get(i), moved.parameters().get(i).value(), "the weights are the same tensors");
        }
        moved.fit(d[0], d[1], options(3));
        twin.fit(d[0], d[1], options(3));
        assertSameValues(values(twin), values(moved), 0f);
        Tensor p = moved.predict(d[0]);
        assertEquals(Device.cpu(), p.device());
        assertArrayEquals(twin.predict(d[0]).toFloatArray(), p.toFloatArray(), 0f);
        assertEquals(twin.evaluate(d[0], d[1]).get("loss"), moved.evaluate(d[0], d[1]).get("loss"), 0.0);
        moved.close();
        twin.close();
      }
    }
  }

  @Test
  void layersAddedOrBuiltAfterMovingToTheCpuTrain() {
    try (Scope scope = Neurite.scope()) {
      Tensor[] d = data();
      Subclassed lazy = new Subclassed();
      assertSame(lazy, lazy.to(Device.cpu()));
      lazy.compile(new Adam(0.05), new MeanSquaredError());
      Dataset<Batch> batches = Dataset.fromTensors(d[0], d[1]).batch(16).prefetchToDevice(Device.cpu(), 2);
      double first = lazy.fit(batches, new FitOptions().epochs(1).verbose(0)).last("loss");
      double last = lazy.fit(batches, new FitOptions().epochs(15).verbose(0)).last("loss");
      assertTrue(last < first, first + " -> " + last);
      assertTrue(lazy.parameters().stream().allMatch(p -> p.value().device().equals(Device.cpu())));
      Sequential grown = new Sequential(new InputLayer(2));
      grown.to(Device.cpu());
      grown.add(new Dense(1));
      assertEquals(Device.cpu(), grown.layers().get(grown.layers().size() - 1).device());
      Model built = new Subclassed().to(Device.cpu());
      built.buildFor(2);
      assertEquals(8, built.parameters().get(0).shape()[1]);
      built.close();
      grown.compile(new Adam(0.05), new MeanSquaredError());
      grown.fit(d[0], d[1], options(1));
      lazy.close();
      grown.close();
    }
  }

  @Test
  void movingToCudaWithoutAGpuFailsAndLeavesTheModelWholeOnTheCpu() {
    assumeFalse(Device.cudaAvailable(), "a CUDA device is present");
    try (Scope scope = Neurite.scope()) {
      Tensor[] d = data();
      Sequential model = sequential();
      model.compile(new Adam(0.05), new MeanSquaredError());
      model.fit(d[0], d[1], options(1));  // the optimizer has state now
      List<float[]> before = values(model);
      DeviceException e = assertThrows(DeviceException.class, () -> model.to(Device.cuda(0)));
      assertTrue(e.getMessage().startsWith("CUDA unavailable: "), e.getMessage());
      assertEquals(Device.cpu(), model.device());
      assertSameValues(before, values(model), 0f);
      assertTrue(model.parameters().stream().allMatch(p -> p.value().device().equals(Device.cpu())));
      assertThrows(DeviceException.class, () -> model.layers().get(1).to(Device.cuda(0)));
      assertThrows(DeviceException.class, () -> new Subclassed().to(Device.cuda(0)));
      assertThrows(DeviceException.class, () -> model.optimizer().to(Device.cuda(0)));
      double lossBefore = model.evaluate(d[0], d[1]).get("loss");
      model.fit(d[0], d[1], options(10));
      double lossAfter = model.evaluate(d[0], d[1]).get("loss");
      assertTrue(lossAfter < lossBefore, "training goes on on the CPU: " + lossBefore + " -> " + lossAfter);
      assertEquals(Device.cpu(), model.predict(d[0]).device());
      model.close();
    }
  }

  @Test
  void everyModelStyleTrainsOnTheGpuAndAgreesWithItsCpuTwin(@TempDir Path dir) {
    assumeTrue(Device.cudaAvailable(), "no CUDA device: model.to(cuda) is not exercised here");
    Device gpu = Device.cuda(0);
    for (Supplier<Model> make : List.<Supplier<Model>>of(ModelDeviceTest::sequential, ModelDeviceTest::functional)) {
      try (Scope scope = Neurite.scope()) {
        Tensor[] d = data();
        Layers.setSeed(11);
        Model model = make.get();
        Layers.setSeed(11);
        Model twin = make.get();
        model.compile(new Adam(0.05), new MeanSquaredError());
        twin.compile(new Adam(0.05), new MeanSquaredError());
        model.fit(d[0], d[1], options(1));
        twin.fit(d[0], d[1], options(1));
        assertSame(model, model.to(gpu));
        for (Parameter p : model.parameters()) {
          assertEquals(gpu, p.value().device(), p.path());  // moving statistics included
        }
        for (Map.Entry<String, Tensor> s : model.optimizer().state().entrySet()) {
          if (!s.getKey().equals("iterations")) {
            assertEquals(gpu, s.getValue().device(), "optimizer state " + s.getKey());
          }
        }
        model.fit(d[0], d[1], options(3));
        twin.fit(d[0], d[1], options(3));
        assertSameValues(values(twin), values(model), 1e-4f);
        Tensor p = model.predict(d[0]);
        assertEquals(Device.cpu(), p.device(), "predict returns host tensors");
        assertArrayEquals(twin.predict(d[0]).toFloatArray(), p.toFloatArray(), 1e-4f);
        assertEquals(gpu, model.apply(d[0].to(gpu)).device(), "apply stays on the device");
        Dataset<Batch> staged = Dataset.fromTensors(d[0], d[1]).batch(16).prefetchToDevice(gpu, 2);
        assertEquals(twin.evaluate(d[0], d[1]).get("loss"), model.evaluate(staged).get("loss"), 1e-4);
        Path file = dir.resolve("model.safetensors");
        model.save(file, true);
        assertEquals(gpu, model.device());
        assertEquals(gpu, model.parameters().get(0).value().device(), "saving leaves the model on its device");
        Model loaded = Model.load(file);
        assertArrayEquals(p.toFloatArray(), loaded.predict(d[0]).toFloatArray(), 1e-5f);
        model.close();
        twin.close();
        loaded.close();
      }
    }
  }

  @Test
  void aLazilyBuiltModelCreatesItsWeightsOnTheGpu() {
    assumeTrue(Device.cudaAvailable(), "no CUDA device: lazy builds on a GPU are not exercised here");
    Device gpu = Device.cuda(0);
    try (Scope scope = Neurite.scope()) {
      Tensor[] d = data();
      Subclassed model = new Subclassed();
      model.to(gpu);
      model.compile(new Adam(0.05), new MeanSquaredError());
      Dataset<Batch> staged = Dataset.fromTensors(d[0], d[1]).batch(16).prefetchToDevice(gpu, 2);
      double first = model.fit(staged, new FitOptions().epochs(1).verbose(0)).last("loss");
      double last = model.fit(staged, new FitOptions().epochs(15).verbose(0)).last("loss");
      assertTrue(last < first, first + " -> " + last);
      assertTrue(model.parameters().size() >= 6);
      for (Parameter p : model.parameters()) {
        assertEquals(gpu, p.value().device(), p.path());
      }
      Model built = new Subclassed().to(gpu);
      built.buildFor(2);
      for (Parameter p : built.parameters()) {
        assertEquals(gpu, p.value().device(), "buildFor on the device: " + p.path());
      }
      model.close();
      built.close();
    }
  }
}
