package org.neurite.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
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
 * f32 matmul: Neurite's {@code Tensor.matmul} against {@code cblas_sgemm} called directly with the same transpose
 * flags, leading dimensions, alignment and thread count. GFLOPS = 2·M·N·K / time (see {@link Gemm}).
 *
 * <p>Each path has its own state, so a fork of one path loads only its own library: the direct fork never loads
 * Neurite, and its OpenBLAS thread pool is the only one in the process.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class GemmBench {

  @State(Scope.Thread)
  public static class NeuriteState {
    @Param({"MM1024", "MLP_FWD", "MLP_DW", "MLP_DX"})
    public Gemm shape;

    @Param({"1", "2"})
    public int threads;

    Tensor aStore, bStore, a, b;

    @Setup(Level.Trial)
    public void setup() {
      NeuriteThreads.set(threads);
      float[] ad = shape.aData(), bd = shape.bData();
      aStore = Tensor.of(ad, shape.aShape());
      bStore = Tensor.of(bd, shape.bShape());
      a = shape.transA ? aStore.transpose(0, 1) : aStore;
      b = shape.transB ? bStore.transpose(0, 1) : bStore;
      if (a.isContiguous() == shape.transA || b.isContiguous() == shape.transB) {
        throw new IllegalStateException(shape + ": a transposed operand must be a strided view, not a copy");
      }
      try (Tensor c = a.matmul(b)) {
        shape.verify(ad, bd, c.toFloatArray(), "Neurite");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      a.close();
      b.close();
      aStore.close();
      bStore.close();
    }
  }

  @State(Scope.Thread)
  public static class DirectState {
    @Param({"MM1024", "MLP_FWD", "MLP_DW", "MLP_DX"})
    public Gemm shape;

    @Param({"1", "2"})
    public int threads;

    FloatPointer a, b, c;

    @Setup(Level.Trial)
    public void setup() {
      Direct.init(threads);
      float[] ad = shape.aData(), bd = shape.bData();
      a = Direct.alignedCopy(ad);
      b = Direct.alignedCopy(bd);
      c = Direct.alignedFloats((long) shape.m * shape.n);
      run();
      float[] cd = new float[shape.m * shape.n];
      c.get(cd, 0, cd.length);
      shape.verify(ad, bd, cd, "cblas_sgemm");
    }

    void run() {
      Direct.sgemm(shape.transA, shape.transB, shape.m, shape.n, shape.k, a, shape.lda(), b, shape.ldb(), c, shape.n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      a.close();
      b.close();
      c.close();
    }
  }

  /** The result is allocated by the op, as in real use, and freed at once. */
  @Benchmark
  public void neurite(NeuriteState s) {
    s.a.matmul(s.b).close();
  }

  /** Into a preallocated C: the cost of BLAS alone. */
  @Benchmark
  public void direct(DirectState s) {
    s.run();
  }
}
