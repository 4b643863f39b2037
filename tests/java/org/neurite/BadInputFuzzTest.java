package org.neurite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded random invalid calls at the Java API. Each must throw the expected {@link NeuriteException}
 * subclass with a non-empty message naming the op (or method), or, for a null Java reference, a
 * NullPointerException. The JVM must survive them all, and ordinary ops must still work afterwards.
 */
class BadInputFuzzTest {
  static final int CALLS = 5000;
  static final long SEED = 20240611L;

  /** One invalid call: the exception it must raise and the op its message must name. */
  static final class Bad {
    final String category;
    final Class<? extends Throwable> kind;
    final String op;
    final String what;
    final Runnable call;

    Bad(String category, Class<? extends Throwable> kind, String op, String what, Runnable call) {
      this.category = category;
      this.kind = kind;
      this.op = op;
      this.what = what;
      this.call = call;
    }
  }

  static final Class<ShapeException> SHAPE = ShapeException.class;
  static final Class<DTypeException> DTYPE = DTypeException.class;
  static final Class<IndexException> INDEX = IndexException.class;
  static final Class<InvalidArgumentException> ARG = InvalidArgumentException.class;
  static final Class<NeuriteOutOfMemoryException> OOM = NeuriteOutOfMemoryException.class;
  static final Class<TensorClosedException> CLOSED = TensorClosedException.class;
  static final Class<NullPointerException> NPE = NullPointerException.class;

  // ---- random pieces ----

  static long[] randomShape(SplittableRandom r, int minRank, int maxRank, int maxDim) {
    long[] s = new long[r.nextInt(minRank, maxRank + 1)];
    for (int i = 0; i < s.length; i++) {
      s[i] = r.nextInt(1, maxDim + 1);
    }
    return s;
  }

  static String str(long[] s) {
    return Tensor.shapeString(s);
  }

  static Tensor t(DType dt, long... shape) {
    return Ops.zeros(dt, shape);
  }

  static Tensor f32(long... shape) {
    return Ops.ones(DType.F32, shape);
  }

  /** Two shapes that do not broadcast: some aligned dim is p in one and q in the other, p != q, both >= 2. */
  static long[][] incompatibleShapes(SplittableRandom r) {
    long[] a = randomShape(r, 1, 4, 4), b = randomShape(r, 1, 4, 4);
    int common = Math.min(a.length, b.length);
    for (int i = 1; i <= common; i++) {
      if (r.nextBoolean()) {
        b[b.length - i] = r.nextBoolean() ? 1 : a[a.length - i];
      }
    }
    int i = r.nextInt(1, common + 1);
    long p = r.nextInt(2, 6), q = p + r.nextInt(1, 4);
    a[a.length - i] = p;
    b[b.length - i] = q;
    return r.nextBoolean() ? new long[][] {a, b} : new long[][] {b, a};
  }

  static <T> T pick(SplittableRandom r, List<T> xs) {
    return xs.get(r.nextInt(xs.size()));
  }

  @SafeVarargs
  static <T> T pick(SplittableRandom r, T... xs) {
    return xs[r.nextInt(xs.length)];
  }

  interface Bin {
    Tensor apply(Tensor a, Tensor b);
  }

  static final Map<String, Bin> ARITH = new LinkedHashMap<>();
  static final Map<String, Bin> COMPARE = new LinkedHashMap<>();
  static final Map<String, Bin> LOGICAL = new LinkedHashMap<>();

  static {
    ARITH.put("add", Ops::add);
    ARITH.put("sub", Ops::sub);
    ARITH.put("mul", Ops::mul);
    ARITH.put("div", Ops::div);
    ARITH.put("pow", Ops::pow);
    ARITH.put("maximum", Ops::maximum);
    ARITH.put("minimum", Ops::minimum);
    COMPARE.put("equal", Ops::equal);
    COMPARE.put("not_equal", Ops::notEqual);
    COMPARE.put("less", Ops::less);
    COMPARE.put("less_equal", Ops::lessEqual);
    COMPARE.put("greater", Ops::greater);
    COMPARE.put("greater_equal", Ops::greaterEqual);
    LOGICAL.put("logical_and", Ops::logicalAnd);
    LOGICAL.put("logical_or", Ops::logicalOr);
    LOGICAL.put("logical_xor", Ops::logicalXor);
  }

