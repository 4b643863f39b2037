package org.neurite;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The rnn family: one step of SimpleRNN, LSTM and GRU in Keras's layouts, and their gradients. Forward references
 * are plain loops; the SimpleRNN gradient is written out, the LSTM and GRU gradients are numerical derivatives of the
 * float64 forward reference (a fourth-order central difference), which checks the gate layout and the formulation at
 * once.
 */
@ExtendWith(OpCheck.CoverageCheck.class)
class RnnOpsTest {
  /** (N, I, H) of the cases: a single unit, a batch of one, more inputs than units, and the reverse. */
  static final int[][] SIZES = {{1, 1, 1}, {2, 3, 4}, {3, 5, 2}, {1, 4, 3}, {4, 6, 8}};

  /**
   * Gradients against numerical derivatives: the fourth-order difference with step 1e-3 is accurate to about 1e-12 on
   * these smooth functions of O(1) values, so f64 allows 1e-8. In f32 the gradient sums N or 4H products of rounded
   * gate values.
   */
  static final double GRAD_F64_RTOL = 1e-8, GRAD_F64_ATOL = 1e-9, GRAD_F32_RTOL = 1e-4, GRAD_F32_ATOL = 1e-5;

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** a [n, k] · b [k, m] + (bias [m], from offset bOff, or none). */
  static double[] matmul(double[] a, double[] b, int n, int k, int m) {
    double[] out = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int q = 0; q < k; q++) {
          s += a[i * k + q] * b[q * m + j];
        }
        out[i * m + j] = s;
      }
    }
    return out;
  }

  // ---- forward references (arrays in the ops' input order) ----

  static double[] rnn(double[][] in, int n, int i, int h, int act) {
    double[] xw = matmul(in[0], in[2], n, i, h), hu = matmul(in[1], in[3], n, h, h), out = new double[n * h];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < h; j++) {
        double z = xw[r * h + j] + hu[r * h + j] + in[4][j];
        out[r * h + j] = act == 0 ? Math.tanh(z) : Math.max(z, 0);
      }
    }
    return out;
  }

  /** LSTM (x, h, c, w, u, b): returns {h', c'}; gates i, f, c, o. */
  static double[][] lstm(double[][] in, int n, int i, int h) {
    double[] xw = matmul(in[0], in[3], n, i, 4 * h), hu = matmul(in[1], in[4], n, h, 4 * h);
    double[] hn = new double[n * h], cn = new double[n * h];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < h; j++) {
        double[] z = new double[4];
        for (int gate = 0; gate < 4; gate++) {
          int col = gate * h + j;
          z[gate] = xw[r * 4 * h + col] + hu[r * 4 * h + col] + in[5][col];
        }
        double ig = sigmoid(z[0]), fg = sigmoid(z[1]), cc = Math.tanh(z[2]), og = sigmoid(z[3]);
        double c = fg * in[2][r * h + j] + ig * cc;
        cn[r * h + j] = c;
        hn[r * h + j] = og * Math.tanh(c);
      }
    }
    return new double[][] {hn, cn};
  }

  /** GRU (x, h, w, u, b [2, 3H]), Keras reset_after=True; gates z, r, h. */
  static double[] gru(double[][] in, int n, int i, int h) {
    double[] xw = matmul(in[0], in[2], n, i, 3 * h), hu = matmul(in[1], in[3], n, h, 3 * h), out = new double[n * h];
    double[] b = in[4];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < h; j++) {
        int row = r * 3 * h;
        double xz = xw[row + j] + b[j], xr = xw[row + h + j] + b[h + j], xh = xw[row + 2 * h + j] + b[2 * h + j];
        double rz = hu[row + j] + b[3 * h + j], rr = hu[row + h + j] + b[4 * h + j];
        double rh = hu[row + 2 * h + j] + b[5 * h + j];
        double z = sigmoid(xz + rz), rg = sigmoid(xr + rr), hh = Math.tanh(xh + rg * rh);
        out[r * h + j] = z * in[1][r * h + j] + (1 - z) * hh;
      }
    }
    return out;
  }

  interface Forward {
    double[][] apply(double[][] in);
  }

  /**
   * The gradients of Σ_k cot[k] · fwd(in)[k] with respect to inputs 0 .. count-1, by the fourth-order central
   * difference.
   */
  static double[][] numericGrad(Forward fwd, double[][] in, double[][] cot, int count) {
    double[][] out = new double[count][];
    double step = 1e-3;
    for (int k = 0; k < count; k++) {
      out[k] = new double[in[k].length];
      for (int e = 0; e < in[k].length; e++) {
        double orig = in[k][e];
        double[] f = new double[4];
        double[] offs = {2 * step, step, -step, -2 * step};
        for (int s = 0; s < 4; s++) {
          in[k][e] = orig + offs[s];
          double[][] y = fwd.apply(in);
          double l = 0;
          for (int o = 0; o < cot.length; o++) {
            for (int q = 0; q < y[o].length; q++) {
              l += cot[o][q] * y[o][q];
            }
          }
          f[s] = l;
        }
        in[k][e] = orig;
        out[k][e] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * step);
      }
    }
    return out;
  }

  static double[][] values(Nd[] in, int count) {
    double[][] v = new double[count][];
    for (int k = 0; k < count; k++) {
      v[k] = in[k].v.clone();
    }
    return v;
  }

  static Nd[] asNd(double[][] grads, Nd[] like) {
    Nd[] out = new Nd[grads.length];
    for (int k = 0; k < grads.length; k++) {
      out[k] = new Nd(like[k].shape, grads[k]);
    }
    return out;
  }

  /** Output k zeroed unless bit k of needs is set. */
  static Nd[] masked(Nd[] grads, int needs) {
    for (int k = 0; k < grads.length; k++) {
      if ((needs >> k & 1) == 0) {
        grads[k] = Nd.zeros(grads[k].shape);
      }
    }
    return grads;
  }

  // ---- SimpleRNN ----

  @Test @Covers("rnn_cell") void rnnCell() {
    List<Case> cases = new ArrayList<>();
    for (int act = 0; act <= 1; act++) {
      int a = act;
      Case c = opV("rnn_cell", in -> Ops.call("rnn_cell", Attrs.of().set("activation", a), in)[0], in -> {
        int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
        return Nd.of(rnn(values(in, 5), n, i, h, a), n, h);
      }).label(a == 0 ? "tanh" : "relu");
      for (int[] sz : SIZES) {
        c.with(s(sz[0], sz[1]), s(sz[0], sz[2]), s(sz[1], sz[2]), s(sz[2], sz[2]), s(sz[2]));
      }
      cases.add(c.tol(F32, 1e-5, 1e-5));
    }
    // Default activation is tanh.
    cases.add(opV("rnn_cell", in -> Ops.call("rnn_cell", Attrs.of(), in)[0],
        in -> Nd.of(rnn(values(in, 5), 2, 3, 4, 0), 2, 4)).label("default activation")
        .with(s(2, 3), s(2, 4), s(3, 4), s(4, 4), s(4)));
    runAll("rnn_cell", cases);
  }

  /** Inputs (x, h, w, u, b, dh'): the case computes h' with rnn_cell, then the gradient (without b). */
  @Test @Covers("rnn_cell_grad") void rnnCellGrad() {
    List<Case> cases = new ArrayList<>();
    for (int act = 0; act <= 1; act++) {
      for (int needs : new int[] {31, 0b10101, 0b01010}) {
        int a = act, nd = needs;
        Case c = opN("rnn_cell_grad", in -> {
          try (Tensor hn = Ops.call("rnn_cell", Attrs.of().set("activation", a), in[0], in[1], in[2], in[3], in[4])[0]) {
            return Ops.call("rnn_cell_grad", Attrs.of().set("activation", a).set("needs", nd), in[0], in[1], in[2],
                in[3], hn, in[5]);
          }
        }, in -> {
          int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
          double[] hn = rnn(values(in, 5), n, i, h, a), dh = in[5].v;
          double[] dz = new double[n * h];
          for (int q = 0; q < dz.length; q++) {
            dz[q] = dh[q] * (a == 0 ? 1 - hn[q] * hn[q] : hn[q] > 0 ? 1 : 0);
          }
          double[] dx = new double[n * i], dhp = new double[n * h], dw = new double[i * h], du = new double[h * h];
          double[] db = new double[h];
          for (int r = 0; r < n; r++) {
            for (int j = 0; j < h; j++) {
              double g = dz[r * h + j];
              db[j] += g;
              for (int q = 0; q < i; q++) {
                dx[r * i + q] += g * in[2].v[q * h + j];
                dw[q * h + j] += in[0].v[r * i + q] * g;
              }
              for (int q = 0; q < h; q++) {
                dhp[r * h + q] += g * in[3].v[q * h + j];
                du[q * h + j] += in[1].v[r * h + q] * g;
              }
            }
          }
          return masked(new Nd[] {Nd.of(dx, n, i), Nd.of(dhp, n, h), Nd.of(dw, i, h), Nd.of(du, h, h), Nd.of(db, h)},
              nd);
        }).label((a == 0 ? "tanh" : "relu") + " needs " + Integer.toBinaryString(nd));
        for (int[] sz : SIZES) {
          c.with(s(sz[0], sz[1]), s(sz[0], sz[2]), s(sz[1], sz[2]), s(sz[2], sz[2]), s(sz[2]), s(sz[0], sz[2]));
        }
        cases.add(c.tol(F32, GRAD_F32_RTOL, GRAD_F32_ATOL));
      }
    }
    runAll("rnn_cell_grad", cases);
  }

  // ---- LSTM ----

  static Spec[] lstmSpecs(int[] sz, boolean grad) {
    int n = sz[0], i = sz[1], h = sz[2];
    Spec[] base = {s(n, i), s(n, h), s(n, h), s(i, 4 * h), s(h, 4 * h), s(4 * h)};
    if (!grad) {
      return base;
    }
    Spec[] out = new Spec[8];
    System.arraycopy(base, 0, out, 0, 6);
    out[6] = s(n, h);
    out[7] = s(n, h);
    return out;
  }

  @Test @Covers("lstm_cell") void lstmCell() {
    Case c = opN("lstm_cell", in -> Ops.call("lstm_cell", Attrs.of(), in), in -> {
      int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
      double[][] o = lstm(values(in, 6), n, i, h);
      return new Nd[] {Nd.of(o[0], n, h), Nd.of(o[1], n, h)};
    });
    for (int[] sz : SIZES) {
      c.with(lstmSpecs(sz, false));
    }
    c.tol(F32, 1e-5, 1e-5).run();
  }

  @Test @Covers("lstm_cell_grad") void lstmCellGrad() {
    List<Case> cases = new ArrayList<>();
    for (int needs : new int[] {63, 0b100101}) {
      Case c = opN("lstm_cell_grad", in -> Ops.call("lstm_cell_grad", Attrs.of().set("needs", needs), in), in -> {
        int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
        double[][] g = numericGrad(v -> lstm(v, n, i, h), values(in, 6), new double[][] {in[6].v, in[7].v}, 6);
        return masked(asNd(g, in), needs);
      }).label("needs " + Integer.toBinaryString(needs));
      for (int[] sz : SIZES) {
        c.with(lstmSpecs(sz, true));
      }
      cases.add(c.tol(F64, GRAD_F64_RTOL, GRAD_F64_ATOL).tol(F32, GRAD_F32_RTOL, GRAD_F32_ATOL));
    }
    runAll("lstm_cell_grad", cases);
  }

  // ---- GRU ----

  static Spec[] gruSpecs(int[] sz, boolean grad) {
    int n = sz[0], i = sz[1], h = sz[2];
    return grad ? new Spec[] {s(n, i), s(n, h), s(i, 3 * h), s(h, 3 * h), s(2, 3 * h), s(n, h)}
        : new Spec[] {s(n, i), s(n, h), s(i, 3 * h), s(h, 3 * h), s(2, 3 * h)};
  }

  @Test @Covers("gru_cell") void gruCell() {
    Case c = opV("gru_cell", in -> Ops.call("gru_cell", Attrs.of(), in)[0], in -> {
      int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
      return Nd.of(gru(values(in, 5), n, i, h), n, h);
    });
    for (int[] sz : SIZES) {
      c.with(gruSpecs(sz, false));
    }
    c.tol(F32, 1e-5, 1e-5).run();
  }

  @Test @Covers("gru_cell_grad") void gruCellGrad() {
    List<Case> cases = new ArrayList<>();
    for (int needs : new int[] {31, 0b10010}) {
      Case c = opN("gru_cell_grad", in -> Ops.call("gru_cell_grad", Attrs.of().set("needs", needs), in), in -> {
        int n = in[0].dim(0), i = in[0].dim(1), h = in[1].dim(1);
        double[][] g = numericGrad(v -> new double[][] {gru(v, n, i, h)}, values(in, 5), new double[][] {in[5].v}, 5);
        return masked(asNd(g, in), needs);
      }).label("needs " + Integer.toBinaryString(needs));
      for (int[] sz : SIZES) {
        c.with(gruSpecs(sz, true));
      }
      cases.add(c.tol(F64, GRAD_F64_RTOL, GRAD_F64_ATOL).tol(F32, GRAD_F32_RTOL, GRAD_F32_ATOL));
    }
    runAll("gru_cell_grad", cases);
  }

  @Test void shapeErrors() {
    try (Tensor x = Tensor.zeros(2, 3); Tensor h = Tensor.zeros(2, 4); Tensor w = Tensor.zeros(3, 4);
        Tensor u = Tensor.zeros(4, 4); Tensor b = Tensor.zeros(4); Tensor bad = Tensor.zeros(3, 5)) {
      assertThrows(ShapeException.class, () -> Ops.call("rnn_cell", Attrs.of(), x, h, bad, u, b));
      assertThrows(ShapeException.class, () -> Ops.call("lstm_cell", Attrs.of(), x, h, h, w, u, b));
      assertThrows(InvalidArgumentException.class,
          () -> Ops.call("rnn_cell", Attrs.of().set("activation", 2), x, h, w, u, b));
    }
  }
}
