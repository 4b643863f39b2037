package org.neurite.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.neurite.Attrs;
import org.neurite.Ops;
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
 * f32 conv2d of the Fashion-MNIST CNN (NHWC input, HWIO filter, valid padding, stride 1, batch 64): Neurite's
 * {@code conv2d}, {@code conv2d_backward_input} and {@code conv2d_backward_filter} ops against {@code cblas_sgemm}
 * called directly on the equivalent im2col GEMM (M = N·OH·OW, K = KH·KW·C, O output channels):
 *
 * <ul>
 *   <li>FWD: y[M,O] = cols[M,K] · w[K,O]
 *   <li>DX: dcols[M,K] = dy[M,O] · w[K,O]ᵀ (the col2im scatter that follows is not timed on the direct side)
 *   <li>DW: dw[K,O] = cols[M,K]ᵀ · dy[M,O]
 * </ul>
 *
 * <p>GFLOPS = 2·M·K·O / time on both sides. The direct side times the GEMM alone (no im2col / col2im, preallocated
 * result), so the ratio is an upper bound on what the direct path would cost in a real conv. Each path has its own state
 * (own fork), as in {@link GemmBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ConvBench {

  /** The CNN's two conv layers. */
  public enum Layer {
    /** x [64,28,28,1], w [3,3,1,32]. */
    CONV1(64, 28, 28, 1, 3, 3, 32),
    /** x [64,13,13,32], w [3,3,32,64]. */
    CONV2(64, 13, 13, 32, 3, 3, 64);

    final int n, h, w, c, kh, kw, o, oh, ow, m, k;

    Layer(int n, int h, int w, int c, int kh, int kw, int o) {
      this.n = n;
      this.h = h;
      this.w = w;
      this.c = c;
      this.kh = kh;
      this.kw = kw;
      this.o = o;
      this.oh = h - kh + 1;
      this.ow = w - kw + 1;
      this.m = n * oh * ow;
      this.k = kh * kw * c;
    }

    long[] xShape() {
      return new long[] {n, h, w, c};
    }

    long[] wShape() {
      return new long[] {kh, kw, c, o};
    }

    long[] yShape() {
      return new long[] {n, oh, ow, o};
    }

    float[] xData() {
      return Gemm.random((long) n * h * w * c, 1);
    }

    float[] wData() {
      return Gemm.random((long) k * o, 2);
    }

    float[] dyData() {
      return Gemm.random((long) m * o, 3);
    }

    /** im2col of NHWC x: row (b,i,j), column (p,q,ch) — matches the HWIO filter flattened to [K,O]. */
    float[] im2col(float[] x) {
      float[] cols = new float[m * k];
      int row = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++, row++) {
            int col = 0;
            for (int p = 0; p < kh; p++) {
              for (int q = 0; q < kw; q++) {
                System.arraycopy(x, ((b * h + i + p) * w + j + q) * c, cols, row * k + col, c);
                col += c;
              }
            }
          }
        }
      }
      return cols;
    }
  }

  /** The three passes of a conv layer in training. */
  public enum Pass {
    FWD,
    DX,
    DW
  }

  @State(Scope.Thread)
  public static class NeuriteState {
    @Param({"CONV1", "CONV2"})
    public Layer layer;

    @Param({"FWD", "DX", "DW"})
    public Pass pass;

    @Param({"1", "2"})
    public int threads;

    Tensor x, w, dy;
    Attrs attrs;

    @Setup(Level.Trial)
    public void setup() {
      NeuriteThreads.set(threads);
      Layer l = layer;
      float[] xd = l.xData(), wd = l.wData(), dyd = l.dyData();
      x = Tensor.of(xd, l.xShape());
      w = Tensor.of(wd, l.wShape());
      dy = Tensor.of(dyd, l.yShape());
      attrs = switch (pass) {
        case FWD -> Attrs.of();
        case DX -> Attrs.of().set("input_shape", l.xShape());
        case DW -> Attrs.of().set("filter_shape", l.wShape());
      };
      try (Tensor r = run()) {
        verify(l, pass, xd, wd, dyd, r.toFloatArray(), r.shape());
      }
    }

    Tensor run() {
      return switch (pass) {
        case FWD -> Ops.call("conv2d", attrs, x, w)[0];
        case DX -> Ops.call("conv2d_backward_input", attrs, dy, w)[0];
        case DW -> Ops.call("conv2d_backward_filter", attrs, x, dy)[0];
      };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      x.close();
      w.close();
      dy.close();
    }
  }

  /**
   * Checks 64 entries of Neurite's result against a double-precision sum computed from the definition of the conv, so a
   * fast but wrong result cannot pass.
   */
  static void verify(Layer l, Pass pass, float[] x, float[] w, float[] dy, float[] got, long[] shape) {
    long[] want = switch (pass) {
      case FWD -> l.yShape();
      case DX -> l.xShape();
      case DW -> l.wShape();
    };
    if (!java.util.Arrays.equals(shape, want)) {
      throw new IllegalStateException(l + " " + pass + ": shape " + java.util.Arrays.toString(shape) + ", expected "
          + java.util.Arrays.toString(want));
    }
    SplittableRandom r = new SplittableRandom(7);
    for (int t = 0; t < 64; t++) {
      double sum = 0, abs = 0;
      int idx;
      switch (pass) {
        case FWD -> {
          int b = r.nextInt(l.n), i = r.nextInt(l.oh), j = r.nextInt(l.ow), oc = r.nextInt(l.o);
          for (int p = 0; p < l.kh; p++) {
            for (int q = 0; q < l.kw; q++) {
              for (int ch = 0; ch < l.c; ch++) {
                double v = (double) x[((b * l.h + i + p) * l.w + j + q) * l.c + ch]
                    * w[((p * l.kw + q) * l.c + ch) * l.o + oc];
                sum += v;
                abs += Math.abs(v);
              }
            }
          }
          idx = ((b * l.oh + i) * l.ow + j) * l.o + oc;
        }
        case DX -> {
          int b = r.nextInt(l.n), i = r.nextInt(l.h), j = r.nextInt(l.w), ch = r.nextInt(l.c);
          for (int p = 0; p < l.kh; p++) {
            for (int q = 0; q < l.kw; q++) {
              int yi = i - p, yj = j - q;
              if (yi < 0 || yj < 0 || yi >= l.oh || yj >= l.ow) {
                continue;
              }
              for (int oc = 0; oc < l.o; oc++) {
                double v = (double) dy[((b * l.oh + yi) * l.ow + yj) * l.o + oc]
                    * w[((p * l.kw + q) * l.c + ch) * l.o + oc];
                sum += v;
                abs += Math.abs(v);
              }
            }
          }
          idx = ((b * l.h + i) * l.w + j) * l.c + ch;
        }
        default -> {
          int p = r.nextInt(l.kh), q = r.nextInt(l.kw), ch = r.nextInt(l.c), oc = r.nextInt(l.o);
          for (int b = 0; b < l.n; b++) {
            for (int i = 0; i < l.oh; i++) {
              for (int j = 0; j < l.ow; j++) {
                double v = (double) x[((b * l.h + i + p) * l.w + j + q) * l.c + ch]
                    * dy[((b * l.oh + i) * l.ow + j) * l.o + oc];
                sum += v;
                abs += Math.abs(v);
              }
            }
          }
          idx = ((p * l.kw + q) * l.c + ch) * l.o + oc;
        }
      }
      if (Math.abs(got[idx] - sum) > 1e-5 * abs + 1e-6) {
        throw new IllegalStateException("Neurite " + l + " " + pass + ": element " + idx + " = " + got[idx]
            + ", expected " + sum);
      }
    }
  }

  @State(Scope.Thread)
  public static class DirectState {
    @Param({"CONV1", "CONV2"})
    public Layer layer;

    @Param({"FWD", "DX", "DW"})
    public Pass pass;

    @Param({"1", "2"})
    public int threads;

    Gemm.Problem g;
    FloatPointer a, b, c;

    @Setup(Level.Trial)
    public void setup() {
      Direct.init(threads);
      Layer l = layer;
      float[] cols = l.im2col(l.xData()), wd = l.wData(), dyd = l.dyData();
      float[] ad, bd;
      switch (pass) {
        case FWD -> { // cols[M,K] · w[K,O]
          g = new Gemm.Problem(l.m, l.o, l.k, false, false);
          ad = cols;
          bd = wd;
        }
        case DX -> { // dy[M,O] · (w[K,O])ᵀ -> [M,K]
          g = new Gemm.Problem(l.m, l.k, l.o, false, true);
          ad = dyd;
          bd = wd;
        }
        default -> { // (cols[M,K])ᵀ · dy[M,O] -> [K,O]
          g = new Gemm.Problem(l.k, l.o, l.m, true, false);
          ad = cols;
          bd = dyd;
        }
      }
      a = Direct.alignedCopy(ad);
      b = Direct.alignedCopy(bd);
      c = Direct.alignedFloats((long) g.m() * g.n());
      run();
      float[] cd = new float[g.m() * g.n()];
      c.get(cd, 0, cd.length);
      g.verify(ad, bd, cd, "cblas_sgemm " + l + " " + pass);
    }

    void run() {
      Direct.sgemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), a, g.lda(), b, g.ldb(), c, g.n());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      a.close();
      b.close();
      c.close();
    }
  }

  /** The result is allocated by the op and freed at once, as in {@link GemmBench#neurite}. */
  @Benchmark
  public void neurite(NeuriteState s) {
    s.run().close();
  }

  /** The im2col GEMM alone, into a preallocated result. */
  @Benchmark
  public void direct(DirectState s) {
    s.run();
  }
}
