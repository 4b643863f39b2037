package org.neurite;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_attrs;

/**
 * The op-test helper, in the spirit of tinygrad's {@code helper_test_op}: a test names an op, gives the op as a
 * function of tensors, the input shapes, and a float64 reference written as plain Java loops over double arrays
 * ({@link Nd}); {@link Case#run()} does the rest:
 *
 * <ul>
 *   <li>generates deterministic random inputs (seeded by the op name and the case index);
 *   <li>runs the op in every dtype of the case (f64 and f32 by default; integer and bool ops in their dtypes) and
 *       compares each output with the reference, computed on exactly the values the op saw (f32 inputs are rounded to
 *       float first), within the tolerances below;
 *   <li>runs it again on non-contiguous inputs, each input replaced by a view with the same values: a transposed view
 *       of a transposed copy, a slice with step 2 and a slice with step -2 of a larger tensor, and asserts the outputs
 *       are bit-identical to the contiguous run.
 * </ul>
 *
 * All failures of a case are collected and reported together (op, dtype, input shapes, the view kind, the first
 * mismatching elements, and the inputs when they are small), so one run lists every bug.
 *
 * <pre>{@code
 * @Test @Covers("exp") void exp() { unary("exp", Ops::exp, Math::exp).run(); }
 * }</pre>
 */
final class OpCheck {
  private OpCheck() {}

  // ---- tolerances: |got - expected| <= ATOL + RTOL * |expected| ----

  /** f64 results: a few ulps of a well-conditioned result, plus room for a reordered sum. */
  static final double F64_RTOL = 1e-12, F64_ATOL = 1e-12;
  /** f32 results, compared with the float64 reference rounded to float. */
  static final double F32_RTOL = 1e-5, F32_ATOL = 1e-6;
  /** Integer and bool results are exact. */
  static final double EXACT = 0;

  /** Inputs larger than this run in the case's first two dtypes only (f64 and f32 for most ops), to stay fast. */
  static final long BIG = 10_000;

  static final DType F64 = DType.F64, F32 = DType.F32, I32 = DType.I32, I64 = DType.I64, U8 = DType.U8,
      BOOL = DType.BOOL;
  static final DType[] FLOATS = {F64, F32};
  static final DType[] INTS = {I32, I64, U8};
  static final DType[] NUMERIC = {F64, F32, I32, I64, U8};
  static final DType[] ALL = {F64, F32, I32, I64, U8, BOOL};

  /** Values that unary float ops must handle like the reference: signed zeros, tiny, large, infinities, NaN. */
  static final double[] SPECIALS = {0.0, -0.0, 1, -1, 0.5, -0.5, 1e-8, -1e-8, 3, -3, 30, -30, 100, -100,
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};

  /**
   * Shapes every unary elementwise op runs on: rank 0, size-1 and size-0 dims, ranks 1 to 4, and one of 60,300
   * elements (more than the engine's 32,768-element grain, so the work is split across threads).
   */
  static final long[][] UNARY_SHAPES = {{}, {1}, {0}, {7}, {2, 3}, {3, 1, 4}, {2, 0, 3}, {2, 3, 2, 2}, {1, 1}, {300, 201}};

  /**
   * Input pairs every binary elementwise op runs on: equal shapes, NumPy broadcasting, scalars, size 0 and 1, and
   * two above the engine's 32,768-element grain (contiguous, and broadcast on both sides).
   */
  static final long[][][] BINARY_SHAPES = {
    {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{3, 1}, {1, 4}}, {{}, {2, 3}}, {{2, 3}, {}}, {{}, {}},
    {{2, 1, 3}, {4, 1}}, {{0, 3}, {1, 3}}, {{0}, {}}, {{1}, {1}}, {{5}, {1}}, {{2, 2, 1, 3}, {1, 2, 4, 1}},
    {{4, 5}, {4, 5}}, {{300, 201}, {300, 201}}, {{2, 1, 100}, {1, 300, 1}},
  };

  // ---- coverage registry ----

  /** The ops a test method exercises; the coverage test ({@link OpTableTest}) collects these across the suite. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @interface Covers {
    String[] value();
  }

  private static final Set<String> RAN = ConcurrentHashMap.newKeySet();
  private static final ThreadLocal<Set<String>> RAN_IN_TEST = ThreadLocal.withInitial(HashSet::new);

  /** Records that a check of {@code op} ran (done by {@link Case#run()}; tests of creation and random ops call it). */
  static void record(String op) {
    RAN.add(op);
    RAN_IN_TEST.get().add(op);
  }

  /** Every op name a check has run for in this JVM so far. */
  static Set<String> ranOps() {
    return new TreeSet<>(RAN);
  }

