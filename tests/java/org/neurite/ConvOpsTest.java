package org.neurite;

import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conv family on NHWC images, against naive loops: conv2d, its two gradients and conv2d_transpose (Keras
 * layouts, TensorFlow's "same" padding, explicit pads, strides, dilations, groups), max and average pooling and their
 * gradients, and nearest/bilinear upsampling and its gradient.
 */
@ExtendWith(OpCheck.CoverageCheck.class)
class ConvOpsTest {
  /** A conv sums KH·KW·C products; f32 rounds each. */
  static final double CONV_F32_RTOL = 1e-4, CONV_F32_ATOL = 1e-5;
  /**
   * conv2d_backward_filter sums N·OH·OW products (1024 in the largest case) whose total cancels to far less than the
   * sum of their magnitudes (~1e3), so an f32 result is only good to about 2^-24·1e3 absolutely.
   */
  static final double FILTER_F32_ATOL = 5e-4;

  /** The window geometry, as the engine's resolve_spatial computes it. */
  static final class Geo {
    int n, h, w, c, kh, kw, o, groups = 1, sh = 1, sw = 1, dh = 1, dw = 1, padTop, padLeft, oh, ow;

    /** padding 0 valid, 1 same, 2 explicit (pads top, bottom, left, right). */
    static Geo of(int[] x, int kh, int kw, int o, int[] strides, int[] dil, int padding, int[] pads) {
      Geo g = new Geo();
      g.n = x[0];
      g.h = x[1];
      g.w = x[2];
      g.c = x[3];
      g.kh = kh;
      g.kw = kw;
      g.o = o;
      g.sh = strides[0];
      g.sw = strides[1];
      g.dh = dil[0];
      g.dw = dil[1];
      int effH = (kh - 1) * g.dh + 1, effW = (kw - 1) * g.dw + 1;
      if (padding == 1) {
        g.oh = (g.h + g.sh - 1) / g.sh;
        g.ow = (g.w + g.sw - 1) / g.sw;
        g.padTop = Math.max((g.oh - 1) * g.sh + effH - g.h, 0) / 2;
        g.padLeft = Math.max((g.ow - 1) * g.sw + effW - g.w, 0) / 2;
      } else {
        int[] p = padding == 2 ? pads : new int[4];
        g.padTop = p[0];
        g.padLeft = p[2];
        g.oh = (g.h + p[0] + p[1] - effH) / g.sh + 1;
        g.ow = (g.w + p[2] + p[3] - effW) / g.sw + 1;
      }
      return g;
    }

    int xAt(int b, int y, int x, int ch) {
      return ((b * h + y) * w + x) * c + ch;
    }

    int yAt(int b, int y, int x, int ch) {
      return ((b * oh + y) * ow + x) * o + ch;
    }

    /** Calls f(xIndex, wIndex, yIndex) for every product of the convolution (w [KH,KW,C/groups,O]). */
    void forEachProduct(Triple f) {
      int cpg = c / groups, opg = o / groups;
      for (int b = 0; b < n; b++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            for (int oc = 0; oc < o; oc++) {
              int grp = oc / opg;
              for (int ky = 0; ky < kh; ky++) {
                int iy = oy * sh - padTop + ky * dh;
                if (iy < 0 || iy >= h) {
                  continue;
                }
                for (int kx = 0; kx < kw; kx++) {
                  int ix = ox * sw - padLeft + kx * dw;
                  if (ix < 0 || ix >= w) {
                    continue;
                  }
                  for (int ci = 0; ci < cpg; ci++) {
                    f.apply(xAt(b, iy, ix, grp * cpg + ci), ((ky * kw + kx) * cpg + ci) * o + oc, yAt(b, oy, ox, oc));
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  interface Triple {
    void apply(int xi, int wi, int yi);
  }

  /** One conv configuration: x shape, filter shape, strides, dilations, padding, pads, groups. */
  static final class Conf {
    final int[] x, f, strides, dil, pads;
    final int padding, groups;

    Conf(int[] x, int[] f, int[] strides, int[] dil, int padding, int[] pads, int groups) {
      this.x = x;
      this.f = f;
      this.strides = strides;
      this.dil = dil;
      this.padding = padding;
      this.pads = pads;
      this.groups = groups;
    }

    Geo geo() {
      Geo g = Geo.of(x, f[0], f[1], f[3], strides, dil, padding, pads);
      g.groups = groups;
      return g;
    }

    Attrs attrs() {
      Attrs a = Attrs.of().set("strides", strides[0], strides[1]).set("dilations", dil[0], dil[1])
          .set("padding", padding).set("groups", groups);
      return padding == 2 ? a.set("pads", pads[0], pads[1], pads[2], pads[3]) : a;
    }

    String label() {
      return "x " + java.util.Arrays.toString(x) + " w " + java.util.Arrays.toString(f) + " strides "
          + java.util.Arrays.toString(strides) + " dilations " + java.util.Arrays.toString(dil) + " padding "
          + padding + " groups " + groups;
    }
  }

  static int[] i2(int a, int b) {
    return new int[] {a, b};
  }

  static final int[] ONE = {1, 1};

  static final Conf[] CONFS = {
    new Conf(new int[] {2, 5, 6, 3}, new int[] {3, 3, 3, 4}, ONE, ONE, 0, null, 1),
    new Conf(new int[] {2, 5, 6, 3}, new int[] {3, 3, 3, 4}, ONE, ONE, 1, null, 1),
    new Conf(new int[] {1, 7, 6, 2}, new int[] {3, 2, 2, 3}, i2(2, 2), ONE, 1, null, 1),
    new Conf(new int[] {1, 7, 8, 2}, new int[] {3, 3, 2, 2}, i2(2, 3), ONE, 0, null, 1),
    new Conf(new int[] {1, 7, 7, 2}, new int[] {3, 3, 2, 2}, ONE, i2(2, 2), 1, null, 1),
    new Conf(new int[] {2, 4, 5, 2}, new int[] {2, 3, 2, 3}, ONE, ONE, 2, new int[] {1, 0, 2, 1}, 1),
    new Conf(new int[] {1, 4, 4, 4}, new int[] {2, 2, 2, 6}, ONE, ONE, 0, null, 2),
    new Conf(new int[] {3, 3, 3, 5}, new int[] {1, 1, 5, 4}, ONE, ONE, 0, null, 1),
    new Conf(new int[] {4, 16, 16, 8}, new int[] {3, 3, 8, 16}, ONE, ONE, 1, null, 1),
  };

  static long[] L(int... v) {
    return longs(v);
  }

  @Test @Covers("conv2d") void conv2d() {
    List<Case> cases = new ArrayList<>();
    for (Conf cf : CONFS) {
      Geo g = cf.geo();
      cases.add(op2("conv2d", (x, w) -> Ops.call("conv2d", cf.attrs(), x, w)[0], (x, w) -> {
        double[] y = new double[g.n * g.oh * g.ow * g.o];
        g.forEachProduct((xi, wi, yi) -> y[yi] += x.v[xi] * w.v[wi]);
        return Nd.of(y, g.n, g.oh, g.ow, g.o);
      }).with(s(L(cf.x)), s(L(cf.f))).tol(F32, CONV_F32_RTOL, CONV_F32_ATOL).label(cf.label()));
    }
    runAll("conv2d", cases);
  }

  @Test @Covers("conv2d_backward_input") void conv2dBackwardInput() {
    List<Case> cases = new ArrayList<>();
    for (Conf cf : CONFS) {
      Geo g = cf.geo();
      Attrs a = cf.attrs().set("input_shape", L(cf.x));
      cases.add(op2("conv2d_backward_input", (dy, w) -> Ops.call("conv2d_backward_input", a, dy, w)[0], (dy, w) -> {
        double[] dx = new double[g.n * g.h * g.w * g.c];
        g.forEachProduct((xi, wi, yi) -> dx[xi] += dy.v[yi] * w.v[wi]);
        return Nd.of(dx, cf.x);
      }).with(s(g.n, g.oh, g.ow, g.o), s(L(cf.f))).tol(F32, CONV_F32_RTOL, CONV_F32_ATOL).label(cf.label()));
    }
    runAll("conv2d_backward_input", cases);
  }

  @Test @Covers("conv2d_backward_filter") void conv2dBackwardFilter() {
    List<Case> cases = new ArrayList<>();
    for (Conf cf : CONFS) {
      Geo g = cf.geo();
      Attrs a = cf.attrs().set("filter_shape", L(cf.f));
      cases.add(op2("conv2d_backward_filter", (x, dy) -> Ops.call("conv2d_backward_filter", a, x, dy)[0], (x, dy) -> {
        double[] dw = new double[cf.f[0] * cf.f[1] * cf.f[2] * cf.f[3]];
        g.forEachProduct((xi, wi, yi) -> dw[wi] += x.v[xi] * dy.v[yi]);
        return Nd.of(dw, cf.f);
      }).with(s(L(cf.x)), s(g.n, g.oh, g.ow, g.o)).tol(F32, CONV_F32_RTOL, FILTER_F32_ATOL).label(cf.label()));
    }
    runAll("conv2d_backward_filter", cases);
  }

  /** Keras's deconv_output_length. */
  static int deconvLength(int in, int k, int stride, int dil, int padding, int outputPadding) {
    int eff = (k - 1) * dil + 1;
    if (outputPadding < 0) {
      return padding == 1 ? in * stride : in * stride + Math.max(eff - stride, 0);
    }
    int pad = padding == 1 ? eff / 2 : 0;
    return (in - 1) * stride + eff - 2 * pad + outputPadding;
  }

  @Test @Covers("conv2d_transpose") void conv2dTranspose() {
    // {x [N,H,W,Cin], w [KH,KW,O,Cin], strides, padding, output_padding or -1}
    Object[][] confs = {
      {new int[] {2, 3, 4, 3}, new int[] {3, 3, 2, 3}, ONE, 0, -1},
      {new int[] {2, 3, 4, 3}, new int[] {3, 3, 2, 3}, i2(2, 2), 1, -1},
      {new int[] {1, 3, 3, 2}, new int[] {3, 2, 4, 2}, i2(2, 2), 0, -1},
      {new int[] {1, 3, 3, 2}, new int[] {3, 3, 1, 2}, i2(2, 2), 1, 1},
      {new int[] {1, 4, 2, 1}, new int[] {2, 2, 3, 1}, i2(2, 1), 0, 0},
    };
    List<Case> cases = new ArrayList<>();
    for (Object[] c : confs) {
      int[] xs = (int[]) c[0], f = (int[]) c[1], st = (int[]) c[2];
      int padding = (Integer) c[3], op = (Integer) c[4];
      int rh = deconvLength(xs[1], f[0], st[0], 1, padding, op), rw = deconvLength(xs[2], f[1], st[1], 1, padding,
          op);
      int[] result = {xs[0], rh, rw, f[2]};
      // The conv2d whose input gradient this is: input `result`, filter w read as [KH,KW,O,Cin].
      Geo g = Geo.of(result, f[0], f[1], f[3], st, ONE, padding, null);
      Attrs a = Attrs.of().set("strides", st[0], st[1]).set("padding", padding);
      if (op >= 0) {
        a.set("output_padding", op, op);
      }
      cases.add(op2("conv2d_transpose", (x, w) -> Ops.call("conv2d_transpose", a, x, w)[0], (x, w) -> {
        double[] y = new double[rh * rw * result[0] * result[3]];
        g.forEachProduct((ri, wi, xi) -> y[ri] += x.v[xi] * w.v[wi]);
        return Nd.of(y, result);
      }).with(s(L(xs)), s(L(f))).tol(F32, CONV_F32_RTOL, CONV_F32_ATOL)
          .label("x " + java.util.Arrays.toString(xs) + " w " + java.util.Arrays.toString(f) + " strides "
              + java.util.Arrays.toString(st) + " padding " + padding + " output_padding " + op));
    }
    runAll("conv2d_transpose", cases);
  }

  // ---- pooling ----

  /** {x shape, pool, strides (null: the pool), padding}. */
  static final Object[][] POOLS = {
    {new int[] {2, 4, 6, 3}, i2(2, 2), null, 0},
    {new int[] {1, 5, 5, 2}, i2(2, 2), null, 1},
    {new int[] {1, 5, 7, 1}, i2(3, 3), i2(1, 2), 0},
    {new int[] {2, 5, 4, 2}, i2(3, 2), i2(2, 1), 1},
    {new int[] {1, 3, 3, 2}, i2(1, 1), null, 0},
    {new int[] {4, 32, 32, 16}, i2(2, 2), null, 0},
  };

  static Geo poolGeo(Object[] p) {
    int[] x = (int[]) p[0], pool = (int[]) p[1];
    int[] st = p[2] == null ? pool : (int[]) p[2];
    return Geo.of(x, pool[0], pool[1], x[3], st, ONE, (Integer) p[3], null);
  }

  static Attrs poolAttrs(Object[] p) {
    int[] pool = (int[]) p[1];
    Attrs a = Attrs.of().set("pool_size", pool[0], pool[1]).set("padding", (long) (Integer) p[3]);
    if (p[2] != null) {
      a.set("strides", ((int[]) p[2])[0], ((int[]) p[2])[1]);
    }
    return a;
  }

  /** For each output element, the input indices of its window's real elements, row-major. */
  static int[][] windows(Geo g) {
    int[][] out = new int[g.n * g.oh * g.ow * g.c][];
    for (int b = 0; b < g.n; b++) {
      for (int oy = 0; oy < g.oh; oy++) {
        for (int ox = 0; ox < g.ow; ox++) {
          for (int ch = 0; ch < g.c; ch++) {
            List<Integer> idx = new ArrayList<>();
            for (int ky = 0; ky < g.kh; ky++) {
              for (int kx = 0; kx < g.kw; kx++) {
                int iy = oy * g.sh - g.padTop + ky, ix = ox * g.sw - g.padLeft + kx;
                if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
                  idx.add(g.xAt(b, iy, ix, ch));
                }
              }
            }
            out[g.yAt(b, oy, ox, ch)] = idx.stream().mapToInt(Integer::intValue).toArray();
          }
        }
      }
    }
    return out;
  }

  static String poolLabel(Object[] p) {
    return "x " + java.util.Arrays.toString((int[]) p[0]) + " pool " + java.util.Arrays.toString((int[]) p[1])
        + " strides " + java.util.Arrays.toString((int[]) p[2]) + " padding " + p[3];
  }

  @Test @Covers({"max_pool2d", "max_pool2d_grad"}) void maxPool() {
    List<Case> cases = new ArrayList<>();
    for (Object[] p : POOLS) {
      Geo g = poolGeo(p);
      int[][] win = windows(g);
      cases.add(op1("max_pool2d", x -> Ops.call("max_pool2d", poolAttrs(p), x)[0], x -> {
        double[] y = new double[win.length];
        for (int k = 0; k < win.length; k++) {
          double m = Double.NEGATIVE_INFINITY;
          for (int i : win[k]) {
            m = Math.max(m, x.v[i]);
          }
          y[k] = m;
        }
        return Nd.of(y, g.n, g.oh, g.ow, g.c);
      }).with(s(L((int[]) p[0]))).label(poolLabel(p)));
      // Values on a grid of 0.5 so that windows hold ties: the gradient goes to the first maximum.
      cases.add(op2("max_pool2d_grad", (x, dy) -> Ops.call("max_pool2d_grad", poolAttrs(p), x, dy)[0], (x, dy) -> {
        double[] dx = new double[x.size()];
        for (int k = 0; k < win.length; k++) {
          int best = win[k][0];
          for (int i : win[k]) {
            if (x.v[i] > x.v[best]) {
              best = i;
            }
          }
          dx[best] += dy.v[k];
        }
        return new Nd(x.shape, dx);
      }).with(s(L((int[]) p[0])), s(g.n, g.oh, g.ow, g.c)).quantize(0.5).label(poolLabel(p)));
    }
    runAll("max_pool2d", cases);
  }

  @Test @Covers({"avg_pool2d", "avg_pool2d_grad"}) void avgPool() {
    List<Case> cases = new ArrayList<>();
    for (Object[] p : POOLS) {
      Geo g = poolGeo(p);
      int[][] win = windows(g);
      int[] xs = (int[]) p[0];
      cases.add(op1("avg_pool2d", x -> Ops.call("avg_pool2d", poolAttrs(p), x)[0], x -> {
        double[] y = new double[win.length];
        for (int k = 0; k < win.length; k++) {
          for (int i : win[k]) {
            y[k] += x.v[i];
          }
          y[k] /= win[k].length;
        }
        return Nd.of(y, g.n, g.oh, g.ow, g.c);
      }).with(s(L(xs))).label(poolLabel(p)));
      Attrs ga = poolAttrs(p).set("input_shape", L(xs));
      cases.add(op1("avg_pool2d_grad", dy -> Ops.call("avg_pool2d_grad", ga, dy)[0], dy -> {
        double[] dx = new double[xs[0] * xs[1] * xs[2] * xs[3]];
        for (int k = 0; k < win.length; k++) {
          for (int i : win[k]) {
            dx[i] += dy.v[k] / win[k].length;
          }
        }
        return Nd.of(dx, xs);
      }).with(s(g.n, g.oh, g.ow, g.c)).label(poolLabel(p)));
    }
    runAll("avg_pool2d", cases);
  }

  // ---- upsampling ----

  /** (output index, input index, weight) triples of upsample2d, nearest or bilinear (tf.image.resize half-pixel). */
  static List<double[]> upsampleTaps(int[] x, int sy, int sx, boolean bilinear) {
    int n = x[0], h = x[1], w = x[2], c = x[3], oh = h * sy, ow = w * sx;
    List<double[]> taps = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int ch = 0; ch < c; ch++) {
            int out = ((b * oh + i) * ow + j) * c + ch;
            if (!bilinear) {
              taps.add(new double[] {out, ((b * h + i / sy) * w + j / sx) * c + ch, 1});
              continue;
            }
            double inY = (i + 0.5) / sy - 0.5, inX = (j + 0.5) / sx - 0.5;
            int fy = (int) Math.floor(inY), fx = (int) Math.floor(inX);
            double ly = inY - fy, lx = inX - fx;
            int y0 = Math.max(fy, 0), y1 = Math.min(fy + 1, h - 1), x0 = Math.max(fx, 0), x1 = Math.min(fx + 1, w - 1);
            y0 = Math.min(y0, h - 1);
            x0 = Math.min(x0, w - 1);
            int[][] pts = {{y0, x0}, {y0, x1}, {y1, x0}, {y1, x1}};
            double[] wts = {(1 - ly) * (1 - lx), (1 - ly) * lx, ly * (1 - lx), ly * lx};
            for (int q = 0; q < 4; q++) {
              taps.add(new double[] {out, ((b * h + pts[q][0]) * w + pts[q][1]) * c + ch, wts[q]});
            }
          }
        }
      }
    }
    return taps;
  }

  static final Object[][] UPSAMPLES = {
    {new int[] {2, 3, 4, 2}, 2, 2}, {new int[] {1, 2, 3, 1}, 3, 2}, {new int[] {1, 1, 1, 3}, 2, 3},
    {new int[] {2, 16, 16, 8}, 2, 2},
  };

  @Test @Covers({"upsample2d", "upsample2d_grad"}) void upsample() {
    List<Case> cases = new ArrayList<>();
    for (Object[] u : UPSAMPLES) {
      int[] xs = (int[]) u[0];
      int sy = (Integer) u[1], sx = (Integer) u[2];
      int[] ys = {xs[0], xs[1] * sy, xs[2] * sx, xs[3]};
      for (int interp = 0; interp <= 1; interp++) {
        List<double[]> taps = upsampleTaps(xs, sy, sx, interp == 1);
        Attrs a = Attrs.of().set("size", sy, sx).set("interpolation", interp);
        Attrs ga = Attrs.of().set("size", sy, sx).set("interpolation", interp).set("input_shape", L(xs));
        String label = "x " + java.util.Arrays.toString(xs) + " size " + sy + "x" + sx + " interpolation " + interp;
        cases.add(op1("upsample2d", x -> Ops.call("upsample2d", a, x)[0], x -> {
          double[] y = new double[ys[0] * ys[1] * ys[2] * ys[3]];
          for (double[] t : taps) {
            y[(int) t[0]] += t[2] * x.v[(int) t[1]];
          }
          return Nd.of(y, ys);
        }).with(s(L(xs))).label(label));
        cases.add(op1("upsample2d_grad", dy -> Ops.call("upsample2d_grad", ga, dy)[0], dy -> {
          double[] dx = new double[xs[0] * xs[1] * xs[2] * xs[3]];
          for (double[] t : taps) {
            dx[(int) t[1]] += t[2] * dy.v[(int) t[0]];
          }
          return Nd.of(dx, xs);
        }).with(s(L(ys))).tol(F32, CONV_F32_RTOL, CONV_F32_ATOL).label(label));
      }
    }
    runAll("upsample2d", cases);
  }
}
