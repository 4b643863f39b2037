package org.neurite.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.neurite.Device;
import org.neurite.DeviceException;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;

/**
 * Dataset.prefetchToDevice. Its CPU path is the GPU path with plain memory and immediate copies: the same batches in
 * the same order, every dtype and odd byte sizes staged at their offsets, the upstream batches closed once staged,
 * errors passed on in order, the thread stopped and the buffered batches freed on close. The GPU path runs only where
 * Device.cudaAvailable().
 */
class DevicePrefetchTest {
  @AfterEach
  void noThreadOutlivesItsIterator() throws InterruptedException {
    assertEquals(0, DataTesting.liveDataThreadsAfterSettling(), "pipeline threads still alive after the test");
  }

  /** Batch i: x = f32[rows,3] of i*100 + k, y = i64[rows] of i - k, a u8 input of 5 bytes a row, weights f32[rows]. */
  private static Batch numberedBatch(int i, int rows) {
    float[] x = new float[rows * 3];
    long[] y = new long[rows];
    byte[] mask = new byte[rows * 5];
    float[] w = new float[rows];
    for (int k = 0; k < x.length; k++) {
      x[k] = i * 100 + k;
    }
    for (int k = 0; k < rows; k++) {
      y[k] = i - k;
      w[k] = 0.5f * k;
    }
    for (int k = 0; k < mask.length; k++) {
      mask[k] = (byte) (i + k);
    }
    return new Batch(List.of(Tensor.of(x, rows, 3), Tensor.of(mask, rows, 5)), List.of(Tensor.of(y, rows)),
        Tensor.of(w, rows));
  }

