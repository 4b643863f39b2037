package org.neurite;

import java.io.File;
import java.net.URL;
import org.bytedeco.javacpp.Loader;
import org.neurite.bindings.NeuriteNative;

/**
 * Where a tensor's memory lives: the CPU, or a CUDA GPU. The CUDA backend is a separate native library
 * (libneurite_cuda.so, shipped inside the jar) that the engine loads the first time a CUDA device is used; on a
 * machine without a GPU, a driver or that library, using one raises a {@link DeviceException} whose message starts
 * with "CUDA unavailable:" and says why. The CPU never needs CUDA.
 *
 * <pre>{@code
 * Device gpu = Device.cuda(0);
 * try (Scope scope = Neurite.scope()) {
 *   Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(gpu);   // copied to the GPU
 *   Tensor y = x.matmul(x).relu();                                  // runs there
 *   System.out.println(y.to(Device.cpu()));                         // copied back to print
 *   System.out.println(gpu.memoryStats());
 * } catch (DeviceException e) {
 *   System.err.println(e.getMessage());   // e.g. "CUDA unavailable: no usable CUDA driver or device: ..."
 * }
 * }</pre>
 *
 * <p>Ops need all their inputs on one device (a {@link DeviceException} names the op and both devices otherwise); the
 * result is on that device. Ops the CUDA backend has no kernel for raise {@link UnsupportedOpException}, never a
 * silent copy to the CPU. Reading values ({@code toFloatArray}, {@code toString}) copies to the host and waits for
 * the GPU; everything else runs asynchronously on the device's stream.
 */
public final class Device {
  /** The kinds of device. */
  public enum Type {
    CPU(NeuriteNative.NR_DEVICE_CPU),
    CUDA(NeuriteNative.NR_DEVICE_CUDA);

    final int code;

    Type(int code) {
      this.code = code;
    }

    static Type of(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      throw new IllegalStateException("libneurite reported an unknown device type " + code);
    }
  }

  /**
   * A device allocator's memory, in bytes.
   *
   * @param inUse held by live tensors
   * @param cached freed by tensors and kept for reuse ({@link #emptyCache()} returns it to the driver)
   * @param peakInUse the most {@code inUse} has been
   * @param deviceFree free memory on the device, as the driver reports it
   * @param deviceTotal the device's memory
   * @param deviceAllocations allocations the cache could not serve (calls to the driver's allocator)
   */
  public record MemoryStats(long inUse, long cached, long peakInUse, long deviceFree, long deviceTotal,
                            long deviceAllocations) {}

  private static final Device CPU = new Device(Type.CPU, 0);
  private static final String PLUGIN_RESOURCE = "/org/neurite/cuda/linux-x86_64/libneurite_cuda.so";
  private static volatile boolean pluginOffered;

  private final Type type;
  private final int index;

  private Device(Type type, int index) {
    this.type = type;
    this.index = index;
  }

  /** The CPU (always available). */
  public static Device cpu() {
    return CPU;
  }

  /** CUDA GPU number {@code index} (0 for the first). Checked when first used, not here. */
  public static Device cuda(int index) {
    if (index < 0) {
      throw new InvalidArgumentException("Device.cuda: index must be >= 0, got " + index);
    }
    return new Device(Type.CUDA, index);
  }

  /** The first CUDA GPU. */
  public static Device cuda() {
    return cuda(0);
  }

  /** Whether a CUDA GPU can be used here (loads the CUDA backend on the first call). */
  public static boolean cudaAvailable() {
    offerPlugin();
    return NeuriteNative.nr_device_check(NeuriteNative.NR_DEVICE_CUDA, 0) == NeuriteNative.NR_OK;
  }

  /** Number of CUDA GPUs; a {@link DeviceException} saying why when CUDA is unavailable. */
  public static int cudaDeviceCount() {
    offerPlugin();
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_device_count(NeuriteNative.NR_DEVICE_CUDA, out));
    return out[0];
  }

  /**
   * Lets f32 matrix products on CUDA use TF32 tensor cores (about 1e-3 relative error, several times faster). Off by
   * default, as in PyTorch; {@code NEURITE_ALLOW_TF32=1} turns it on too.
   */
  public static void setAllowTf32(boolean allow) {
    Native.check(NeuriteNative.nr_set_allow_tf32(allow ? 1 : 0));
  }

  public Type type() {
    return type;
  }

  public int index() {
    return index;
  }

  public boolean isCpu() {
    return type == Type.CPU;
  }

  /** Raises a {@link DeviceException} saying why when this device cannot be used. */
  public Device check() {
    offerPlugin();
    Native.check(NeuriteNative.nr_device_check(type.code, index));
    return this;
  }

  /** The device's allocator statistics (zeros for the CPU). */
  public MemoryStats memoryStats() {
    offerPlugin();
    long[] s = new long[6];
    Native.check(NeuriteNative.nr_device_memory_stats(type.code, index, s, s.length));
    return new MemoryStats(s[0], s[1], s[2], s[3], s[4], s[5]);
  }

  /** Returns the memory the device's allocator keeps cached for reuse to the driver. */
  public void emptyCache() {
    offerPlugin();
    Native.check(NeuriteNative.nr_device_empty_cache(type.code, index));
  }

  /** Waits until every queued kernel of the device has finished (reading values does this by itself). */
  public void synchronize() {
    offerPlugin();
    Native.check(NeuriteNative.nr_device_synchronize(type.code, index));
  }

  /**
   * Makes {@code device} the calling thread's default device, where ops without tensor inputs (zeros, full, random
   * numbers) create their results, and returns the previous one, to be restored the same way.
   */
  static Device useDefault(Device device) {
    offerPlugin();
    int[] type = new int[1];
    int[] index = new int[1];
    Native.check(NeuriteNative.nr_get_default_device(type, index));
    Native.check(NeuriteNative.nr_set_default_device(device.type.code, device.index));
    return of(type[0], index[0]);
  }

  static Device of(int type, int index) {
    return Type.of(type) == Type.CPU ? CPU : new Device(Type.CUDA, index);
  }

  /**
   * Extracts the jar's libneurite_cuda.so (once) and tells the engine where it is: the engine opens it with dlopen
   * on first CUDA use, so JavaCPP's loader never sees it. Without the resource (a CPU-only build) the engine's own
   * search applies and says what it tried.
   */
  static void offerPlugin() {
    if (pluginOffered) {
      return;
    }
    synchronized (Device.class) {
      if (pluginOffered) {
        return;
      }
      pluginOffered = true;
      URL url = Device.class.getResource(PLUGIN_RESOURCE);
      if (url == null) {
        return;
      }
      try {
        File file = Loader.cacheResource(url);
        Native.check(NeuriteNative.nr_set_cuda_library_path(file.getAbsolutePath()));
      } catch (java.io.IOException e) {
        throw new DeviceException("CUDA unavailable: could not extract libneurite_cuda.so from the jar: " + e.getMessage());
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device d && d.type == type && d.index == index;
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + index;
  }

  /** {@code cpu} or {@code cuda:N}, as the engine's messages write devices. */
  @Override
  public String toString() {
    return type == Type.CPU ? "cpu" : "cuda:" + index;
  }
}
