package org.neurite.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.neurite.Neurite;
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
 * The fixed cost of one op from Java: a 2x2 f32 add and the close of its result (target: under 1 µs). Next to it, a
 * bare query through the same bindings ({@code Neurite.numThreads()}: one JNI call and a small Java array), the floor
 * any op pays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class TinyOpBench {

  @State(Scope.Thread)
  public static class AddState {
    @Param({"1", "2"})
    public int threads;

    Tensor a, b;

    @Setup(Level.Trial)
    public void setup() {
      NeuriteThreads.set(threads);
      a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      b = Tensor.of(new float[] {10, 20, 30, 40}, 2, 2);
      try (Tensor c = a.add(b)) {
        float[] v = c.toFloatArray();
        if (v[0] != 11 || v[1] != 22 || v[2] != 33 || v[3] != 44) {
          throw new IllegalStateException("2x2 add gave " + Arrays.toString(v));
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      a.close();
      b.close();
    }
  }

  @Benchmark
  public void add2x2(AddState s) {
    s.a.add(s.b).close();
  }

  @Benchmark
  public int nativeQuery() {
    return Neurite.numThreads();
  }
}