  /** A generator of {@code n} numbered batches (of 1 to 4 rows) that records every batch it hands out. */
  private static Dataset<Batch> recorded(int n, List<Batch> handedOut) {
    return Dataset.fromGenerator(() -> new Iterator<Batch>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public Batch next() {
        Batch b = numberedBatch(i, 1 + i % 4);
        i++;
        handedOut.add(b);
        return b;
      }
    });
  }

  private static void assertSameBatch(Batch expected, Batch actual, Device device) {
    assertEquals(expected.inputs().size(), actual.inputs().size());
    assertEquals(expected.targets().size(), actual.targets().size());
    List<Tensor> want = new ArrayList<>(expected.inputs()), got = new ArrayList<>(actual.inputs());
    want.addAll(expected.targets());
    got.addAll(actual.targets());
    want.add(expected.sampleWeights());
    got.add(actual.sampleWeights());
    for (int i = 0; i < want.size(); i++) {
      Tensor w = want.get(i), g = got.get(i);
      assertEquals(device, g.device());
      assertEquals(w.dtype(), g.dtype());
      assertArrayEquals(w.shape(), g.shape());
      assertArrayEquals(w.toDoubleArrayAnyType(), g.toDoubleArrayAnyType(), "tensor " + i + " of " + actual);
    }
  }

  @Test
  void cpuPathYieldsTheSameBatchesInOrder() {
    List<Batch> upstream = Collections.synchronizedList(new ArrayList<>());
    Dataset<Batch> staged = recorded(9, upstream).prefetchToDevice(Device.cpu(), 2);
    assertEquals(Dataset.UNKNOWN, staged.cardinality());
    int count = 0;
    try (DatasetIterator<Batch> it = staged.iterator()) {
      while (it.hasNext()) {
        try (Batch b = it.next(); Batch expected = numberedBatch(count, 1 + count % 4)) {
          assertSameBatch(expected, b, Device.cpu());
          for (Tensor t : b.inputs()) {
            assertFalse(upstream.get(count).inputs().stream().anyMatch(u -> u == t), "a copy, not the upstream tensor");
          }
        }
        count++;
      }
    }
    assertEquals(9, count);
    assertEquals(9, upstream.size());
    for (Batch b : upstream) {
      assertTrue(b.inputs().stream().allMatch(Tensor::isClosed), "upstream batch closed once staged");
      assertTrue(b.targets().get(0).isClosed() && b.sampleWeights().isClosed());
    }
  }

  @Test
  void batchesOfThePipelineArriveUnchangedEpochAfterEpoch() {
    Dataset<Batch> plain = DataTesting.numbered(23, 4).batch(5);
    Dataset<Batch> staged = plain.prefetchToDevice(Device.cpu(), 3);
    assertEquals(5, staged.cardinality());
    for (int epoch = 0; epoch < 2; epoch++) {
      List<Batch> want = plain.toList(), got = staged.toList();
      assertEquals(want.size(), got.size());
      for (int i = 0; i < want.size(); i++) {
        assertArrayEquals(want.get(i).x().toFloatArray(), got.get(i).x().toFloatArray());
        assertArrayEquals(want.get(i).y().toIntArray(), got.get(i).y().toIntArray());
        assertNull(got.get(i).sampleWeights());
        want.get(i).close();
        got.get(i).close();
      }
    }
  }

  @Test
  void closingEarlyStopsTheThreadAndFreesWhatIsBuffered() throws InterruptedException {
    List<Batch> upstream = Collections.synchronizedList(new ArrayList<>());
    DatasetIterator<Batch> it = recorded(1000, upstream).prefetchToDevice(Device.cpu(), 4).iterator();
    try (it) {
      try (Batch first = it.next(); Batch second = it.next()) {
        assertEquals(0f, first.inputs().get(0).toFloatArray()[0]);
        assertEquals(100f, second.inputs().get(0).toFloatArray()[0]);
      }
      for (int i = 0; i < 100 && upstream.size() < 5; i++) {
        Thread.sleep(5);  // let the producer fill its buffer
      }
      assertTrue(DataTesting.liveDataThreads() > 0, "the prefetch thread runs while the iterator is open");
    }
    assertEquals(0, DataTesting.liveDataThreads(), "close() joins the producer");
    assertTrue(upstream.size() < 1000, "the producer stopped early: " + upstream.size());
    for (Batch b : upstream) {
      assertTrue(b.inputs().stream().allMatch(Tensor::isClosed), "every batch taken from upstream was freed");
    }
    assertFalse(it.hasNext());
  }

  @Test
  void upstreamErrorsArriveAfterTheBatchesBeforeThem() {
    AtomicInteger made = new AtomicInteger();
    Dataset<Batch> failing = Dataset.fromGenerator(() -> new Iterator<Batch>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Batch next() {
        int i = made.getAndIncrement();
        if (i == 3) {
          throw new IllegalStateException("disk on fire at batch 3");
        }
        return numberedBatch(i, 2);
      }
    });
    try (DatasetIterator<Batch> it = failing.prefetchToDevice(Device.cpu(), 2).iterator()) {
      for (int i = 0; i < 3; i++) {
        try (Batch b = it.next()) {
          assertEquals(i * 100f, b.inputs().get(0).toFloatArray()[0]);
        }
      }
      DataException e = assertThrows(DataException.class, it::hasNext);
      assertTrue(e.getMessage().contains("disk on fire at batch 3") && e.getMessage().contains("element 3"),
          e.getMessage());
      assertFalse(it.hasNext(), "the failed pipeline is closed");
    }
  }

  @Test
  void elementsThatAreNotBatchesAreRefused() {
    Dataset<Long> numbers = Dataset.range(3);
    try (DatasetIterator<Batch> it = numbers.prefetchToDevice(Device.cpu(), 1).iterator()) {
      DataException e = assertThrows(DataException.class, it::next);
      assertTrue(e.getMessage().startsWith("prefetchToDevice: element 0"), e.getMessage());
      assertTrue(e.getMessage().contains("needs Batch elements"), e.getMessage());
    }
  }

  @Test
  void badArgumentsAndAnUnavailableDevice() {
    Dataset<Batch> batches = DataTesting.numbered(4, 2).batch(2);
    assertThrows(InvalidArgumentException.class, () -> batches.prefetchToDevice(Device.cpu(), 0));
    assertThrows(NullPointerException.class, () -> batches.prefetchToDevice(null, 2));
    assumeFalse(Device.cudaAvailable(), "a CUDA device is present");
    DeviceException e = assertThrows(DeviceException.class, () -> batches.prefetchToDevice(Device.cuda(0), 2));
    assertTrue(e.getMessage().startsWith("CUDA unavailable: "), e.getMessage());
  }

  @Test
  void emptyTensorsAndLargeBatchesStageAtTheirOffsets() {
    Dataset<Batch> source = Dataset.fromList(List.of(0, 1, 2)).map(i -> {
      try (Scope scope = Neurite.scope()) {
        long rows = i == 1 ? 0 : 20_000;
        Tensor x = Tensor.arange(0, rows * 7).reshape(rows, 7).add(i.doubleValue());
        return Batch.of(scope.keep(x), scope.keep(x.mul(2.0)));
      }
    });
    try (DatasetIterator<Batch> it = source.prefetchToDevice(Device.cpu(), 1).iterator()) {
      for (int i = 0; i < 3; i++) {
        try (Batch b = it.next()) {
          long rows = i == 1 ? 0 : 20_000;
          assertArrayEquals(new long[] {rows, 7}, b.x().shape());
          if (rows > 0) {
            float[] x = b.x().toFloatArray();
            assertEquals(i, x[0]);
            assertEquals(rows * 7 - 1 + i, x[x.length - 1]);
            float[] y = b.y().toFloatArray();
            assertEquals(2 * (rows * 7 - 1 + i), y[y.length - 1]);
          }
        }
      }
    }
  }

  @Test
  void gpuPathDeliversTheSameBatchesOnTheDevice() {
    assumeTrue(Device.cudaAvailable(), "no CUDA device: the GPU path of prefetchToDevice is not exercised here");
    Device gpu = Device.cuda(0);
    List<Batch> upstream = Collections.synchronizedList(new ArrayList<>());
    long inUseBefore = gpu.memoryStats().inUse();
    int count = 0;
    try (DatasetIterator<Batch> it = recorded(200, upstream).prefetchToDevice(gpu, 3).iterator()) {
      while (it.hasNext()) {
        try (Scope scope = Neurite.scope(); Batch b = it.next(); Batch expected = numberedBatch(count, 1 + count % 4)) {
          // compute queued right after arrival sees the copied values (the compute stream waits for the copy)
          Tensor x = b.inputs().get(0);
          float[] doubled = x.add(x).toFloatArray();
          assertEquals(expected.inputs().get(0).toFloatArray()[doubled.length - 1] * 2, doubled[doubled.length - 1]);
          assertSameBatch(expected, b, gpu);
        }
        count++;
      }
    }
    assertEquals(200, count);
    assertEquals(inUseBefore, gpu.memoryStats().inUse(), "every staged batch was freed on the device");
    assertTrue(upstream.stream().allMatch(b -> b.inputs().stream().allMatch(Tensor::isClosed)));
  }
}