  interface Red {
    Tensor apply(Tensor x, int[] axes);
  }

  static final Map<String, Red> REDUCE = new LinkedHashMap<>();

  static {
    REDUCE.put("sum", (x, a) -> Ops.sum(x, a, false));
    REDUCE.put("mean", (x, a) -> Ops.mean(x, a, true));
    REDUCE.put("max", (x, a) -> Ops.max(x, a, false));
    REDUCE.put("min", (x, a) -> Ops.min(x, a, false));
    REDUCE.put("prod", (x, a) -> Ops.prod(x, a, false));
    REDUCE.put("var", (x, a) -> Ops.var(x, a, false, 1));
    REDUCE.put("std", (x, a) -> Ops.std(x, a, false, 0));
    REDUCE.put("logsumexp", (x, a) -> Ops.logsumexp(x, a, false));
    REDUCE.put("flip", Ops::flip);
  }

  // ---- the generators of invalid calls, by category ----

  static final List<Function<SplittableRandom, Bad>> GENERATORS = new ArrayList<>();

  static void gen(Function<SplittableRandom, Bad> g) {
    GENERATORS.add(g);
  }

  static {
    // Binary ops on shapes that do not broadcast.
    gen(r -> {
      long[][] s = incompatibleShapes(r);
      Map<String, Bin> family = pick(r, ARITH, COMPARE, LOGICAL);
      String op = pick(r, new ArrayList<>(family.keySet()));
      DType dt = family == LOGICAL ? DType.BOOL : pick(r, DType.F32, DType.F64);
      return new Bad("binary shapes", SHAPE, op, op + " " + str(s[0]) + " " + str(s[1]),
          () -> family.get(op).apply(t(dt, s[0]), t(dt, s[1])));
    });
    gen(r -> {
      long[][] s = incompatibleShapes(r);
      long[] c = r.nextBoolean() ? s[0] : new long[0];
      return new Bad("where shapes", SHAPE, "where", "where " + str(c) + " " + str(s[0]) + " " + str(s[1]),
          () -> Ops.where(t(DType.BOOL, c), f32(s[0]), f32(s[1])));
    });
    // matmul: inner dims differ, batch dims do not broadcast, scalars.
    gen(r -> {
      long m = r.nextInt(1, 5), k = r.nextInt(1, 6), k2 = k + r.nextInt(1, 4), n = r.nextInt(1, 5);
      long[] a, b;
      switch (r.nextInt(4)) {
        case 0: a = new long[] {m, k}; b = new long[] {k2, n}; break;
        case 1: a = new long[] {k}; b = new long[] {k2}; break;
        case 2: a = new long[] {2, m, k}; b = new long[] {k2}; break;
        default: a = new long[] {k}; b = new long[] {3, k2, n}; break;
      }
      return new Bad("matmul inner", SHAPE, "matmul", "matmul " + str(a) + " x " + str(b),
          () -> Ops.matmul(f32(a), f32(b)));
    });
    gen(r -> {
      long p = r.nextInt(2, 5), q = p + r.nextInt(1, 3);
      long[] a = {p, 2, 3}, b = {q, 3, 4};
      return new Bad("matmul batch", SHAPE, "matmul", "matmul " + str(a) + " x " + str(b),
          () -> Ops.matmul(f32(a), f32(b)));
    });
    gen(r -> {
      long[] other = randomShape(r, 0, 3, 3);
      boolean first = r.nextBoolean();
      return new Bad("matmul scalar", SHAPE, "matmul", "matmul with a scalar and " + str(other),
          () -> Ops.matmul(first ? f32() : f32(other), first ? f32(other) : f32()));
    });
    // Negative dims in creation ops, reshape, broadcast_to, Tensor.of.
    gen(r -> {
      long[] s = randomShape(r, 1, 4, 4);
      s[r.nextInt(s.length)] = pick(r, -1L, -2L, -7L, Long.MIN_VALUE, -(1L << 40));
      int which = r.nextInt(6);
      String op = new String[] {"zeros", "ones", "full", "random_uniform", "random_normal", "truncated_normal"}[which];
      return new Bad("negative dim", SHAPE, op, op + " " + str(s), () -> {
        switch (which) {
          case 0: Ops.zeros(DType.F32, s); break;
          case 1: Ops.ones(DType.I64, s); break;
          case 2: Ops.full(3, DType.F64, s); break;
          case 3: Generator.seeded(1).uniform(-1, 1, s); break;
          case 4: Generator.seeded(1).normal(0, 1, s); break;
          default: Generator.seeded(1).truncatedNormal(0, 1, s); break;
        }
      });
    });
    gen(r -> {
      long[] to = randomShape(r, 1, 3, 4);
      to[r.nextInt(to.length)] = pick(r, -2L, -5L, Long.MIN_VALUE);
      return new Bad("reshape negative", SHAPE, "reshape", "reshape [6] to " + str(to), () -> f32(6).reshape(to));
    });
    gen(r -> {
      long[] to = randomShape(r, 1, 3, 4);
      to[r.nextInt(to.length)] = pick(r, -1L, -3L, Long.MIN_VALUE);
      return new Bad("broadcast_to negative", SHAPE, "broadcast_to", "broadcast_to [1] to " + str(to),
          () -> f32(1).broadcastTo(to));
    });
    // Huge dims: products overflowing int64 are shape errors; representable ones too large to allocate are out of
    // memory (all beyond the 2^47-byte address space, so no machine's overcommit settings let them through).
    gen(r -> {
      long[][] overflow = {{Long.MAX_VALUE, 2}, {1L << 40, 1L << 40}, {1L << 32, 1L << 32}, {3, Long.MAX_VALUE / 2}};
      long[] s = pick(r, overflow);
      String op = pick(r, "zeros", "ones", "full");
      return new Bad("huge shape overflows", SHAPE, op, op + " " + str(s), () -> {
        if (op.equals("zeros")) {
          Ops.zeros(DType.F32, s);
        } else if (op.equals("ones")) {
          Ops.ones(DType.U8, s);
        } else {
          Ops.full(1, DType.F64, s);
        }
      });
    });
    gen(r -> {
      long[][] huge = {{Long.MAX_VALUE}, {1L << 40, 1L << 10}, {1L << 48}, {1L << 62}, {1L << 20, 1L << 20, 1L << 20}};
      long[] s = pick(r, huge);
      String op = pick(r, "zeros", "ones", "random_uniform");
      return new Bad("huge shape, no memory", OOM, op, op + " " + str(s), () -> {
        if (op.equals("zeros")) {
          Ops.zeros(DType.F32, s);
        } else if (op.equals("ones")) {
          Ops.ones(DType.U8, s);
        } else {
          Generator.seeded(3).uniform(0, 1, s);
        }
      });
    });
    gen(r -> {
      long[] to = pick(r, new long[][] {{Long.MAX_VALUE}, {1L << 40}, {1L << 40, 1L << 40}, {-1, -1}, {7}, {4, -1},
          {Long.MAX_VALUE, -1}, {0, -1}, {2, 2, 2}});
      return new Bad("reshape elements", SHAPE, "reshape", "reshape [2,3] to " + str(to), () -> f32(2, 3).reshape(to));
    });
    gen(r -> {
      long[][] cases = {{3}, {2, 3}, {4}, {1L << 40}, {2, 3}, {3, 2}};
      long[][] targets = {{4}, {3, 2}, {Long.MAX_VALUE, 5}, {1L << 40, 1L << 40}, {3}, {}};
      int i = r.nextInt(cases.length);
      long[] from = i == 3 ? new long[] {3} : cases[i];
      long[] to = targets[i];
      return new Bad("broadcast_to shapes", SHAPE, "broadcast_to", "broadcast_to " + str(from) + " to " + str(to),
          () -> f32(from).broadcastTo(to));
    });
    // Mismatched dtypes.
    gen(r -> {
      String op = pick(r, new ArrayList<>(ARITH.keySet()));
      DType a = pick(r, DType.F32, DType.I32), b = a == DType.F32 ? pick(r, DType.F64, DType.I32) : DType.I64;
      long[] s = randomShape(r, 0, 3, 3);
      return new Bad("binary dtypes", DTYPE, op, op + " " + a + " " + b,
          () -> ARITH.get(op).apply(t(a, s), t(b, s)));
    });
    gen(r -> {
      int which = r.nextInt(16);
      String[] ops = {"matmul", "concat", "where", "exp", "sum", "logical_and", "matmul", "one_hot", "gather",
          "random_uniform", "linspace", "mean", "softmax", "add", "logical_not", "take_along_axis"};
      String op = ops[which];
      return new Bad("op dtypes", DTYPE, op, op + " with a wrong dtype (case " + which + ")", () -> {
        switch (which) {
          case 0: Ops.matmul(f32(2, 2), t(DType.F64, 2, 2)); break;
          case 1: Ops.concat(0, f32(2), t(DType.I32, 2)); break;
          case 2: Ops.where(f32(2), f32(2), f32(2)); break;
          case 3: Ops.exp(t(DType.I32, 3)); break;
          case 4: Ops.sum(t(DType.BOOL, 3), new int[0], false); break;
          case 5: Ops.logicalAnd(f32(2), f32(2)); break;
          case 6: Ops.matmul(t(DType.I64, 2, 2), t(DType.I64, 2, 2)); break;
          case 7: Ops.oneHot(f32(3), 4, DType.F32); break;
          case 8: Ops.gather(f32(4), f32(2), 0); break;
          case 9: Generator.seeded(1).uniform(DType.I32, 0, 1, 3); break;
          case 10: Ops.linspace(0, 1, 5, DType.I64); break;
          case 11: Ops.mean(t(DType.I32, 4), new int[0], false); break;
          case 12: Ops.softmax(t(DType.I64, 4), 0); break;
          case 13: Ops.add(t(DType.BOOL, 2), t(DType.BOOL, 2)); break;
          case 14: Ops.logicalNot(t(DType.U8, 2)); break;
          default: Ops.takeAlongAxis(f32(3), t(DType.U8, 3), 0); break;
        }
      });
    });
    // Axes out of range or named twice.
    gen(r -> {
      long[] s = randomShape(r, 0, 4, 3);
      int rank = s.length;
      String op = pick(r, new ArrayList<>(REDUCE.keySet()));
      boolean duplicate = rank > 0 && r.nextBoolean();
      int[] axes;
      if (duplicate) {
        int a = r.nextInt(rank);
        axes = new int[] {a, r.nextBoolean() ? a : a - rank};
      } else {
        int bad = r.nextBoolean() ? rank + r.nextInt(0, 5) : -rank - 1 - r.nextInt(0, 5);
        axes = r.nextBoolean() || rank == 0 ? new int[] {bad} : new int[] {0, bad};
      }
      return new Bad(duplicate ? "duplicate axes" : "axis out of range", duplicate ? ARG : INDEX, op,
          op + " axes " + Arrays.toString(axes) + " of " + str(s), () -> REDUCE.get(op).apply(f32(s), axes));
    });
    gen(r -> {
      long[] s = randomShape(r, 1, 4, 3);
      int rank = s.length;
      int bad = r.nextBoolean() ? rank + r.nextInt(0, 4) : -rank - 1 - r.nextInt(0, 4);
      int which = r.nextInt(11);
      String op = new String[] {"argmax", "argmin", "softmax", "log_softmax", "concat", "stack", "unsqueeze", "split",
          "gather", "repeat", "transpose"}[which];
      int axis = which == 5 || which == 6 ? (bad >= 0 ? bad + 1 : bad - 1) : bad; // stack/unsqueeze: rank + 1 axes
      return new Bad("axis out of range", INDEX, op, op + " axis " + axis + " of " + str(s), () -> {
        Tensor x = f32(s);
        switch (which) {
          case 0: Ops.argmax(x, axis, false); break;
          case 1: Ops.argmin(x, axis, true); break;
          case 2: x.softmax(axis); break;
          case 3: x.logSoftmax(axis); break;
          case 4: Ops.concat(axis, x, x); break;
          case 5: Ops.stack(axis, x, x); break;
          case 6: x.unsqueeze(axis); break;
          case 7: Ops.split(x, axis, 1); break;
          case 8: x.gather(Tensor.of(new long[] {0}, 1), axis); break;
          case 9: x.repeat(2, axis); break;
          default: x.transpose(0, axis); break;
        }
      });
    });
    gen(r -> {
      long[] s = randomShape(r, 1, 4, 3);
      int rank = s.length;
      int which = r.nextInt(5);
      switch (which) {
        case 0: {
          int[] perm = new int[rank + (r.nextBoolean() ? 1 : -1)];
          for (int i = 0; i < perm.length; i++) {
            perm[i] = i % rank;
          }
          return new Bad("permute length", SHAPE, "permute", "permute " + Arrays.toString(perm) + " of " + str(s),
              () -> f32(s).permute(perm));
        }
        case 1: {
          int[] perm = new int[rank];
          if (rank == 1) {
            perm[0] = 1 + r.nextInt(3);
            return new Bad("permute range", INDEX, "permute", "permute " + Arrays.toString(perm) + " of " + str(s),
                () -> f32(s).permute(perm));
          }
          return new Bad("permute duplicate", ARG, "permute", "permute all zeros of " + str(s),
              () -> f32(s).permute(perm));
        }
        case 2: {
          long[] s2 = s.clone();
          int a = r.nextInt(rank);
          s2[a] = 2 + r.nextInt(3);
          return new Bad("squeeze non-1", SHAPE, "squeeze", "squeeze axis " + a + " of " + str(s2),
              () -> f32(s2).squeeze(a));
        }
        case 3: {
          int a = r.nextInt(rank);
          return new Bad("slice twice", ARG, "slice", "slice axis " + a + " twice of " + str(s),
              () -> Ops.slice(f32(s), new int[] {a, a - rank}, new long[] {0, 0}, null, null));
        }
        default: {
          int a = r.nextInt(rank);
          return new Bad("slice step 0", ARG, "slice", "slice step 0 of " + str(s),
              () -> Ops.slice(f32(s), new int[] {a}, new long[] {0}, new long[] {1}, new long[] {0}));
        }
      }
    });
    gen(r -> {
      int bad = r.nextBoolean() ? 2 + r.nextInt(3) : -3 - r.nextInt(3);
      String what = pick(r, "dim", "slice", "squeeze");
      return new Bad("axis out of range", INDEX, what, what + " axis " + bad + " of [2,3]", () -> {
        Tensor x = f32(2, 3);
        if (what.equals("dim")) {
          x.dim(bad);
        } else if (what.equals("slice")) {
          x.slice(bad, 0, 1, 1);
        } else {
          x.squeeze(bad);
        }
      });
    });
    // Bad attributes.
    gen(r -> {
      int which = r.nextInt(22);
      String[] ops = {"one_hot", "clip", "split", "split", "split", "pad", "pad", "pad", "tile", "repeat", "arange",
          "arange", "linspace", "eye", "random_uniform", "random_normal", "var", "full", "set_num_threads",
          "Generator.restore", "truncated_normal", "std"};
      String op = ops[which];
      return new Bad(op.equals("split") || op.equals("eye") ? "bad attribute (shape)" : "bad attribute",
          op.equals("split") || op.equals("eye") ? SHAPE : ARG, op, op + " with a bad attribute (case " + which + ")",
          () -> {
            long n = r.nextInt(1, 5);
            Tensor x = f32(4, 3);
            switch (which) {
              case 0: Ops.oneHot(Tensor.of(new long[] {0}, 1), -n, DType.F32); break;
              case 1: x.clip(n, -n); break;
              case 2: x.split(0, 1, 3 + n); break;
              case 3: x.split(1, 4, -1); break;
              case 4: Ops.split(x, 0, (int) (r.nextBoolean() ? -n : 3)); break;
              case 5: x.pad(new long[] {0, -n, 0, 0}, PadMode.CONSTANT, 0); break;
              case 6: x.pad(new long[] {1, 1}, PadMode.EDGE, 0); break;
              case 7: x.pad(new long[] {0, 0, 3 + n, 0}, PadMode.REFLECT, 0); break;
              case 8: x.tile(2, -n); break;
              case 9: x.repeat(-n, 0); break;
              case 10: Ops.arange(0, 10, 0, DType.F32); break;
              case 11: Ops.arange(0, r.nextBoolean() ? Double.NaN : Double.POSITIVE_INFINITY, 1, DType.F32); break;
              case 12: Ops.linspace(0, 1, -n, DType.F32); break;
              case 13: Ops.eye(-n, 3, 0, DType.F32); break;
              case 14: Generator.seeded(1).uniform(n, -n, 3); break;
              case 15: Generator.seeded(1).normal(0, -n, 3); break;
              case 16: Ops.var(x, new int[0], false, (int) -n); break;
              case 17: Ops.full(r.nextBoolean() ? 256 : -1, DType.U8, 2); break;
              case 18: Neurite.setNumThreads(r.nextBoolean() ? 0 : 5000); break;
              case 19: Generator.restore(1, -n); break;
              case 20: Generator.seeded(1).truncatedNormal(0, -n, 3); break;
              default: Ops.std(x, new int[] {0}, true, (int) -n); break;
            }
          });
    });
    // Shapes that do not fit an op.
    gen(r -> {
      int which = r.nextInt(11);
      String[] ops = {"concat", "concat", "stack", "take_along_axis", "split", "argmax", "max", "argmin", "softmax",
          "gather", "min"};
      String op = ops[which];
      return new Bad("op shapes", SHAPE, op, op + " with shapes that do not fit (case " + which + ")", () -> {
        switch (which) {
          case 0: Ops.concat(0, f32(2, 3), f32(3)); break;
          case 1: Ops.concat(0, f32(), f32()); break;
          case 2: Ops.stack(0, f32(2, 3), f32(3, 2)); break;
          case 3: Ops.takeAlongAxis(f32(3, 4), Tensor.of(new long[] {0}, 1), 1); break;
          case 4: Ops.split(f32(), 0, 1); break;
          case 5: Ops.argmax(f32(), 0, false); break;
          case 6: Ops.max(f32(2, 0), new int[] {1}, false); break;
          case 7: Ops.argmin(f32(3, 0), 1, false); break;
          case 8: Ops.softmax(f32(), 0); break;
          case 9: Ops.gather(f32(), Tensor.of(new long[] {0}, 1), 0); break;
          default: Ops.min(f32(0), new int[0], false); break;
        }
      });
    });
    // The ops gradients are written with, called through the op table.
    gen(r -> {
      int which = r.nextInt(7);
      String op = which < 3 ? "scatter_add" : which < 5 ? "slice_scatter" : "gelu_grad";
      Class<? extends Throwable> kind = which == 0 ? INDEX : which == 6 ? DTYPE : SHAPE;
      long n = r.nextInt(1, 5);
      return new Bad("gradient ops", kind, op, op + " with bad inputs (case " + which + ")", () -> {
        switch (which) {
          case 0:
            OpCheck.call("scatter_add", new Tensor[] {f32(n), Tensor.of(new long[] {n + r.nextInt(0, 9)}, 1), f32(1)},
                "axis", 0);
            break;
          case 1:
            OpCheck.call("scatter_add", new Tensor[] {f32(n), Tensor.of(new long[] {0, 0}, 2), f32(3)}, "axis", 0);
            break;
          case 2:
            OpCheck.call("scatter_add", new Tensor[] {f32(2, n), t(DType.I64, 3, 1), f32(3, 1)}, "axis", 1);
            break;
          case 3:
            OpCheck.call("slice_scatter", new Tensor[] {f32(6), f32(n + 3)}, "starts", new long[] {0}, "stops",
                new long[] {3});
            break;
          case 4:
            OpCheck.call("slice_scatter", new Tensor[] {f32(4, 4), f32(2)}, "axes", new long[] {0}, "starts",
                new long[] {0}, "stops", new long[] {2});
            break;
          case 5:
            OpCheck.call("gelu_grad", new Tensor[] {f32(n), f32(n + 1)});
            break;
          default:
            OpCheck.call("gelu_grad", new Tensor[] {f32(n), t(DType.F64, n)});
            break;
        }
      });
    });
    gen(r -> new Bad("no inputs", ARG, "concat", "concat of no tensors",
        () -> Ops.concat(0, new Tensor[0])));
    // Index values out of range.
    gen(r -> {
      long n = r.nextInt(1, 6);
      long badIdx = r.nextBoolean() ? n + r.nextInt(0, 100) : -n - 1 - r.nextInt(0, 100);
      boolean i32 = r.nextBoolean();
      int which = r.nextInt(3);
      String op = new String[] {"gather", "take_along_axis", "one_hot"}[which];
      long bad = which == 2 && badIdx < 0 ? -1 - r.nextInt(0, 5) : badIdx;
      return new Bad("index out of range", INDEX, op, op + " index " + bad + " for size " + n, () -> {
        Tensor idx = i32 ? Tensor.of(new int[] {0, (int) bad}, 2) : Tensor.of(new long[] {0, bad}, 2);
        switch (which) {
          case 0: Ops.gather(f32(2, n), idx, 1); break;
          case 1: Ops.takeAlongAxis(f32(n), idx, 0); break;
          default: Ops.oneHot(idx, n, DType.F32); break;
        }
      });
    });
    // Reading with the wrong accessor.
    gen(r -> {
      DType[] all = {DType.F32, DType.F64, DType.I32, DType.I64, DType.U8, DType.BOOL};
      String[] readers = {"toFloatArray", "toDoubleArray", "toIntArray", "toLongArray", "toByteArray", "toBooleanArray"};
      int have = r.nextInt(6), want = (have + 1 + r.nextInt(5)) % 6;
      return new Bad("wrong dtype read", DTYPE, readers[want], readers[want] + " on " + all[have], () -> {
        Tensor x = t(all[have], 2, 2);
        switch (want) {
          case 0: x.toFloatArray(); break;
          case 1: x.toDoubleArray(); break;
          case 2: x.toIntArray(); break;
          case 3: x.toLongArray(); break;
          case 4: x.toByteArray(); break;
          default: x.toBooleanArray(); break;
        }
      });
    });
    // Tensor.of with a shape that does not match the data.
    gen(r -> {
      long[][] shapes = {{1L << 40}, {Long.MAX_VALUE}, {Long.MAX_VALUE, 2}, {1L << 32, 1L << 32}, {-1}, {-2, -2}, {2, 2},
          {0}, {4, -1}, {Long.MIN_VALUE}};
      long[] s = pick(r, shapes);
      int kind = r.nextInt(6);
      return new Bad("Tensor.of shape", SHAPE, "Tensor.of", "Tensor.of 3 values as " + str(s), () -> {
        switch (kind) {
          case 0: Tensor.of(new float[3], s); break;
          case 1: Tensor.of(new double[3], s); break;
          case 2: Tensor.of(new int[3], s); break;
          case 3: Tensor.of(new long[3], s); break;
          case 4: Tensor.of(new byte[3], s); break;
          default: Tensor.of(new boolean[3], s); break;
        }
      });
    });
    gen(r -> {
      long[] s = pick(r, new long[][] {{3}, {1L << 40}, {-1}, {Long.MAX_VALUE, 2}});
      return new Bad("Tensor.fromBuffer shape", SHAPE, "Tensor.fromBuffer", "fromBuffer 8 bytes as f32" + str(s),
          () -> Tensor.fromBuffer(ByteBuffer.allocate(8), DType.F32, s));
    });
    gen(r -> new Bad("item", SHAPE, "item", "item of [2,3]", () -> f32(2, 3).item()));
    gen(r -> new Bad("Scope.keep", ARG, "Scope.keep", "keep a tensor of another scope", () -> {
      Tensor outer = f32(2);
      try (Scope inner = Neurite.scope()) {
        inner.keep(outer);
      }
    }));
    // Closed tensors.
    gen(r -> {
      int which = r.nextInt(8);
      String op = new String[] {"add", "matmul", "sum", "reshape", "toFloatArray", "exp", "concat", "shape"}[which];
      return new Bad("closed tensor", CLOSED, op, op + " on a closed tensor", () -> {
        Tensor x = f32(2, 2);
        Tensor y = f32(2, 2);
        x.close();
        switch (which) {
          case 0: y.add(x); break;
          case 1: x.matmul(y); break;
          case 2: x.sum(); break;
          case 3: x.reshape(4); break;
          case 4: x.toFloatArray(); break;
          case 5: x.exp(); break;
          case 6: Ops.concat(0, y, x); break;
          default: x.shape(); break;
        }
      });
    });
    // Null Java references: NullPointerException is the Java idiom.
    gen(r -> {
      int which = r.nextInt(16);
      return new Bad("null", NPE, "", "null argument (case " + which + ")", () -> {
        Tensor x = f32(2, 2);
        switch (which) {
          case 0: Tensor.of((float[]) null, 2); break;
          case 1: Tensor.of(new float[2], (long[]) null); break;
          case 2: Ops.add(null, x); break;
          case 3: Ops.sum(x, null, false); break;
          case 4: Ops.concat(0, (Tensor[]) null); break;
          case 5: Ops.concat(0, x, null); break;
          case 6: Ops.zeros(null, 2); break;
          case 7: Ops.reshape(x, (long[]) null); break;
          case 8: Ops.gather(x, null, 0); break;
          case 9: Ops.pad(x, null, PadMode.CONSTANT, 0); break;
          case 10: Ops.pad(x, new long[] {0, 0, 0, 0}, null, 0); break;
          case 11: Generator.seeded(1).uniform(null, 0, 1, 2); break;
          case 12: Tensor.fromBuffer(null, DType.F32, 2); break;
          case 13: x.copyTo(null); break;
          case 14: Ops.where(null, x, x); break;
          default: Ops.matmul(x, null); break;
        }
      });
    });
  }