  /**
   * Keeps {@link Covers} honest: after each test method, every op it declares must have been checked by it (through
   * {@link Case#run()} or {@link #record}). Register with {@code @ExtendWith(OpCheck.CoverageCheck.class)}.
   */
  static final class CoverageCheck implements BeforeEachCallback, AfterEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
      RAN_IN_TEST.get().clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
      Method m = context.getRequiredTestMethod();
      Covers covers = m.getAnnotation(Covers.class);
      if (covers == null || context.getExecutionException().isPresent()) {
        return;
      }
      Set<String> missing = new TreeSet<>(Arrays.asList(covers.value()));
      missing.removeAll(RAN_IN_TEST.get());
      if (!missing.isEmpty()) {
        fail(m.getName() + " declares @Covers " + missing + " but ran no check of them");
      }
    }
  }

  // ---- the reference array ----

  /** A float64 n-dimensional array in row-major order: the reference side of every check. */
  static final class Nd {
    final int[] shape;
    final double[] v;

    Nd(int[] shape, double[] v) {
      if (numel(shape) != v.length) {
        throw new IllegalArgumentException(v.length + " values for shape " + Arrays.toString(shape));
      }
      this.shape = shape.clone();
      this.v = v;
    }

    static Nd of(double[] v, int... shape) {
      return new Nd(shape, v);
    }

    static Nd zeros(int... shape) {
      return new Nd(shape, new double[numel(shape)]);
    }

    static Nd scalar(double x) {
      return new Nd(new int[0], new double[] {x});
    }

    int rank() {
      return shape.length;
    }

    int size() {
      return v.length;
    }

    int dim(int axis) {
      return shape[axis < 0 ? axis + shape.length : axis];
    }

    static int numel(int[] shape) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    static int[] stridesOf(int[] shape) {
      int[] s = new int[shape.length];
      int acc = 1;
      for (int i = shape.length - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= shape[i];
      }
      return s;
    }

    /** The multi-index of flat position {@code flat}. */
    int[] unravel(int flat) {
      return unravel(flat, shape);
    }

    static int[] unravel(int flat, int[] shape) {
      int[] idx = new int[shape.length];
      for (int i = shape.length - 1; i >= 0; i--) {
        if (shape[i] > 0) {
          idx[i] = flat % shape[i];
          flat /= shape[i];
        }
      }
      return idx;
    }

    /** Advances the multi-index {@code idx} over {@code shape} in row-major order (an odometer). */
    static void next(int[] idx, int[] shape) {
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          return;
        }
        idx[d] = 0;
      }
    }

    /** Strides (in elements) of this array's dims as seen from an array of rank {@code rank}: 0 where broadcast. */
    int[] broadcastStrides(int rank) {
      int[] own = stridesOf(shape), out = new int[rank];
      for (int i = 0; i < shape.length; i++) {
        out[rank - shape.length + i] = shape[i] == 1 ? 0 : own[i];
      }
      return out;
    }

    static int dot(int[] idx, int[] strides) {
      int f = 0;
      for (int i = 0; i < idx.length; i++) {
        f += idx[i] * strides[i];
      }
      return f;
    }

    static int ravel(int[] idx, int[] shape) {
      int f = 0;
      for (int i = 0; i < shape.length; i++) {
        f = f * shape[i] + idx[i];
      }
      return f;
    }

    double get(int... idx) {
      return v[ravel(idx, shape)];
    }

    Nd reshape(int... newShape) {
      return new Nd(newShape, v.clone());
    }

    /** NumPy's broadcast of several shapes; throws if they are incompatible. */
    static int[] broadcastShapes(int[]... shapes) {
      int rank = 0;
      for (int[] s : shapes) {
        rank = Math.max(rank, s.length);
      }
      int[] out = new int[rank];
      Arrays.fill(out, 1);
      for (int[] s : shapes) {
        for (int i = 0; i < s.length; i++) {
          int o = rank - s.length + i;
          if (s[i] == out[o] || s[i] == 1) {
            continue;
          }
          if (out[o] != 1) {
            throw new IllegalArgumentException("shapes do not broadcast: " + Arrays.deepToString(shapes));
          }
          out[o] = s[i];
        }
      }
      return out;
    }

    /** The element of this array that broadcasts to {@code idx} of an array of rank {@code idx.length}. */
    double atBroadcast(int[] idx) {
      int lead = idx.length - shape.length;
      int f = 0;
      for (int i = 0; i < shape.length; i++) {
        f = f * shape[i] + (shape[i] == 1 ? 0 : idx[lead + i]);
      }
      return v[f];
    }

    Nd broadcastTo(int... target) {
      double[] out = new double[numel(target)];
      int[] st = broadcastStrides(target.length), idx = new int[target.length];
      for (int f = 0; f < out.length; f++, next(idx, target)) {
        out[f] = v[dot(idx, st)];
      }
      return new Nd(target, out);
    }

    Nd map(DoubleUnaryOperator f) {
      double[] out = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = f.applyAsDouble(v[i]);
      }
      return new Nd(shape, out);
    }

    static Nd zip(Nd a, Nd b, DoubleBinaryOperator f) {
      int[] s = broadcastShapes(a.shape, b.shape);
      double[] out = new double[numel(s)];
      int[] sa = a.broadcastStrides(s.length), sb = b.broadcastStrides(s.length), idx = new int[s.length];
      for (int i = 0; i < out.length; i++, next(idx, s)) {
        out[i] = f.applyAsDouble(a.v[dot(idx, sa)], b.v[dot(idx, sb)]);
      }
      return new Nd(s, out);
    }

    interface Ternary {
      double apply(double a, double b, double c);
    }

    static Nd zip3(Nd a, Nd b, Nd c, Ternary f) {
      int[] s = broadcastShapes(a.shape, b.shape, c.shape);
      double[] out = new double[numel(s)];
      int[] sa = a.broadcastStrides(s.length), sb = b.broadcastStrides(s.length), sc = c.broadcastStrides(s.length);
      int[] idx = new int[s.length];
      for (int i = 0; i < out.length; i++, next(idx, s)) {
        out[i] = f.apply(a.v[dot(idx, sa)], b.v[dot(idx, sb)], c.v[dot(idx, sc)]);
      }
      return new Nd(s, out);
    }

    /** Axes normalised (negative ones count from the end); an empty list means every axis. */
    static boolean[] axisMask(int[] axes, int rank) {
      boolean[] m = new boolean[rank];
      if (axes.length == 0) {
        Arrays.fill(m, true);
      }
      for (int a : axes) {
        m[a < 0 ? a + rank : a] = true;
      }
      return m;
    }

    /**
     * Reduces the given axes (all when empty): each output element is {@code f} of the values of its group, in
     * row-major order of the reduced axes.
     */
    Nd reduce(int[] axes, boolean keepdims, ToDoubleFunction<double[]> f) {
      boolean[] red = axisMask(axes, rank());
      List<Integer> outDims = new ArrayList<>();
      int[] keptShape = new int[rank()];
      int groupSize = 1;
      for (int d = 0; d < rank(); d++) {
        keptShape[d] = red[d] ? 1 : shape[d];
        if (red[d]) {
          groupSize *= shape[d];
          if (keepdims) {
            outDims.add(1);
          }
        } else {
          outDims.add(shape[d]);
        }
      }
      int[] outShape = outDims.stream().mapToInt(Integer::intValue).toArray();
      int outN = numel(keptShape);
      double[][] groups = new double[outN][groupSize];
      int[] fill = new int[outN];
      int[] keptStrides = stridesOf(keptShape), idx = new int[rank()];
      for (int d = 0; d < rank(); d++) {
        keptStrides[d] = red[d] ? 0 : keptStrides[d];
      }
      for (int i = 0; i < v.length; i++, next(idx, shape)) {
        int o = dot(idx, keptStrides);
        groups[o][fill[o]++] = v[i];
      }
      double[] out = new double[outN];
      for (int o = 0; o < outN; o++) {
        out[o] = f.applyAsDouble(groups[o]);
      }
      return new Nd(outShape, out);
    }

    /** {@code numpy.transpose(x, perm)}. */
    Nd permute(int... perm) {
      int[] s = new int[rank()];
      for (int i = 0; i < s.length; i++) {
        s[i] = shape[perm[i]];
      }
      double[] out = new double[v.length];
      int[] own = stridesOf(shape), st = new int[s.length], o = new int[s.length];
      for (int i = 0; i < s.length; i++) {
        st[i] = own[perm[i]];
      }
      for (int f = 0; f < out.length; f++, next(o, s)) {
        out[f] = v[dot(o, st)];
      }
      return new Nd(s, out);
    }

    @Override
    public String toString() {
      return Arrays.toString(shape) + " " + (v.length <= 32 ? Arrays.toString(v) : v.length + " values");
    }
  }

  // ---- reference math that java.lang.Math lacks ----

  /**
   * erfc to about 1e-15 relative: for |x| < 2 the series erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (2n+1)!!,
   * whose terms are all positive (no cancellation); for x >= 2 the continued fraction (Lentz) of erfc.
   */
  static double erfc(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (x < 0) {
      return 2 - erfc(-x);
    }
    if (x < 2) {
      return 1 - erfSeries(x);
    }
    if (x > 27) {
      return 0;
    }
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
    double tiny = 1e-300;
    double f = x, c = x, d = 0;
    for (int n = 1; n < 5000; n++) {
      double an = n / 2.0;
      d = x + an * d;
      d = d == 0 ? tiny : d;
      c = x + an / c;
      c = c == 0 ? tiny : c;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-17) {
        break;
      }
    }
    return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  }

  static double erf(double x) {
    if (Math.abs(x) < 2) {
      return Math.signum(x) * erfSeries(Math.abs(x));
    }
    return 1 - erfc(x);
  }

  private static double erfSeries(double x) {
    double term = x, sum = x;
    for (int n = 1; n < 500; n++) {
      term *= 2 * x * x / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
  }

  // ---- building cases ----

  /** An op as a function of its input tensors, returning its outputs. */
  @FunctionalInterface
  interface Fn {
    Tensor[] apply(Tensor[] in);
  }

  /** The float64 reference of an op: its outputs from its inputs. */
  @FunctionalInterface
  interface Ref {
    Nd[] apply(Nd[] in);
  }

  enum Kind { VALUE, BOOL, INDEX }

  /** One input of a case: a shape, and what values it holds. */
  static final class Spec {
    final long[] shape;
    Kind kind = Kind.VALUE;
    double lo = Double.NaN, hi = Double.NaN; // a VALUE input's float domain; NaN: the case's
    int idxLo, idxHi; // an INDEX input's values, in [idxLo, idxHi)
    DType idxType; // null: i64 when the case's dtype is f64 or i64, else i32 (so both index types get run)
    double[] fixed; // explicit values, used as they are (float dtypes only unless all are integers)
    double pTrue = 0.5;

    Spec(long[] shape) {
      this.shape = shape.clone();
    }

    Spec domain(double lo, double hi) {
      this.lo = lo;
      this.hi = hi;
      return this;
    }

    Spec values(double... values) {
      this.fixed = values.clone();
      return this;
    }

    Spec indexType(DType t) {
      this.idxType = t;
      return this;
    }

    Spec pTrue(double p) {
      this.pTrue = p;
      return this;
    }
  }

  /** A value input of the case's dtype. */
  static Spec s(long... shape) {
    return new Spec(shape);
  }

  /** A bool input (whatever the case's dtype). */
  static Spec bool(long... shape) {
    Spec s = new Spec(shape);
    s.kind = Kind.BOOL;
    return s;
  }

  /** An integer index input with values in {@code [lo, hi)}, of i64 or i32 (see {@link Spec#idxType}). */
  static Spec idx(int lo, int hi, long... shape) {
    Spec s = new Spec(shape);
    s.kind = Kind.INDEX;
    s.idxLo = lo;
    s.idxHi = hi;
    return s;
  }

  static long[] shape(long... dims) {
    return dims;
  }

  /** A general op with any number of inputs and outputs. */
  static Case opN(String op, Fn fn, Ref ref) {
    return new Case(op, fn, ref);
  }

  /** A one-output op of one input. */
  static Case op1(String op, UnaryOperator<Tensor> fn, UnaryOperator<Nd> ref) {
    return new Case(op, in -> new Tensor[] {fn.apply(in[0])}, in -> new Nd[] {ref.apply(in[0])});
  }

  /** A one-output op of two inputs. */
  static Case op2(String op, BinaryOperator<Tensor> fn, BinaryOperator<Nd> ref) {
    return new Case(op, in -> new Tensor[] {fn.apply(in[0], in[1])}, in -> new Nd[] {ref.apply(in[0], in[1])});
  }

  /** A one-output op of any number of inputs. */
  static Case opV(String op, Function<Tensor[], Tensor> fn, Function<Nd[], Nd> ref) {
    return new Case(op, in -> new Tensor[] {fn.apply(in)}, in -> new Nd[] {ref.apply(in)});
  }

  /** A unary elementwise op of floats: {@link #UNARY_SHAPES} and {@link #SPECIALS}, in f64 and f32. */
  static Case unary(String op, UnaryOperator<Tensor> fn, DoubleUnaryOperator ref) {
    Case c = op1(op, fn, x -> x.map(ref));
    for (long[] s : UNARY_SHAPES) {
      c.with(s(s));
    }
    return c.with(s(SPECIALS.length).values(SPECIALS));
  }

  /** A binary elementwise op: every pair of {@link #BINARY_SHAPES}, in f64 and f32 unless {@link Case#dtypes} says. */
  static Case binary(String op, BinaryOperator<Tensor> fn, DoubleBinaryOperator ref) {
    Case c = op2(op, fn, (a, b) -> Nd.zip(a, b, ref));
    for (long[][] pair : BINARY_SHAPES) {
      c.with(s(pair[0]), s(pair[1]));
    }
    return c;
  }

  static double b(boolean x) {
    return x ? 1 : 0;
  }

  /** A comparison: bool output, run on every dtype, inputs drawn from few values so that ties occur. */
  static Case compare(String op, BinaryOperator<Tensor> fn, DoubleBinaryOperator ref) {
    return binary(op, fn, ref).dtypes(ALL).out(BOOL).domain(-2, 2).intDomain(-2, 2).quantize(0.5);
  }

  /** A case: one op, several input sets (shapes), several dtypes. */
  static final class Case {
    final String name;
    final Fn fn;
    final Ref ref;
    final List<Spec[]> sets = new ArrayList<>();
    DType[] dtypes = FLOATS;
    Function<DType, DType> outType = d -> d;
    final Map<DType, double[]> tol = new EnumMap<>(DType.class);
    double lo = -2, hi = 2;
    int intLo = -9, intHi = 9;
    double quantum = 0; // > 0: float values rounded to multiples of it (so comparisons see ties)
    boolean views = true;
    String label = "";

    Case(String name, Fn fn, Ref ref) {
      this.name = name;
      this.fn = fn;
      this.ref = ref;
    }

    /** Text naming the case's attributes in failure messages, e.g. "axes [0] keepdims". */
    Case label(String text) {
      this.label = text;
      return this;
    }

    /** Adds an input set: one spec per input. */
    Case with(Spec... inputs) {
      sets.add(inputs);
      return this;
    }

    /** Adds an input set of value inputs of the given shapes. */
    Case shapes(long[]... inputShapes) {
      Spec[] specs = new Spec[inputShapes.length];
      for (int i = 0; i < specs.length; i++) {
        specs[i] = s(inputShapes[i]);
      }
      return with(specs);
    }

    Case dtypes(DType... d) {
      this.dtypes = d.clone();
      return this;
    }

    /** The output dtype, whatever the inputs' (bool for comparisons, i64 for argmax). */
    Case out(DType d) {
      this.outType = x -> d;
      return this;
    }

    Case out(Function<DType, DType> f) {
      this.outType = f;
      return this;
    }

    /** The domain of float value inputs (default [-2, 2]). */
    Case domain(double lo, double hi) {
      this.lo = lo;
      this.hi = hi;
      return this;
    }

    /** The domain of integer value inputs (default [-9, 9]; u8 inputs use the same width from 0). */
    Case intDomain(int lo, int hi) {
      this.intLo = lo;
      this.intHi = hi;
      return this;
    }

    Case quantize(double q) {
      this.quantum = q;
      return this;
    }

    /** Loosens (or tightens) the tolerance of one dtype; callers state why in a comment. */
    Case tol(DType d, double rtol, double atol) {
      tol.put(d, new double[] {rtol, atol});
      return this;
    }

    /** Skips the non-contiguous runs (for ops whose inputs cannot be views, none at present). */
    Case noViews() {
      this.views = false;
      return this;
    }

    double[] tolFor(DType d) {
      double[] t = tol.get(d);
      if (t != null) {
        return t;
      }
      if (d == F64) {
        return new double[] {F64_RTOL, F64_ATOL};
      }
      if (d == F32) {
        return new double[] {F32_RTOL, F32_ATOL};
      }
      return new double[] {EXACT, EXACT};
    }

    /** Sets the float domain of input {@code input} in every input set added so far. */
    Case domainOf(int input, double lo, double hi) {
      for (Spec[] set : sets) {
        set[input].domain(lo, hi);
      }
      return this;
    }

    /** Runs every input set in every dtype, and fails with every mismatch found. */
    void run() {
      failIfAny(name, collect());
    }

    /** Runs every input set in every dtype; returns the failures instead of failing. */
    List<String> collect() {
      record(name);
      if (sets.isEmpty()) {
        throw new IllegalStateException(name + ": a case needs at least one input set");
      }
      List<String> failures = new ArrayList<>();
      for (int si = 0; si < sets.size(); si++) {
        for (DType dt : dtypes) {
          runOne(si, sets.get(si), dt, failures);
        }
      }
      return failures;
    }

    private DType inputType(Spec spec, DType dt) {
      switch (spec.kind) {
        case BOOL:
          return BOOL;
        case INDEX:
          return spec.idxType != null ? spec.idxType : (dt == F64 || dt == I64) ? I64 : I32;
        default:
          return dt;
      }
    }

    private double[] generate(Spec spec, DType dt, SplittableRandom rng) {
      int n = (int) checkedNumel(spec.shape);
      double[] out = new double[n];
      if (spec.fixed != null) {
        if (spec.fixed.length != n) {
          throw new IllegalStateException(name + ": " + spec.fixed.length + " fixed values for " + Arrays.toString(spec.shape));
        }
        for (int i = 0; i < n; i++) {
          out[i] = quantizeTo(spec.fixed[i], inputType(spec, dt));
        }
        return out;
      }
      DType t = inputType(spec, dt);
      for (int i = 0; i < n; i++) {
        if (spec.kind == Kind.INDEX) {
          out[i] = spec.idxHi > spec.idxLo ? rng.nextInt(spec.idxLo, spec.idxHi) : 0;
        } else if (t == BOOL) {
          out[i] = rng.nextDouble() < spec.pTrue ? 1 : 0;
        } else if (t == U8) {
          out[i] = rng.nextInt(0, intHi - intLo + 1);
        } else if (t == I32 || t == I64) {
          out[i] = rng.nextInt(intLo, intHi + 1);
        } else {
          double l = Double.isNaN(spec.lo) ? lo : spec.lo, h = Double.isNaN(spec.hi) ? hi : spec.hi;
          double x = l + (h - l) * rng.nextDouble();
          if (quantum > 0) {
            x = Math.rint(x / quantum) * quantum;
          }
          out[i] = quantizeTo(x, t);
        }
      }
      return out;
    }

    /** Whether fixed values can be held by the dtype (NaN or fractions cannot be ints). */
    private boolean representable(Spec spec, DType dt) {
      if (spec.fixed == null || spec.kind != Kind.VALUE) {
        return true;
      }
      if (dt == F32 || dt == F64) {
        return true;
      }
      for (double x : spec.fixed) {
        if (x != Math.rint(x) || Double.isInfinite(x) || (dt == U8 && (x < 0 || x > 255))
            || (dt == BOOL && x != 0 && x != 1)) {
          return false;
        }
      }
      return true;
    }

    private String describe(Spec[] specs, DType dt) {
      StringBuilder sb = new StringBuilder(name + (label.isEmpty() ? "" : " (" + label + ")") + " " + dt.shortName() + ": inputs ");
      for (int i = 0; i < specs.length; i++) {
        sb.append(i == 0 ? "" : ", ").append(inputType(specs[i], dt).shortName()).append(Tensor.shapeString(specs[i].shape));
      }
      return sb.toString();
    }

    private void runOne(int si, Spec[] specs, DType dt, List<String> failures) {
      for (Spec spec : specs) {
        if (!representable(spec, dt) || (checkedNumel(spec.shape) > BIG && Arrays.asList(dtypes).indexOf(dt) >= 2)) {
          return;
        }
      }
      SplittableRandom rng = new SplittableRandom(name.hashCode() * 1_000_003L + si);
      int n = specs.length;
      double[][] vals = new double[n][];
      Nd[] refIn = new Nd[n];
      for (int i = 0; i < n; i++) {
        vals[i] = generate(specs[i], dt, rng);
        refIn[i] = new Nd(ints(specs[i].shape), vals[i].clone());
      }
      String what = describe(specs, dt);
      String inputsText = inputsText(refIn);
      Nd[] expected;
      try {
        expected = ref.apply(refIn);
      } catch (RuntimeException e) {
        failures.add(what + ": the reference threw " + e + " (a bug in the test)");
        return;
      }
      DType outDt = outType.apply(dt);
      double[] t = tolFor(outDt);
      try (Scope scope = Neurite.scope()) {
        Tensor[] in = new Tensor[n];
        for (int i = 0; i < n; i++) {
          in[i] = tensor(vals[i], inputType(specs[i], dt), specs[i].shape);
        }
        Tensor[] out;
        try {
          out = fn.apply(in);
        } catch (RuntimeException e) {
          failures.add(what + ": threw " + e + inputsText);
          return;
        }
        if (out.length != expected.length) {
          failures.add(what + ": " + out.length + " outputs, expected " + expected.length);
          return;
        }
        double[][] base = new double[out.length][];
        for (int k = 0; k < out.length; k++) {
          String where = what + (out.length > 1 ? " output " + k : "");
          base[k] = compare(where, out[k], expected[k], outDt, t[0], t[1], inputsText, failures);
        }
        if (!views) {
          return;
        }
        for (View view : View.values()) {
          Tensor[] vin = new Tensor[n];
          boolean changed = false;
          for (int i = 0; i < n; i++) {
            vin[i] = view.make(vals[i], inputType(specs[i], dt), specs[i].shape);
            if (vin[i] == null) {
              vin[i] = in[i];
            } else {
              changed = true;
              double[] back = read(vin[i]);
              if (!bitEqual(back, vals[i])) {
                failures.add(what + ": input " + i + " as " + view.text + " reads back " + Arrays.toString(back)
                    + ", not " + Arrays.toString(vals[i]) + " (view construction or non-contiguous read is broken)");
              }
            }
          }
          if (!changed) {
            continue;
          }
          Tensor[] out2;
          try {
            out2 = fn.apply(vin);
          } catch (RuntimeException e) {
            failures.add(what + " (" + view.text + "): threw " + e + inputsText);
            continue;
          }
          for (int k = 0; k < Math.min(out2.length, out.length); k++) {
            String where = what + " (" + view.text + ")" + (out.length > 1 ? " output " + k : "");
            if (base[k] == null) {
              continue;
            }
            if (out2[k].dtype() != out[k].dtype() || !Arrays.equals(out2[k].shape(), out[k].shape())) {
              failures.add(where + ": gave " + out2[k].dtype().shortName() + Tensor.shapeString(out2[k].shape())
                  + ", the contiguous run " + out[k].dtype().shortName() + Tensor.shapeString(out[k].shape()));
              continue;
            }
            double[] got = read(out2[k]);
            int bad = firstBitDifference(got, base[k]);
            if (bad >= 0) {
              failures.add(where + ": differs from the contiguous run at " + indexText(bad, out[k].shape())
                  + ": " + got[bad] + " vs " + base[k][bad] + inputsText);
            }
          }
        }
      }
    }

    /** Checks one output; returns its values (null if its dtype or shape is wrong). */
    private double[] compare(String where, Tensor got, Nd exp, DType outDt, double rtol, double atol,
        String inputsText, List<String> failures) {
      if (got.dtype() != outDt) {
        failures.add(where + ": output dtype " + got.dtype().shortName() + ", expected " + outDt.shortName());
        return null;
      }
      if (!Arrays.equals(got.shape(), longs(exp.shape))) {
        failures.add(where + ": output shape " + Tensor.shapeString(got.shape()) + ", expected "
            + Tensor.shapeString(longs(exp.shape)) + inputsText);
        return null;
      }
      double[] g = read(got);
      StringBuilder bad = new StringBuilder();
      int count = 0;
      for (int i = 0; i < g.length; i++) {
        double e = quantizeTo(exp.v[i], outDt);
        if (!close(g[i], e, rtol, atol)) {
          if (count < 5) {
            bad.append(count == 0 ? "" : "; ").append("at ").append(indexText(i, got.shape())).append(" expected ")
                .append(e).append(" got ").append(g[i]);
          }
          count++;
        }
      }
      if (count > 0) {
        failures.add(where + ": " + count + " of " + g.length + " elements off (rtol " + rtol + ", atol " + atol + "): "
            + bad + inputsText);
      }
      return g;
    }
  }

  /** Runs several cases (e.g. one per attribute value) and fails once, with the failures of all of them. */
  static void runAll(String title, List<Case> cases) {
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      failures.addAll(c.collect());
    }
    failIfAny(title, failures);
  }

  static void failIfAny(String title, List<String> failures) {
    if (failures.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder(title + ": " + failures.size() + " failing run(s):");
    for (int i = 0; i < Math.min(failures.size(), 40); i++) {
      sb.append("\n  ").append(failures.get(i));
    }
    if (failures.size() > 40) {
      sb.append("\n  ... and ").append(failures.size() - 40).append(" more");
    }
    fail(sb.toString());
  }

  static boolean close(double got, double exp, double rtol, double atol) {
    if (Double.isNaN(exp)) {
      return Double.isNaN(got);
    }
    if (Double.isInfinite(exp) || Double.isInfinite(got)) {
      return got == exp;
    }
    return Math.abs(got - exp) <= atol + rtol * Math.abs(exp);
  }

  private static String inputsText(Nd[] in) {
    int total = 0;
    for (Nd x : in) {
      total += x.size();
    }
    if (total > 48) {
      return "";
    }
    StringBuilder sb = new StringBuilder("; inputs ");
    for (int i = 0; i < in.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(Arrays.toString(in[i].v));
    }
    return sb.toString();
  }

  private static String indexText(int flat, long[] shape) {
    return Arrays.toString(Nd.unravel(flat, ints(shape)));
  }

  // ---- non-contiguous views with given values ----

  enum View {
    /** Rank >= 2: a contiguous copy with the axes reversed, permuted back (all strides differ from row-major). */
    TRANSPOSED("transposed view of a transposed copy") {
      @Override
      Tensor make(double[] vals, DType dt, long[] shape) {
        int r = shape.length;
        if (r < 2) {
          return null;
        }
        int[] s = ints(shape);
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
          perm[i] = r - 1 - i;
        }
        Nd copy = new Nd(s, vals).permute(perm);
        Tensor c = tensor(copy.v, dt, longs(copy.shape));
        return c.permute(perm); // reversing the axes is its own inverse
      }
    },
    /** Rank >= 1: every other element of a larger tensor's last axis, starting at 1. */
    STEPPED("slice with step 2") {
      @Override
      Tensor make(double[] vals, DType dt, long[] shape) {
        return stepped(vals, dt, shape, false);
      }
    },
    /** Rank >= 1, last dim >= 1: step -2 from the end of a larger tensor's last axis (negative strides). */
    REVERSED("slice with step -2") {
      @Override
      Tensor make(double[] vals, DType dt, long[] shape) {
        if (shape.length == 0 || shape[shape.length - 1] == 0) {
          return null;
        }
        return stepped(vals, dt, shape, true);
      }
    };

    final String text;

    View(String text) {
      this.text = text;
    }

    abstract Tensor make(double[] vals, DType dt, long[] shape);

    static Tensor stepped(double[] vals, DType dt, long[] shape, boolean reversed) {
      int r = shape.length;
      if (r == 0) {
        return null;
      }
      int[] s = ints(shape);
      int last = s[r - 1];
      int[] big = s.clone();
      big[r - 1] = 2 * last + 1;
      double sentinel = dt == BOOL ? 1 : dt == U8 ? 123 : -777;
      double[] b = new double[Nd.numel(big)];
      Arrays.fill(b, sentinel);
      int[] bigStrides = Nd.stridesOf(big), idx = new int[r];
      for (int f = 0; f < vals.length; f++, Nd.next(idx, s)) {
        int k = idx[r - 1];
        int at = 0;
        for (int d = 0; d < r - 1; d++) {
          at += idx[d] * bigStrides[d];
        }
        b[at + (reversed ? 2 * (last - 1 - k) + 1 : 2 * k + 1)] = vals[f];
      }
      Tensor t = tensor(b, dt, longs(big));
      if (reversed) {
        return Ops.slice(t, new int[] {r - 1}, new long[] {2L * last - 1}, null, new long[] {-2});
      }
      return Ops.slice(t, new int[] {r - 1}, new long[] {1}, new long[] {2L * last + 1}, new long[] {2});
    }
  }

  // ---- tensors <-> double arrays ----

  /** {@code x} as the dtype holds it: rounded to float, wrapped to the integer type, 0/1 for bool. */
  static double quantizeTo(double x, DType dt) {
    switch (dt) {
      case F32:
        return (float) x;
      case I32:
        return Double.isNaN(x) ? x : (int) (long) x;
      case I64:
        return Double.isNaN(x) ? x : (long) x;
      case U8:
        return Double.isNaN(x) ? x : ((long) x) & 0xff;
      case BOOL:
        return x != 0 ? 1 : 0;
      default:
        return x;
    }
  }

  /** A new contiguous tensor holding {@code vals} as {@code dt}. */
  static Tensor tensor(double[] vals, DType dt, long... shape) {
    int n = vals.length;
    if (n == 0) {
      // Tensor.of with no elements throws NullPointerException ("This pointer address is NULL": the engine stores
      // nothing for 0 bytes and Tensor.of still writes through the null data pointer); a Java API bug reported to
      // the lead and checked by ShapeOpsTest.tensorOfEmptyArrays. Empty inputs come from zeros meanwhile, so that
      // every op is still tested on them.
      return Ops.zeros(dt, shape);
    }
    switch (dt) {
      case F64:
        return Tensor.of(vals.clone(), shape);
      case F32: {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (float) vals[i];
        }
        return Tensor.of(a, shape);
      }
      case I32: {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = (int) vals[i];
        }
        return Tensor.of(a, shape);
      }
      case I64: {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = (long) vals[i];
        }
        return Tensor.of(a, shape);
      }
      case U8: {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
          a[i] = (byte) (int) vals[i];
        }
        return Tensor.of(a, shape);
      }
      case BOOL: {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = vals[i] != 0;
        }
        return Tensor.of(a, shape);
      }
      default:
        throw new IllegalArgumentException("no Java array type for " + dt);
    }
  }

  /** The elements as doubles, read with the dtype's own accessor (not through the engine's cast). */
  static double[] read(Tensor t) {
    switch (t.dtype()) {
      case F64:
        return t.toDoubleArray();
      case F32: {
        float[] a = t.toFloatArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
          out[i] = a[i];
        }
        return out;
      }
      case I32:
        return Arrays.stream(t.toIntArray()).asDoubleStream().toArray();
      case I64:
        return Arrays.stream(t.toLongArray()).asDoubleStream().toArray();
      case U8: {
        byte[] a = t.toByteArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
          out[i] = a[i] & 0xff;
        }
        return out;
      }
      case BOOL: {
        boolean[] a = t.toBooleanArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
          out[i] = a[i] ? 1 : 0;
        }
        return out;
      }
      default:
        throw new IllegalArgumentException("cannot read " + t.dtype());
    }
  }

  /** Index of the first element whose bits differ (NaNs of any payload count as equal), or -1. */
  static int firstBitDifference(double[] a, double[] b) {
    if (a.length != b.length) {
      return 0;
    }
    for (int i = 0; i < a.length; i++) {
      if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
        return i;
      }
    }
    return -1;
  }

  static boolean bitEqual(double[] a, double[] b) {
    return firstBitDifference(a, b) < 0;
  }

  static long checkedNumel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  static int[] ints(long[] s) {
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = Math.toIntExact(s[i]);
    }
    return out;
  }

  static long[] longs(int[] s) {
    long[] out = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = s[i];
    }
    return out;
  }

  // ---- calling any op of the table, including those the Java API has no method for ----

  /**
   * Calls op {@code op} of the engine's table with the given inputs and attributes, given as name/value pairs: an
   * Integer or Long value sets an int attribute, a Double a float one, a long[] a list of ints. Returns the outputs.
   */
  static Tensor[] callOp(String op, Tensor[] inputs, int maxOutputs, Object... attrs) {
    nr_attrs a = Native.attrs();
    for (int i = 0; i < attrs.length; i += 2) {
      String name = (String) attrs[i];
      Object v = attrs[i + 1];
      if (v instanceof long[]) {
        long[] values = (long[]) v;
        Native.check(NeuriteNative.nr_attrs_set_ints(a, name, values, values.length));
      } else if (v instanceof Double) {
        Native.check(NeuriteNative.nr_attrs_set_float(a, name, (Double) v));
      } else {
        Native.check(NeuriteNative.nr_attrs_set_int(a, name, ((Number) v).longValue()));
      }
    }
    return Ops.callN(Native.opId(op), inputs, a, maxOutputs);
  }

  /** {@link #callOp} of a one-output op. */
  static Tensor call(String op, Tensor[] inputs, Object... attrs) {
    return callOp(op, inputs, 1, attrs)[0];
  }

  // ---- checks of ops without inputs (creation) ----

  /**
   * Checks a tensor made by a creation op against an expected array: dtype, shape, values within the dtype's
   * tolerance. Records {@code op} as covered.
   */
  static void expect(String op, Tensor got, DType dtype, Nd expected) {
    record(op);
    Case c = new Case(op, null, null);
    List<String> failures = new ArrayList<>();
    double[] t = c.tolFor(dtype);
    c.compare(op + " " + dtype.shortName(), got, expected, dtype, t[0], t[1], "", failures);
    if (!failures.isEmpty()) {
      fail(String.join("\n", failures));
    }
  }
}
