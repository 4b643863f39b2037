package org.neurite.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.neurite.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memory-bound work on 64 MiB operands: Neurite's elementwise add of two 16M-float tensors (3 × 64 MiB moved per op:
 * two reads, one write, into a result the op allocates) next to a plain 64 MiB {@code memcpy} between two
 * preallocated native buffers (2 × 64 MiB moved), the machine's practical bandwidth in the same run.
 *
 * <p>A control, {@code memcpy64MFreshDst}, copies into a buffer {@code malloc}ed and freed in each invocation, as an
 * op's result is: glibc serves 64 MiB with a fresh {@code mmap}, so every one of its 16384 pages faults on first
 * touch. It separates the cost of the fresh result's page faults (the machine's) from the cost of the kernel.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BandwidthBench {
  static final int ELEMENTS = 16 << 20; // 16M floats
  static final long BYTES = (long) ELEMENTS * Float.BYTES; // 64 MiB

  @State(Scope.Thread)
  public static class AddState {
    @Param({"1", "2"})
    public int threads;

    Tensor a, b;

    @Setup(Level.Trial)
    public void setup() {
      NeuriteThreads.set(threads);
      float[] av = Gemm.random(ELEMENTS, 3), bv = Gemm.random(ELEMENTS, 4);
      a = Tensor.of(av, ELEMENTS);
      b = Tensor.of(bv, ELEMENTS);
      try (Tensor c = a.add(b)) {
        float[] cv = c.toFloatArray();
        for (int i = 0; i < ELEMENTS; i += 4099) {
          if (cv[i] != av[i] + bv[i]) {
            throw new IllegalStateException("add: element " + i + " is " + cv[i] + ", expected " + (av[i] + bv[i]));
          }
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      a.close();
      b.close();
    }
  }

  @State(Scope.Thread)
  public static class CopyState {
    BytePointer src, dst;

    @Setup(Level.Trial)
    public void setup() {
      src = new BytePointer(BYTES);
      dst = new BytePointer(BYTES);
      Pointer.memset(src, 1, BYTES); // touch every page before timing
      Pointer.memset(dst, 0, BYTES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      src.close();
      dst.close();
    }
  }

  @Benchmark
  public void add16M(AddState s) {
    s.a.add(s.b).close();
  }

  @Benchmark
  public void memcpy64M(CopyState s) {
    Pointer.memcpy(s.dst, s.src, BYTES);
  }

  @Benchmark
  public void memcpy64MFreshDst(CopyState s) {
    Pointer dst = Pointer.malloc(BYTES);
    if (dst == null || dst.isNull()) {
      throw new OutOfMemoryError("malloc(64 MiB) failed");
    }
    Pointer.memcpy(dst, s.src, BYTES);
    Pointer.free(dst);
  }
}
