package org.neurite.data;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.neurite.Device;
import org.neurite.NativeAccess;
import org.neurite.Scope;
import org.neurite.Tensor;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_event;
import org.neurite.bindings.NeuriteNative.nr_tensor;

/**
 * The stage under {@link Dataset#prefetchToDevice}: each batch's tensors are written one after another into a pinned
 * (page-locked) host buffer, and the engine starts their copies to the device on the device's copy stream and returns
 * at once; the device's compute stream waits for those copies through events, so neither the producer nor the
 * consumer waits for a transfer. The upstream batch is closed once staged.
 *
 * <p>Two staging buffers take turns: before a buffer is written again, the copies from it must be done (the one
 * place the host waits, on the producer's thread, and by then they have long finished). Each buffer grows to the
 * largest batch it has held. On the CPU the same path runs with plain memory and immediate copies.
 */
final class DeviceStaging extends Stage<Batch, Batch> {
  private static final int BUFFERS = 2;
  private static final long ALIGNMENT = 64;

  private final Device device;

  DeviceStaging(Dataset<Batch> upstream, Device device) {
    super(upstream);
    this.device = device;
  }

  @Override
  String describe() {
    return upstream.describe() + ".toDevice(" + device + ")";
  }

  @Override
  DatasetIterator<Batch> open(long epoch) {
    DatasetIterator<Batch> it = upstream.open(epoch);
    Staging[] buffers = new Staging[BUFFERS];
    for (int i = 0; i < BUFFERS; i++) {
      buffers[i] = new Staging();
    }
    return new StageIterator<>(it) {
      long turn;

      @Override
      protected Batch pull() {
        if (!input.hasNext()) {
          return null;
        }
        try (Batch batch = input.next()) {
          return stage(batch, buffers[(int) (turn++ % BUFFERS)]);
        }
      }

      @Override
      protected void release() {
        try {
          input.close();
        } finally {
          for (Staging s : buffers) {
            s.free();
          }
        }
      }
    };
  }

  /** A copy of {@code batch} on the device, its copies started from {@code staging}. */
  private Batch stage(Batch batch, Staging staging) {
    List<Tensor> parts = new ArrayList<>(batch.inputs());
    parts.addAll(batch.targets());
    if (batch.sampleWeights() != null) {
      parts.add(batch.sampleWeights());
    }
    long[] offsets = new long[parts.size()];
    long total = 0;
    for (int i = 0; i < parts.size(); i++) {
      offsets[i] = total;
      total += (bytes(parts.get(i)) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
    Pointer memory = staging.reserve(total);
    List<Tensor> moved = new ArrayList<>(parts.size());
    try {
      for (int i = 0; i < parts.size(); i++) {
        Tensor t = parts.get(i);
        long nbytes = bytes(t);
        Pointer at = new BytePointer(memory).position(offsets[i]);
        if (nbytes > 0) {
          NativeAccess.check(NeuriteNative.nr_tensor_copy_to_host(NativeAccess.handle(t), at, nbytes));
        }
        nr_tensor out = new nr_tensor();
        nr_event copied = new nr_event();
        long[] shape = t.shape();
        NativeAccess.check(NeuriteNative.nr_tensor_from_host_async(at, nbytes, t.dtype().code(), shape, shape.length,
            device.type() == Device.Type.CPU ? NeuriteNative.NR_DEVICE_CPU : NeuriteNative.NR_DEVICE_CUDA,
            device.index(), out, copied));
        staging.events.add(copied);
        moved.add(Scope.untracked(() -> NativeAccess.wrap(out)));
      }
      int in = batch.inputs().size(), tg = batch.targets().size();
      return new Batch(moved.subList(0, in), moved.subList(in, in + tg),
          batch.sampleWeights() == null ? null : moved.get(in + tg));
    } catch (RuntimeException | Error e) {
      moved.forEach(Tensor::close);
      throw e;
    }
  }

  private static long bytes(Tensor t) {
    return t.size() * t.dtype().byteSize();
  }

  /** One pinned buffer and the copies still reading it. */
  private final class Staging {
    private Pointer memory;
    private long capacity;
    final List<nr_event> events = new ArrayList<>();

    /** The buffer, at least {@code nbytes} large, once no copy reads it any more. */
    Pointer reserve(long nbytes) {
      awaitCopies();
      if (memory == null || capacity < nbytes) {
        free();
        Pointer p = new Pointer((Pointer) null);
        long size = Math.max(nbytes, ALIGNMENT);
        NativeAccess.check(NeuriteNative.nr_pinned_alloc(typeCode(), device.index(), size, p));
        memory = p;
        capacity = size;
      }
      return memory;
    }

    /** Waits for the copies from this buffer and releases their events (every event, even after a failure). */
    void awaitCopies() {
      RuntimeException failure = null;
      for (nr_event e : events) {
        try {
          NativeAccess.check(NeuriteNative.nr_event_synchronize(e));
        } catch (RuntimeException x) {
          failure = failure == null ? x : failure;
        } finally {
          NeuriteNative.nr_event_free(e);
        }
      }
      events.clear();
      if (failure != null) {
        throw failure;
      }
    }

    /** Returns the buffer to the engine once nothing reads it. Never throws: it runs when the iterator closes. */
    void free() {
      try {
        awaitCopies();
      } catch (RuntimeException e) {
        // a failed copy was reported to the consumer already, or nobody is left to tell
      }
      if (memory != null) {
        NeuriteNative.nr_pinned_free(typeCode(), device.index(), memory);
        memory = null;
        capacity = 0;
      }
    }

    private int typeCode() {
      return device.type() == Device.Type.CPU ? NeuriteNative.NR_DEVICE_CPU : NeuriteNative.NR_DEVICE_CUDA;
    }
  }
}