  @Test
  void randomInvalidCallsThrowTypedErrorsNamingTheOp() {
    SplittableRandom rng = new SplittableRandom(SEED);
    // category -> {count, first failure}
    Map<String, List<String>> failures = new LinkedHashMap<>();
    Map<String, Integer> perCategory = new LinkedHashMap<>();
    int before = Neurite.numThreads();
    long start = System.nanoTime();
    for (int i = 0; i < CALLS; i++) {
      Bad bad = GENERATORS.get(rng.nextInt(GENERATORS.size())).apply(rng.split());
      perCategory.merge(bad.category, 1, Integer::sum);
      String problem = check(bad);
      if (problem != null) {
        failures.computeIfAbsent(bad.category + " / " + bad.op + " / " + bad.kind.getSimpleName(), k -> new ArrayList<>())
            .add(problem);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Neurite.setNumThreads(before);
    System.out.printf("BadInputFuzzTest: %d invalid calls in %.2f s over %d categories: %s%n", CALLS, seconds,
        perCategory.size(), perCategory);
    if (!failures.isEmpty()) {
      StringBuilder sb = new StringBuilder(failures.size() + " kind(s) of invalid call were not handled as expected:");
      for (Map.Entry<String, List<String>> e : failures.entrySet()) {
        sb.append("\n  [").append(e.getKey()).append("] ").append(e.getValue().size()).append(" call(s), e.g. ")
            .append(e.getValue().get(0));
      }
      fail(sb.toString());
    }
  }

  /** Runs one invalid call; returns what went wrong, or null if it threw as expected. */
  static String check(Bad bad) {
    Throwable thrown = null;
    try (Scope scope = Neurite.scope()) {
      bad.call.run();
    } catch (Throwable t) {
      thrown = t;
    }
    if (thrown == null) {
      return bad.what + ": did not throw";
    }
    if (!bad.kind.isInstance(thrown)) {
      return bad.what + ": threw " + thrown + ", expected " + bad.kind.getSimpleName();
    }
    if (bad.kind == NPE) {
      return null;
    }
    String msg = thrown.getMessage();
    if (msg == null || msg.isBlank()) {
      return bad.what + ": " + thrown.getClass().getSimpleName() + " with an empty message";
    }
    if (!msg.contains(bad.op)) {
      return bad.what + ": message \"" + msg + "\" does not name " + bad.op;
    }
    return null;
  }

  @Test
  void theEngineStillWorksAfterTheFuzzRun() {
    randomInvalidCallsThrowTypedErrorsNamingTheOpQuietly();
    try (Scope scope = Neurite.scope()) {
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      assertArrayEquals(new float[] {7, 10, 15, 22}, a.matmul(a).toFloatArray());
      assertEquals(10.0, a.sum().item());
      assertArrayEquals(new float[] {2, 3, 4, 5}, a.add(1.0).toFloatArray());
      assertArrayEquals(new long[] {2, 2}, a.softmax(1).shape());
      assertTrue(Neurite.numThreads() >= 1);
    }
  }

  /** The fuzz calls again, ignoring the outcome: only the engine's survival matters here. */
  static void randomInvalidCallsThrowTypedErrorsNamingTheOpQuietly() {
    SplittableRandom rng = new SplittableRandom(SEED + 1);
    int before = Neurite.numThreads();
    for (int i = 0; i < 1000; i++) {
      check(GENERATORS.get(rng.nextInt(GENERATORS.size())).apply(rng.split()));
    }
    Neurite.setNumThreads(before);
  }
}
