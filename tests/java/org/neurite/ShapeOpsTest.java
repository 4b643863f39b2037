package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.neurite.OpCheck.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Views (reshape, permute, slice, broadcast_to, squeeze, unsqueeze) and the shape ops that copy, in every dtype. */
@ExtendWith(OpCheck.CoverageCheck.class)
class ShapeOpsTest {
  static int norm(int axis, int rank) {
    return axis < 0 ? axis + rank : axis;
  }

  // ---- references ----

  static Nd reshape(Nd x, long[] target) {
    int[] s = ints(target);
    int known = 1, infer = -1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        infer = i;
      } else {
        known *= s[i];
      }
    }
    if (infer >= 0) {
      s[infer] = x.size() / known;
    }
    return x.reshape(s);
  }

  /** Python's slice.indices(): the positions a[start:stop:step] selects from a dim of size n. */
  static int[] slicePositions(Long start, Long stop, long step, int n) {
    long lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
    long b = start == null ? (step > 0 ? lo : hi) : adjust(start, n, lo, hi);
    long e = stop == null ? (step > 0 ? hi : lo) : adjust(stop, n, lo, hi);
    List<Integer> out = new ArrayList<>();
    for (long i = b; step > 0 ? i < e : i > e; i += step) {
      out.add((int) i);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static long adjust(long v, int n, long lo, long hi) {
    if (v < 0) {
      v += n;
    }
    return Math.max(lo, Math.min(hi, v));
  }

  static Nd slice(Nd x, int[] axes, long[] starts, long[] stops, long[] steps) {
    int r = x.rank();
    int[][] pos = new int[r][];
    for (int d = 0; d < r; d++) {
      pos[d] = slicePositions(0L, null, 1, x.shape[d]);
    }
    for (int i = 0; i < axes.length; i++) {
      int a = norm(axes[i], r);
      pos[a] = slicePositions(starts[i], stops == null ? null : stops[i], steps == null ? 1 : steps[i], x.shape[a]);
    }
    return select(x, pos);
  }

  /** The sub-array at the cross product of the given positions per dim. */
  static Nd select(Nd x, int[][] pos) {
    int[] s = new int[pos.length];
    for (int d = 0; d < s.length; d++) {
      s[d] = pos[d].length;
    }
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      int[] src = new int[o.length];
      for (int d = 0; d < o.length; d++) {
        src[d] = pos[d][o[d]];
      }
      out[f] = x.get(src);
    }
    return new Nd(s, out);
  }

  static Nd concat(Nd[] xs, int axis) {
    int a = norm(axis, xs[0].rank());
    int[] s = xs[0].shape.clone();
    s[a] = 0;
    for (Nd x : xs) {
      s[a] += x.shape[a];
    }
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      int k = 0;
      while (o[a] >= xs[k].shape[a]) {
        o[a] -= xs[k].shape[a];
        k++;
      }
      out[f] = xs[k].get(o);
    }
    return new Nd(s, out);
  }

  static Nd stack(Nd[] xs, int axis) {
    int r = xs[0].rank() + 1, a = norm(axis, r);
    Nd[] expanded = new Nd[xs.length];
    for (int i = 0; i < xs.length; i++) {
      int[] s = new int[r];
      for (int d = 0, j = 0; d < r; d++) {
        s[d] = d == a ? 1 : xs[i].shape[j++];
      }
      expanded[i] = xs[i].reshape(s);
    }
    return concat(expanded, a);
  }

  static Nd[] split(Nd x, int axis, long[] sizes) {
    int a = norm(axis, x.rank());
    Nd[] out = new Nd[sizes.length];
    int at = 0;
    for (int i = 0; i < sizes.length; i++) {
      int[][] pos = new int[x.rank()][];
      for (int d = 0; d < x.rank(); d++) {
        pos[d] = slicePositions(0L, null, 1, x.shape[d]);
      }
      pos[a] = slicePositions((long) at, (long) (at + sizes[i]), 1, x.shape[a]);
      out[i] = select(x, pos);
      at += (int) sizes[i];
    }
    return out;
  }

  /** numpy.pad: constant, reflect (mirror without repeating the edge) or edge. */
  static Nd pad(Nd x, long[] pads, PadMode mode, double value) {
    int r = x.rank();
    int[] s = new int[r];
    for (int d = 0; d < r; d++) {
      s[d] = x.shape[d] + (int) pads[2 * d] + (int) pads[2 * d + 1];
    }
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      int[] src = new int[r];
      boolean outside = false;
      for (int d = 0; d < r; d++) {
        int i = o[d] - (int) pads[2 * d], n = x.shape[d];
        if (i < 0 || i >= n) {
          switch (mode) {
            case CONSTANT:
              outside = true;
              break;
            case REFLECT:
              i = i < 0 ? -i : 2 * (n - 1) - i;
              break;
            default:
              i = i < 0 ? 0 : n - 1;
          }
        }
        src[d] = i;
      }
      out[f] = outside ? value : x.get(src);
    }
    return new Nd(s, out);
  }

  static Nd tile(Nd x, long[] reps) {
    int r = Math.max(x.rank(), reps.length);
    int[] xs = new int[r], rs = new int[r];
    for (int d = 0; d < r; d++) {
      int xi = d - (r - x.rank()), ri = d - (r - reps.length);
      xs[d] = xi >= 0 ? x.shape[xi] : 1;
      rs[d] = ri >= 0 ? (int) reps[ri] : 1;
    }
    Nd x2 = x.reshape(xs);
    int[] s = new int[r];
    for (int d = 0; d < r; d++) {
      s[d] = xs[d] * rs[d];
    }
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      for (int d = 0; d < r; d++) {
        o[d] %= xs[d];
      }
      out[f] = x2.get(o);
    }
    return new Nd(s, out);
  }

  static Nd repeat(Nd x, int repeats, int axis) {
    Nd x1 = x.rank() == 0 ? x.reshape(1) : x;
    int a = norm(axis, x1.rank());
    int[][] pos = new int[x1.rank()][];
    for (int d = 0; d < x1.rank(); d++) {
      pos[d] = slicePositions(0L, null, 1, x1.shape[d]);
    }
    pos[a] = new int[x1.shape[a] * repeats];
    for (int i = 0; i < pos[a].length; i++) {
      pos[a][i] = i / repeats;
    }
    return select(x1, pos);
  }

  static Nd flip(Nd x, int[] axes) {
    boolean[] m = Nd.axisMask(axes, x.rank());
    int[][] pos = new int[x.rank()][];
    for (int d = 0; d < x.rank(); d++) {
      pos[d] = m[d] ? slicePositions(null, null, -1, x.shape[d]) : slicePositions(0L, null, 1, x.shape[d]);
    }
    return select(x, pos);
  }

  /** numpy.take(x, idx, axis): negative indices count from the end. */
  static Nd gather(Nd x, Nd idx, int axis) {
    int a = norm(axis, x.rank());
    int[] s = new int[x.rank() - 1 + idx.rank()];
    System.arraycopy(x.shape, 0, s, 0, a);
    System.arraycopy(idx.shape, 0, s, a, idx.rank());
    System.arraycopy(x.shape, a + 1, s, a + idx.rank(), x.rank() - a - 1);
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      int[] src = new int[x.rank()];
      System.arraycopy(o, 0, src, 0, a);
      int i = (int) idx.get(Arrays.copyOfRange(o, a, a + idx.rank()));
      src[a] = i < 0 ? i + x.shape[a] : i;
      System.arraycopy(o, a + idx.rank(), src, a + 1, x.rank() - a - 1);
      out[f] = x.get(src);
    }
    return new Nd(s, out);
  }

  /** numpy.take_along_axis, with size-1 dims of either side broadcasting outside the axis. */
  static Nd takeAlongAxis(Nd x, Nd idx, int axis) {
    int r = x.rank(), a = norm(axis, r);
    int[] s = idx.shape.clone();
    for (int d = 0; d < r; d++) {
      if (d != a) {
        s[d] = Math.max(idx.shape[d], x.shape[d]);
      }
    }
    double[] out = new double[Nd.numel(s)];
    for (int f = 0; f < out.length; f++) {
      int[] o = Nd.unravel(f, s);
      int[] io = new int[r], xo = new int[r];
      for (int d = 0; d < r; d++) {
        io[d] = idx.shape[d] == 1 ? 0 : o[d];
        xo[d] = x.shape[d] == 1 ? 0 : o[d];
      }
      int i = (int) idx.get(io);
      xo[a] = i < 0 ? i + x.shape[a] : i;
      out[f] = x.get(xo);
    }
    return new Nd(s, out);
  }

  static Nd oneHot(Nd idx, int depth) {
    int[] s = Arrays.copyOf(idx.shape, idx.rank() + 1);
    s[idx.rank()] = depth;
    double[] out = new double[Nd.numel(s)];
    for (int i = 0; i < idx.size(); i++) {
      out[i * depth + (int) idx.v[i]] = 1;
    }
    return new Nd(s, out);
  }

  // ---- tests ----

  @Test @Covers("reshape") void reshape() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(2, 3), shape(3, 2)}, {shape(2, 3), shape(-1)}, {shape(2, 3), shape(6, 1)}, {shape(2, 3, 4), shape(4, -1)},
      {shape(2, 3, 4), shape(2, 12)}, {shape(2, 3, 4), shape(24)}, {shape(), shape(1, 1)}, {shape(1), shape()},
      {shape(1, 1), shape()}, {shape(0, 3), shape(3, 0)}, {shape(0, 3), shape(-1, 3)}, {shape(4, 1, 3), shape(2, 6)},
      {shape(2, 2, 2, 2), shape(4, 4)}, {shape(6), shape(1, 2, 1, 3, 1)},
    };
    for (Object[] c : specs) {
      long[] from = (long[]) c[0], to = (long[]) c[1];
      cases.add(op1("reshape", x -> x.reshape(to), x -> reshape(x, to)).dtypes(ALL).label("to " + Arrays.toString(to))
          .with(s(from)));
    }
    runAll("reshape", cases);
  }

  @Test @Covers("permute") void permute() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(), new int[] {}}, {shape(5), new int[] {0}}, {shape(2, 3), new int[] {1, 0}},
      {shape(2, 3, 4), new int[] {2, 0, 1}}, {shape(2, 3, 4), new int[] {1, 2, 0}},
      {shape(2, 3, 4), new int[] {-1, 0, -2}}, {shape(2, 1, 3, 2), new int[] {3, 1, 0, 2}},
      {shape(2, 0, 3), new int[] {2, 1, 0}}, {shape(2, 3), new int[] {0, 1}},
    };
    for (Object[] c : specs) {
      long[] shape = (long[]) c[0];
      int[] perm = (int[]) c[1];
      int[] p = perm.clone();
      for (int i = 0; i < p.length; i++) {
        p[i] = norm(p[i], p.length);
      }
      cases.add(op1("permute", x -> x.permute(perm), x -> x.permute(p)).dtypes(ALL).label("perm " + Arrays.toString(perm))
          .with(s(shape)));
    }
    runAll("permute", cases);
  }

  @Test @Covers("slice") void slice() {
    List<Case> cases = new ArrayList<>();
    // Fixed cases: clamping, negative indices and steps, empty results, a rank-1 tensor, size-0 dims.
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {1}, new long[] {4}, new long[] {1}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {-2}, null, null));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {5}, null, new long[] {-1}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {-100}, new long[] {100}, new long[] {2}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {100}, new long[] {-100}, new long[] {-3}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {4}, new long[] {2}, new long[] {1}));
    cases.add(sliceCase(shape(0, 3), new int[] {0, 1}, new long[] {0, 1}, new long[] {5, 3}, new long[] {1, 1}));
    cases.add(sliceCase(shape(4, 5), new int[] {1, 0}, new long[] {-1, 3}, null, new long[] {-2, -1}));
    cases.add(sliceCase(shape(4, 5), new int[] {}, new long[] {}, new long[] {}, new long[] {}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {Long.MIN_VALUE}, new long[] {Long.MAX_VALUE}, new long[] {1}));
    // Steps near the int64 limits: [5] and [0] in Python (its slice lengths cannot overflow).
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {Long.MAX_VALUE}, new long[] {Long.MIN_VALUE},
        new long[] {Long.MIN_VALUE + 1}));
    cases.add(sliceCase(shape(6), new int[] {0}, new long[] {Long.MIN_VALUE}, new long[] {Long.MAX_VALUE},
        new long[] {Long.MAX_VALUE}));
    // Random ones over a [5, 6, 3] tensor.
    SplittableRandom rng = new SplittableRandom(7);
    for (int i = 0; i < 60; i++) {
      int nAxes = rng.nextInt(1, 4);
      int[] axes = rng.ints(0, 3).distinct().limit(nAxes).toArray();
      long[] starts = new long[nAxes], stops = new long[nAxes], steps = new long[nAxes];
      boolean noStops = rng.nextInt(4) == 0, noSteps = rng.nextInt(4) == 0;
      for (int k = 0; k < nAxes; k++) {
        starts[k] = rng.nextInt(-9, 10);
        stops[k] = rng.nextInt(-9, 10);
        long st = rng.nextInt(1, 4);
        steps[k] = rng.nextBoolean() ? st : -st;
        if (rng.nextBoolean()) {
          axes[k] -= 3; // negative axis
        }
      }
      cases.add(sliceCase(shape(5, 6, 3), axes, starts, noStops ? null : stops, noSteps ? null : steps));
    }
    runAll("slice", cases);
  }

  static Case sliceCase(long[] shape, int[] axes, long[] starts, long[] stops, long[] steps) {
    return op1("slice", x -> Ops.slice(x, axes, starts, stops, steps), x -> slice(x, axes, starts, stops, steps))
        .dtypes(ALL)
        .label("axes " + Arrays.toString(axes) + " starts " + Arrays.toString(starts) + " stops "
            + Arrays.toString(stops) + " steps " + Arrays.toString(steps))
        .with(s(shape));
  }

  @Test @Covers("broadcast_to") void broadcastTo() {
    List<Case> cases = new ArrayList<>();
    long[][][] specs = {
      {{3}, {2, 3}}, {{1}, {4}}, {{}, {2, 2}}, {{3, 1}, {3, 4}}, {{1, 3}, {0, 3}}, {{2, 1, 3}, {4, 2, 5, 3}},
      {{2, 3}, {2, 3}}, {{}, {}}, {{1}, {1}}, {{0}, {2, 0}}, {{1, 1}, {3, 1, 2}},
    };
    for (long[][] c : specs) {
      long[] to = c[1];
      cases.add(op1("broadcast_to", x -> x.broadcastTo(to), x -> x.broadcastTo(ints(to))).dtypes(ALL)
          .label("to " + Arrays.toString(to)).with(s(c[0])));
    }
    runAll("broadcast_to", cases);
  }

  @Test @Covers("squeeze") void squeeze() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(1, 3, 1), new int[] {}}, {shape(1, 3, 1), new int[] {0}}, {shape(1, 3, 1), new int[] {-1}},
      {shape(1, 3, 1), new int[] {0, 2}}, {shape(1), new int[] {}}, {shape(), new int[] {}},
      {shape(2, 3), new int[] {}}, {shape(1, 0, 1), new int[] {2}}, {shape(1, 1), new int[] {}},
    };
    for (Object[] c : specs) {
      long[] shape = (long[]) c[0];
      int[] axes = (int[]) c[1];
      cases.add(op1("squeeze", x -> x.squeeze(axes), x -> {
        boolean[] drop = new boolean[x.rank()];
        for (int a : axes) {
          drop[norm(a, x.rank())] = true;
        }
        List<Integer> s = new ArrayList<>();
        for (int d = 0; d < x.rank(); d++) {
          if (!(axes.length == 0 ? x.shape[d] == 1 : drop[d])) {
            s.add(x.shape[d]);
          }
        }
        return x.reshape(s.stream().mapToInt(Integer::intValue).toArray());
      }).dtypes(ALL).label("axes " + Arrays.toString(axes)).with(s(shape)));
    }
    runAll("squeeze", cases);
  }

  @Test @Covers("unsqueeze") void unsqueeze() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(2, 3), 0}, {shape(2, 3), 1}, {shape(2, 3), 2}, {shape(2, 3), -1}, {shape(2, 3), -3}, {shape(), 0},
      {shape(), -1}, {shape(0), 1},
    };
    for (Object[] c : specs) {
      long[] shape = (long[]) c[0];
      int axis = (Integer) c[1];
      cases.add(op1("unsqueeze", x -> x.unsqueeze(axis), x -> {
        int a = norm(axis, x.rank() + 1);
        int[] s = new int[x.rank() + 1];
        for (int d = 0, j = 0; d < s.length; d++) {
          s[d] = d == a ? 1 : x.shape[j++];
        }
        return x.reshape(s);
      }).dtypes(ALL).label("axis " + axis).with(s(shape)));
    }
    runAll("unsqueeze", cases);
  }

  @Test @Covers("contiguous") void contiguous() {
    Case c = op1("contiguous", Tensor::contiguous, x -> x).dtypes(ALL);
    for (long[] s : UNARY_SHAPES) {
      c.with(s(s));
    }
    c.run();
  }

  /** A value as a cast to {@code to} must give it: truncation toward zero for integers, != 0 for bool. */
  static double convert(double x, DType to) {
    switch (to) {
      case BOOL:
        return x != 0 ? 1 : 0;
      case I32:
      case I64:
        return x < 0 ? Math.ceil(x) : Math.floor(x);
      case U8:
        return Math.floorMod((long) (x < 0 ? Math.ceil(x) : Math.floor(x)), 256L);
      case F32:
        return (float) x;
      default:
        return x;
    }
  }

  @Test @Covers("cast") void cast() {
    List<Case> cases = new ArrayList<>();
    for (DType to : ALL) {
      // A negative or too large float converted to u8 is undefined behaviour in C++ (and differs between NumPy
      // builds), so float -> u8 casts use values in [0, 255].
      boolean toU8 = to == U8;
      cases.add(op1("cast", x -> x.cast(to), x -> x.map(v -> convert(v, to)))
          .label("to " + to.shortName()).dtypes(ALL).out(to).domain(toU8 ? 0 : -100, toU8 ? 255 : 100).quantize(0.25)
          .intDomain(-100, 100)
          .with(s(2, 3)).with(s()).with(s(0, 2)).with(s(7)).with(s(2, 2, 3))
          .with(s(6).values(0, -0.0, 1.75, toU8 ? 2 : -1.75, 255, toU8 ? 0 : -2)));
    }
    runAll("cast", cases);
  }

  @Test @Covers("concat") void concat() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {0, new long[][] {{2, 3}, {4, 3}}}, {1, new long[][] {{2, 3}, {2, 1}, {2, 0}, {2, 2}}},
      {-1, new long[][] {{2, 3}, {2, 2}}}, {0, new long[][] {{0, 3}, {2, 3}}}, {0, new long[][] {{5}, {3}}},
      {0, new long[][] {{4, 2}}}, {1, new long[][] {{2, 1, 3}, {2, 4, 3}, {2, 1, 3}}},
      {2, new long[][] {{2, 1, 3}, {2, 1, 1}}},
    };
    for (Object[] c : specs) {
      int axis = (Integer) c[0];
      long[][] shapes = (long[][]) c[1];
      cases.add(opV("concat", in -> Ops.concat(axis, in), in -> concat(in, axis)).dtypes(ALL).label("axis " + axis)
          .shapes(shapes));
    }
    runAll("concat", cases);
  }

  @Test @Covers("stack") void stack() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {0, new long[][] {{2, 3}, {2, 3}, {2, 3}}}, {1, new long[][] {{2, 3}, {2, 3}}}, {2, new long[][] {{2, 3}, {2, 3}}},
      {-1, new long[][] {{2, 3}, {2, 3}}}, {0, new long[][] {{}, {}}}, {1, new long[][] {{0, 3}, {0, 3}}},
      {0, new long[][] {{4}}}, {-2, new long[][] {{3}, {3}, {3}, {3}}},
    };
    for (Object[] c : specs) {
      int axis = (Integer) c[0];
      long[][] shapes = (long[][]) c[1];
      cases.add(opV("stack", in -> Ops.stack(axis, in), in -> stack(in, axis)).dtypes(ALL).label("axis " + axis)
          .shapes(shapes));
    }
    runAll("stack", cases);
  }

  @Test @Covers("split") void split() {
    List<Case> cases = new ArrayList<>();
    Object[][] bySizes = {
      {shape(3, 4), 0, new long[] {1, 2}}, {shape(3, 4), 1, new long[] {2, 0, 2}}, {shape(3, 4), -1, new long[] {4}},
      {shape(5), 0, new long[] {1, 1, 1, 1, 1}}, {shape(0, 3), 0, new long[] {0, 0}}, {shape(2, 3, 4), 1, new long[] {2, 1}},
    };
    for (Object[] c : bySizes) {
      int axis = (Integer) c[1];
      long[] sizes = (long[]) c[2];
      cases.add(opN("split", in -> Ops.split(in[0], axis, sizes), in -> split(in[0], axis, sizes)).dtypes(ALL)
          .label("axis " + axis + " sizes " + Arrays.toString(sizes)).with(s((long[]) c[0])));
    }
    Object[][] bySections = {
      {shape(2, 4), -1, 2}, {shape(6), 0, 3}, {shape(6), 0, 1}, {shape(0, 3), 0, 3}, {shape(3, 6, 2), 1, 6},
    };
    for (Object[] c : bySections) {
      long[] shape = (long[]) c[0];
      int axis = (Integer) c[1], sections = (Integer) c[2];
      long[] sizes = new long[sections];
      Arrays.fill(sizes, shape[norm(axis, shape.length)] / sections);
      cases.add(opN("split", in -> Ops.split(in[0], axis, sections), in -> split(in[0], axis, sizes)).dtypes(ALL)
          .label("axis " + axis + " sections " + sections).with(s(shape)));
    }
    runAll("split", cases);
  }

  @Test @Covers("pad") void pad() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(3), new long[] {2, 1}, PadMode.CONSTANT}, {shape(2, 3), new long[] {1, 0, 2, 2}, PadMode.CONSTANT},
      {shape(), new long[] {}, PadMode.CONSTANT}, {shape(0, 3), new long[] {1, 1, 0, 2}, PadMode.CONSTANT},
      {shape(2, 3), new long[] {0, 0, 0, 0}, PadMode.CONSTANT},
      {shape(3), new long[] {2, 1}, PadMode.REFLECT}, {shape(2, 3), new long[] {1, 1, 2, 2}, PadMode.REFLECT},
      {shape(4, 1), new long[] {3, 2, 0, 0}, PadMode.REFLECT}, {shape(2, 3, 4), new long[] {1, 0, 0, 2, 3, 3}, PadMode.REFLECT},
      {shape(3), new long[] {2, 4}, PadMode.EDGE}, {shape(2, 3), new long[] {0, 3, 2, 0}, PadMode.EDGE},
      {shape(1, 1), new long[] {2, 2, 2, 2}, PadMode.EDGE}, {shape(0, 2), new long[] {0, 0, 1, 1}, PadMode.EDGE},
      // No padding of an empty dim: nothing to reflect, so valid (NumPy pads these).
      {shape(0, 3), new long[] {0, 0, 1, 1}, PadMode.REFLECT},
    };
    for (Object[] c : specs) {
      long[] pads = (long[]) c[1];
      PadMode mode = (PadMode) c[2];
      // The fill value 7 is held exactly by every dtype (bool: true).
      cases.add(op1("pad", x -> x.pad(pads, mode, 7), x -> pad(x, pads, mode, 7)).dtypes(ALL)
          .label(mode + " " + Arrays.toString(pads)).with(s((long[]) c[0])));
    }
    cases.add(op1("pad", x -> x.pad(new long[] {1, 2, 0, 1}, PadMode.CONSTANT, -2.5),
        x -> pad(x, new long[] {1, 2, 0, 1}, PadMode.CONSTANT, -2.5)).label("CONSTANT -2.5").with(s(2, 2)));
    runAll("pad", cases);
  }

  @Test @Covers("tile") void tile() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(2, 3), shape(2, 1)}, {shape(2, 3), shape(1, 2)}, {shape(2, 3), shape(2, 2, 2)}, {shape(2, 3, 4), shape(2)},
      {shape(), shape(3)}, {shape(0, 2), shape(2, 2)}, {shape(2, 3), shape(0, 1)}, {shape(2, 3), shape()},
      {shape(3), shape(1, 1, 2)},
    };
    for (Object[] c : specs) {
      long[] reps = (long[]) c[1];
      cases.add(op1("tile", x -> x.tile(reps), x -> tile(x, reps)).dtypes(ALL).label("reps " + Arrays.toString(reps))
          .with(s((long[]) c[0])));
    }
    runAll("tile", cases);
  }

  @Test @Covers("repeat") void repeat() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(2, 3), 2, 0}, {shape(2, 3), 3, 1}, {shape(2, 3), 2, -1}, {shape(2, 3), 0, 0}, {shape(), 3, 0},
      {shape(0, 3), 2, 0}, {shape(2, 3, 2), 2, 1}, {shape(4), 1, 0},
    };
    for (Object[] c : specs) {
      int repeats = (Integer) c[1], axis = (Integer) c[2];
      cases.add(op1("repeat", x -> x.repeat(repeats, axis), x -> repeat(x, repeats, axis)).dtypes(ALL)
          .label("repeats " + repeats + " axis " + axis).with(s((long[]) c[0])));
    }
    runAll("repeat", cases);
  }

  @Test @Covers("flip") void flip() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(2, 3), new int[] {}}, {shape(2, 3), new int[] {0}}, {shape(2, 3), new int[] {1}},
      {shape(2, 3), new int[] {-1}}, {shape(2, 3), new int[] {0, 1}}, {shape(2, 3, 4), new int[] {0, 2}},
      {shape(), new int[] {}}, {shape(0, 3), new int[] {0}}, {shape(7), new int[] {0}},
    };
    for (Object[] c : specs) {
      int[] axes = (int[]) c[1];
      cases.add(op1("flip", x -> x.flip(axes), x -> flip(x, axes)).dtypes(ALL).label("axes " + Arrays.toString(axes))
          .with(s((long[]) c[0])));
    }
    runAll("flip", cases);
  }

  @Test @Covers("gather") void gather() {
    List<Case> cases = new ArrayList<>();
    // {x shape, axis, index shape}; indices cover [-n, n) of the gathered axis.
    Object[][] specs = {
      {shape(4, 3), 0, shape(2, 5)}, {shape(4, 3), 1, shape(2, 5)}, {shape(4, 3), -1, shape(7)}, {shape(5), 0, shape()},
      {shape(2, 3, 4), 1, shape(3)}, {shape(2, 3, 4), 2, shape(2, 2)}, {shape(4, 3), 0, shape(0)},
      {shape(4, 0), 0, shape(2)}, {shape(1), 0, shape(3)},
    };
    for (Object[] c : specs) {
      long[] xs = (long[]) c[0], is = (long[]) c[2];
      int axis = (Integer) c[1];
      int n = (int) xs[norm(axis, xs.length)];
      cases.add(op2("gather", (x, i) -> x.gather(i, axis), (x, i) -> gather(x, i, axis)).dtypes(ALL)
          .label("axis " + axis).with(s(xs), idx(-n, n, is)));
    }
    runAll("gather", cases);
  }

  @Test @Covers("take_along_axis") void takeAlongAxis() {
    List<Case> cases = new ArrayList<>();
    Object[][] specs = {
      {shape(3, 4), 1, shape(3, 2)}, {shape(3, 4), 0, shape(5, 4)}, {shape(3, 4), -1, shape(1, 2)},
      {shape(3, 1), 1, shape(3, 6)}, {shape(3, 4), 1, shape(3, 0)}, {shape(2, 3, 4), 1, shape(2, 5, 4)},
      {shape(5), 0, shape(8)}, {shape(1, 4), 1, shape(3, 2)},
    };
    for (Object[] c : specs) {
      long[] xs = (long[]) c[0], is = (long[]) c[2];
      int axis = (Integer) c[1];
      int n = (int) xs[norm(axis, xs.length)];
      cases.add(op2("take_along_axis", (x, i) -> x.takeAlongAxis(i, axis), (x, i) -> takeAlongAxis(x, i, axis))
          .dtypes(ALL).label("axis " + axis).with(s(xs), idx(-n, n, is)));
    }
    runAll("take_along_axis", cases);
  }

  @Test @Covers("one_hot") void oneHot() {
    List<Case> cases = new ArrayList<>();
    for (DType out : ALL) {
      for (Object[] c : new Object[][] {{shape(5), 4}, {shape(2, 3), 3}, {shape(), 5}, {shape(0), 3}, {shape(4), 1}}) {
        int depth = (Integer) c[1];
        cases.add(op1("one_hot", i -> Ops.oneHot(i, depth, out), i -> oneHot(i, depth)).dtypes(out).out(out)
            .label("depth " + depth + " to " + out.shortName()).with(idx(0, depth, (long[]) c[0])));
      }
    }
    runAll("one_hot", cases);
  }

  // ---- the Java API around shapes ----

  /** Tensor.of with zero elements must give an empty tensor (it threw NullPointerException when first run). */
  @Test void tensorOfEmptyArrays() {
    try (Scope scope = Neurite.scope()) {
      assertArrayEquals(new long[] {0}, Tensor.of(new float[0], 0).shape());
      assertArrayEquals(new long[] {2, 0}, Tensor.of(new double[0], 2, 0).shape());
      assertEquals(0, Tensor.of(new int[0], 0, 5).size());
      assertEquals(0, Tensor.of(new long[0], 0).size());
      assertEquals(0, Tensor.of(new byte[0], 0).size());
      assertEquals(0, Tensor.of(new boolean[0], 0).size());
      assertArrayEquals(new float[0], Tensor.of(new float[0], 3, 0).toFloatArray());
    }
  }

  @Test void viewsShareStorageAndCopiesDoNot() {
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.arange(0, 24).reshape(2, 3, 4);
      for (Tensor v : new Tensor[] {x.reshape(6, 4), x.permute(2, 0, 1), x.slice(1, 0, 3, 2), x.squeeze(),
          x.unsqueeze(0), x.reshape(1, 2, 3, 4).broadcastTo(5, 2, 3, 4)}) {
        assertEquals(true, v.sharesStorageWith(x), "a view of " + Arrays.toString(x.shape()));
      }
      for (Tensor c : new Tensor[] {x.flip(0), x.tile(2), x.cast(DType.F64), x.permute(1, 0, 2).contiguous()}) {
        assertEquals(false, c.sharesStorageWith(x));
      }
      assertEquals(false, x.permute(1, 0, 2).isContiguous());
      assertArrayEquals(new long[] {12, 4, 1}, x.strides());
      assertArrayEquals(new long[] {0, 12, 4, 1}, x.unsqueeze(0).broadcastTo(3, 2, 3, 4).strides());
      assertArrayEquals(new long[] {4, 12, 1}, x.permute(1, 0, 2).strides());
    }
  }
}
