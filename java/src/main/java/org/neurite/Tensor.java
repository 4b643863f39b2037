package org.neurite;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_tensor;

/**
 * An n-dimensional array in native memory: a dtype, a shape, and a reference to storage that views share.
 *
 * <p>A tensor holds native memory until it is closed. Close it with try-with-resources, or create it inside a {@link
 * Scope} that closes it for you; a {@link Cleaner} frees forgotten tensors as a last resort only.
 *
 * <pre>{@code
 * try (Scope scope = Neurite.scope()) {
 *   Tensor x = Tensor.of(new float[] {1, -2, 3, -4}, 2, 2);
 *   Tensor y = x.relu().matmul(x.transpose(0, 1)).add(1.0);
 *   System.out.println(y);                 // [[2, 4], [10, 10]] f32[2,2]
 *   float[] values = y.toFloatArray();     // {2, 4, 10, 10}
 * }
 * }</pre>
 */
public final class Tensor implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** Frees the native handle exactly once, from close() or from the Cleaner; holds no reference to the Tensor. */
  private static final class Handle implements Runnable {
    private volatile nr_tensor ptr;

    Handle(nr_tensor ptr) {
      this.ptr = ptr;
    }

    @Override
    public void run() {
      nr_tensor p = ptr;
      ptr = null;
      if (p != null) {
        NeuriteNative.nr_tensor_free(p);
      }
    }
  }

  private final Handle handle;
  private final Cleaner.Cleanable cleanable;
  private long[] shape; // read once from the engine; shapes never change
  private DType dtype;

  Tensor(nr_tensor ptr) {
    this.handle = new Handle(ptr);
    this.cleanable = CLEANER.register(this, handle);
    Scope.track(this);
  }

  nr_tensor handle() {
    nr_tensor p = handle.ptr;
    if (p == null) {
      throw new TensorClosedException("tensor " + describe() + " was closed; it cannot be used any more (keep it"
          + " out of the scope that closed it, with Scope.keep, or do not close it yet)");
    }
    return p;
  }

  /** The handle, or a TensorClosedException that names the method the closed tensor was used in. */
  private nr_tensor handle(String method) {
    if (handle.ptr == null) {
      throw new TensorClosedException(method + ": tensor " + describe() + " was closed; it cannot be used any more"
          + " (keep it out of the scope that closed it, with Scope.keep, or do not close it yet)");
    }
    return handle.ptr;
  }

  /** Frees this tensor's reference to its storage (views of it keep the storage alive). Idempotent. */
  @Override
  public void close() {
    if (handle.ptr != null && shape == null) {
      try {
        shapeRef(); // remembered, so a later use of the closed tensor can say which tensor it was
        dtype();
      } catch (NeuriteException e) {
        // the description is a courtesy; closing must not fail
      }
    }
    cleanable.clean();
  }

  public boolean isClosed() {
    return handle.ptr == null;
  }

  // ---- creation from Java data ----

  public static Tensor of(float[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    Tensor t = empty(DType.F32, data.length, shape);
    if (data.length > 0) {
      new FloatPointer(t.dataPointer()).put(data);
    }
    return t;
  }

  public static Tensor of(double[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    Tensor t = empty(DType.F64, data.length, shape);
    if (data.length > 0) {
      new DoublePointer(t.dataPointer()).put(data);
    }
    return t;
  }

  public static Tensor of(int[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    Tensor t = empty(DType.I32, data.length, shape);
    if (data.length > 0) {
      new IntPointer(t.dataPointer()).put(data);
    }
    return t;
  }

  public static Tensor of(long[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    Tensor t = empty(DType.I64, data.length, shape);
    if (data.length > 0) {
      new LongPointer(t.dataPointer()).put(data);
    }
    return t;
  }

  /** Unsigned bytes ({@link DType#U8}), e.g. image pixels: {@code (byte) 255} is 255. */
  public static Tensor of(byte[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    Tensor t = empty(DType.U8, data.length, shape);
    if (data.length > 0) {
      new BytePointer(t.dataPointer()).put(data);
    }
    return t;
  }

  public static Tensor of(boolean[] data, long... shape) {
    Objects.requireNonNull(data, "data");
    byte[] bytes = new byte[data.length];
    for (int i = 0; i < data.length; i++) {
      bytes[i] = data[i] ? (byte) 1 : 0;
    }
    Tensor t = empty(DType.BOOL, data.length, shape);
    if (bytes.length > 0) {
      new BytePointer(t.dataPointer()).put(bytes);
    }
    return t;
  }

  /** A rank-0 f32 tensor. */
  public static Tensor scalar(float value) {
    return of(new float[] {value});
  }

  /** A rank-0 tensor of the given dtype. */
  public static Tensor scalar(double value, DType dtype) {
    return Ops.full(value, dtype);
  }

  /**
   * A copy of the {@code buffer}'s remaining bytes, read as {@code dtype} elements in native byte order. A direct buffer is
   * copied once, straight into the tensor's storage.
   */
  public static Tensor fromBuffer(ByteBuffer buffer, DType dtype, long... shape) {
    Objects.requireNonNull(buffer, "buffer");
    Objects.requireNonNull(dtype, "dtype");
    long count = checkedCount(shape, "Tensor.fromBuffer");
    long nbytes = count * dtype.byteSize();
    if (buffer.remaining() != nbytes) {
      throw new ShapeException("Tensor.fromBuffer: " + buffer.remaining() + " bytes remain in the buffer, but " + dtype.shortName()
          + " " + shapeString(shape) + " needs " + nbytes);
    }
    Tensor t = empty(dtype, count, shape);
    if (nbytes > 0) {
      ByteBuffer dst = new BytePointer(t.dataPointer()).capacity(nbytes).asByteBuffer();
      dst.put(buffer.duplicate());
    }
    return t;
  }

  // ---- begin: filling native storage in place (added for org.neurite.data batches) ----

  /**
   * A new tensor whose elements {@code writer} writes in place: it receives the tensor's own native storage as a direct
   * buffer in native byte order (position 0, limit = the size in bytes), so data assembled there reaches the engine
   * with no intermediate copy. Bytes the writer leaves alone are unspecified; the buffer must not be kept after the
   * writer returns. If the writer throws, the tensor is freed and the exception propagates.
   *
   * <pre>{@code
   * Tensor t = Tensor.filledBy(DType.F32, new long[] {2}, buf -> buf.putFloat(1f).putFloat(2f));   // [1, 2]
   * }</pre>
   */
  public static Tensor filledBy(DType dtype, long[] shape, java.util.function.Consumer<ByteBuffer> writer) {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(writer, "writer");
    long count = checkedCount(shape, "Tensor.filledBy");
    long nbytes = count * dtype.byteSize();
    if (nbytes > Integer.MAX_VALUE) {
      throw new InvalidArgumentException("Tensor.filledBy: " + nbytes + " bytes do not fit in one ByteBuffer");
    }
    Tensor t = empty(dtype, count, shape);
    try {
      ByteBuffer dst = nbytes == 0 ? ByteBuffer.allocateDirect(0)
          : new BytePointer(t.dataPointer()).capacity(nbytes).asByteBuffer();
      writer.accept(dst.order(java.nio.ByteOrder.nativeOrder()));
      return t;
    } catch (RuntimeException | Error e) {
      t.close();
      throw e;
    }
  }

  // ---- end: filling native storage in place ----

  public static Tensor zeros(long... shape) {
    return Ops.zeros(DType.F32, shape);
  }

  public static Tensor ones(long... shape) {
    return Ops.ones(DType.F32, shape);
  }

  public static Tensor full(double value, long... shape) {
    return Ops.full(value, DType.F32, shape);
  }

  /** f32 values {@code start, start+1, ...} below {@code stop}. */
  public static Tensor arange(double start, double stop) {
    return Ops.arange(start, stop, 1, DType.F32);
  }

  private static Tensor empty(DType dtype, long count, long[] shape) {
    long expected = checkedCount(shape, "Tensor.of");
    if (expected != count) {
      throw new ShapeException("Tensor.of: " + count + " values do not fill shape " + shapeString(shape) + " (" + expected
          + " elements)");
    }
    nr_tensor out = new nr_tensor();
    Native.check(NeuriteNative.nr_tensor_empty(dtype.code(), shape, shape.length, out));
    return new Tensor(out);
  }

  private static long checkedCount(long[] shape, String method) {
    Objects.requireNonNull(shape, method + ": shape");
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new ShapeException(method + ": negative dimension in shape " + shapeString(shape));
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new ShapeException(method + ": shape " + shapeString(shape) + " has more elements than fit in 64 bits");
      }
    }
    return n;
  }

  private Pointer dataPointer() {
    Pointer p = new Pointer((Pointer) null);
    Native.check(NeuriteNative.nr_tensor_data(handle(), p));
    return p;
  }

  // ---- metadata ----

  /** The shape (a copy). */
  public long[] shape() {
    handle("shape");
    return shapeRef().clone();
  }

  private long[] shapeRef() {
    handle(); // a closed tensor refuses every use, metadata included
    long[] s = shape;
    if (s == null) {
      int[] nd = new int[1];
      Native.check(NeuriteNative.nr_tensor_ndim(handle(), nd));
      s = new long[nd[0]];
      Native.check(NeuriteNative.nr_tensor_shape(handle(), s, s.length));
      shape = s;
    }
    return s;
  }

  /** The size of dimension {@code axis}; negative axes count from the end. */
  public long dim(int axis) {
    handle("dim");
    long[] s = shapeRef();
    int a = axis < 0 ? axis + s.length : axis;
    if (a < 0 || a >= s.length) {
      throw new IndexException("dim: axis " + axis + " is out of range for a tensor of rank " + s.length + " " + shapeString(s));
    }
    return s[a];
  }

  public int ndim() {
    handle("ndim");
    return shapeRef().length;
  }

  /** Number of elements. */
  public long size() {
    handle("size");
    long n = 1;
    for (long d : shapeRef()) {
      n *= d;
    }
    return n;
  }

  public DType dtype() {
    handle("dtype");
    DType d = dtype;
    if (d == null) {
      int[] code = new int[1];
      Native.check(NeuriteNative.nr_tensor_dtype(handle(), code));
      d = dtype = DType.fromCode(code[0]);
    }
    return d;
  }

  /** Strides in elements (zero on broadcast dims, negative on flipped ones). */
  public long[] strides() {
    long[] s = new long[ndim()];
    Native.check(NeuriteNative.nr_tensor_strides(handle("strides"), s, s.length));
    return s;
  }

  public boolean isContiguous() {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_tensor_is_contiguous(handle("isContiguous"), out));
    return out[0] != 0;
  }

  /** Whether this tensor and {@code other} view the same storage. */
  public boolean sharesStorageWith(Tensor other) {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_tensor_shares_storage(handle(), other.handle(), out));
    return out[0] != 0;
  }

  // ---- autograd ----

  /**
   * Marks this floating-point tensor as a variable whose gradient {@link #backward()} accumulates (or unmarks it).
   *
   * @return this tensor, for chaining: {@code Tensor w = gen.normal(0, 0.1, 784, 128).requiresGrad(true);}
   */
  public Tensor requiresGrad(boolean requiresGrad) {
    Native.check(NeuriteNative.nr_tensor_set_requires_grad(handle("requiresGrad"), requiresGrad ? 1 : 0));
    return this;
  }

  /** Whether ops on this tensor are recorded for gradients. */
  public boolean requiresGrad() {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_tensor_requires_grad(handle("requiresGrad"), out));
    return out[0] != 0;
  }

  /** Whether no recorded op produced this tensor (a variable, or a tensor that needs no gradient). */
  public boolean isLeaf() {
    int[] out = new int[1];
    Native.check(NeuriteNative.nr_tensor_is_leaf(handle("isLeaf"), out));
    return out[0] != 0;
  }

  /** The gradient accumulated by {@link #backward()}, as a new tensor, or null when there is none yet. */
  public Tensor grad() {
    nr_tensor out = new nr_tensor();
    Native.check(NeuriteNative.nr_tensor_grad(handle("grad"), out));
    return out.isNull() ? null : new Tensor(out);
  }

  /** Forgets the accumulated gradient, as before a new training step. */
  public void zeroGrad() {
    Native.check(NeuriteNative.nr_tensor_set_grad(handle("zeroGrad"), null));
  }

  /** The same values, sharing storage, with no gradient history (ops on it record nothing). */
  public Tensor detach() {
    nr_tensor out = new nr_tensor();
    Native.check(NeuriteNative.nr_tensor_detach(handle("detach"), out));
    return new Tensor(out);
  }

  /** Accumulates d(this)/d(variable) into every variable's {@link #grad()}; this must be a scalar. */
  public void backward() {
    backward(null, false);
  }

  /**
   * Accumulates the gradient of {@code sum(this * gradient)} into every variable's {@link #grad()}.
   *
   * @param gradient the gradient of this tensor's shape, or null for a scalar
   * @param retainGraph keep the recorded graph so backward can run through it again
   */
  public void backward(Tensor gradient, boolean retainGraph) {
    Native.check(NeuriteNative.nr_backward(handle("backward"), gradient == null ? null : gradient.handle(), retainGraph ? 1 : 0, 0));
  }

  // ---- reading back ----

  public float[] toFloatArray() {
    requireDType(DType.F32, "toFloatArray");
    float[] out = new float[arrayLength("toFloatArray")];
    readInto(p -> new FloatPointer(p).get(out));
    return out;
  }

  public double[] toDoubleArray() {
    requireDType(DType.F64, "toDoubleArray");
    double[] out = new double[arrayLength("toDoubleArray")];
    readInto(p -> new DoublePointer(p).get(out));
    return out;
  }

  public int[] toIntArray() {
    requireDType(DType.I32, "toIntArray");
    int[] out = new int[arrayLength("toIntArray")];
    readInto(p -> new IntPointer(p).get(out));
    return out;
  }

  public long[] toLongArray() {
    requireDType(DType.I64, "toLongArray");
    long[] out = new long[arrayLength("toLongArray")];
    readInto(p -> new LongPointer(p).get(out));
    return out;
  }

  /** The raw bytes of a {@link DType#U8} tensor. */
  public byte[] toByteArray() {
    requireDType(DType.U8, "toByteArray");
    byte[] out = new byte[arrayLength("toByteArray")];
    readInto(p -> new BytePointer(p).get(out));
    return out;
  }

  public boolean[] toBooleanArray() {
    requireDType(DType.BOOL, "toBooleanArray");
    byte[] bytes = new byte[arrayLength("toBooleanArray")];
    readInto(p -> new BytePointer(p).get(bytes));
    boolean[] out = new boolean[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[i] != 0;
    }
    return out;
  }

  /** The elements as doubles, whatever the dtype (bools as 0/1, u8 as 0..255). */
  public double[] toDoubleArrayAnyType() {
    if (dtype() == DType.F64) {
      return toDoubleArray();
    }
    try (Tensor d = cast(DType.F64)) {
      return d.toDoubleArray();
    }
  }

  /** The only element of a one-element tensor, as a double. */
  public double item() {
    handle("item");
    if (size() != 1) {
      throw new ShapeException("item: tensor " + describe() + " has " + size() + " elements, not 1");
    }
    return toDoubleArrayAnyType()[0];
  }

  /** Copies the elements in row-major order into {@code dst}'s remaining bytes (native byte order). */
  public void copyTo(ByteBuffer dst) {
    Objects.requireNonNull(dst, "dst");
    handle("copyTo");
    long nbytes = size() * dtype().byteSize();
    if (dst.remaining() < nbytes) {
      throw new ShapeException("copyTo: buffer has " + dst.remaining() + " bytes left, tensor " + describe() + " needs " + nbytes);
    }
    readInto(p -> {
      ByteBuffer src = new BytePointer(p).capacity(nbytes).asByteBuffer();
      dst.put(src);
    });
  }

  private void requireDType(DType want, String method) {
    handle(method);
    if (dtype() != want) {
      throw new DTypeException(method + ": tensor is " + dtype().shortName() + " " + shapeString(shapeRef()) + ", not "
          + want.shortName() + " (cast it first)");
    }
  }

  private int arrayLength(String method) {
    long n = size();
    if (n > Integer.MAX_VALUE - 8) {
      throw new InvalidArgumentException(method + ": " + n + " elements do not fit in a Java array");
    }
    return (int) n;
  }

  private interface Reader {
    void read(Pointer data);
  }

  private void readInto(Reader reader) {
    if (size() == 0) {
      return;
    }
    if (!device().isCpu()) {
      try (Tensor host = to(Device.cpu())) {
        reader.read(host.dataPointer());
      }
      return;
    }
    if (isContiguous()) {
      reader.read(dataPointer());
      return;
    }
    try (Tensor c = contiguous()) {
      reader.read(c.dataPointer());
    }
  }

  // ---- ops (see Ops for the full list and documentation) ----

  public Tensor neg() { return Ops.neg(this); }
  public Tensor abs() { return Ops.abs(this); }
  public Tensor sign() { return Ops.sign(this); }
  public Tensor exp() { return Ops.exp(this); }
  public Tensor log() { return Ops.log(this); }
  public Tensor log1p() { return Ops.log1p(this); }
  public Tensor sqrt() { return Ops.sqrt(this); }
  public Tensor rsqrt() { return Ops.rsqrt(this); }
  public Tensor square() { return Ops.square(this); }
  public Tensor reciprocal() { return Ops.reciprocal(this); }
  public Tensor sin() { return Ops.sin(this); }
  public Tensor cos() { return Ops.cos(this); }
  public Tensor tanh() { return Ops.tanh(this); }
  public Tensor sigmoid() { return Ops.sigmoid(this); }
  public Tensor relu() { return Ops.relu(this); }
  public Tensor leakyRelu(double alpha) { return Ops.leakyRelu(this, alpha); }
  public Tensor elu(double alpha) { return Ops.elu(this, alpha); }
  public Tensor selu() { return Ops.selu(this); }
  public Tensor gelu() { return Ops.gelu(this, false); }
  public Tensor softplus() { return Ops.softplus(this); }
  public Tensor clip(double min, double max) { return Ops.clip(this, min, max); }
  public Tensor logicalNot() { return Ops.logicalNot(this); }

  public Tensor add(Tensor other) { return Ops.add(this, other); }
  public Tensor sub(Tensor other) { return Ops.sub(this, other); }
  public Tensor mul(Tensor other) { return Ops.mul(this, other); }
  public Tensor div(Tensor other) { return Ops.div(this, other); }
  public Tensor pow(Tensor other) { return Ops.pow(this, other); }
  public Tensor maximum(Tensor other) { return Ops.maximum(this, other); }
  public Tensor minimum(Tensor other) { return Ops.minimum(this, other); }
  public Tensor eq(Tensor other) { return Ops.equal(this, other); }
  public Tensor ne(Tensor other) { return Ops.notEqual(this, other); }
  public Tensor lt(Tensor other) { return Ops.less(this, other); }
  public Tensor le(Tensor other) { return Ops.lessEqual(this, other); }
  public Tensor gt(Tensor other) { return Ops.greater(this, other); }
  public Tensor ge(Tensor other) { return Ops.greaterEqual(this, other); }
  public Tensor logicalAnd(Tensor other) { return Ops.logicalAnd(this, other); }
  public Tensor logicalOr(Tensor other) { return Ops.logicalOr(this, other); }
  public Tensor logicalXor(Tensor other) { return Ops.logicalXor(this, other); }

  /** Adds a scalar of this tensor's dtype. */
  public Tensor add(double value) { return withScalar(value, Ops::add); }
  public Tensor sub(double value) { return withScalar(value, Ops::sub); }
  public Tensor mul(double value) { return withScalar(value, Ops::mul); }
  public Tensor div(double value) { return withScalar(value, Ops::div); }
  public Tensor pow(double value) { return withScalar(value, Ops::pow); }

  private interface BinaryOp {
    Tensor apply(Tensor a, Tensor b);
  }

  private Tensor withScalar(double value, BinaryOp op) {
    // The scalar is made where this tensor lives, whatever the thread's default device.
    Device device = device();
    Device previous = device.isCpu() ? null : Device.useDefault(device);
    Tensor s;
    try {
      s = Ops.full(value, dtype());
    } finally {
      if (previous != null) {
        Device.useDefault(previous);
      }
    }
    try (s) {
      return op.apply(this, s);
    }
  }

  /** Sum over the given axes (all of them when none are given). */
  public Tensor sum(int... axes) { return Ops.sum(this, axes, false); }
  public Tensor mean(int... axes) { return Ops.mean(this, axes, false); }
  public Tensor max(int... axes) { return Ops.max(this, axes, false); }
  public Tensor min(int... axes) { return Ops.min(this, axes, false); }
  public Tensor prod(int... axes) { return Ops.prod(this, axes, false); }
  public Tensor logsumexp(int... axes) { return Ops.logsumexp(this, axes, false); }
  public Tensor all(int... axes) { return Ops.all(this, axes, false); }
  public Tensor any(int... axes) { return Ops.any(this, axes, false); }
  /** Population variance (divides by n). */
  public Tensor var(int... axes) { return Ops.var(this, axes, false, 0); }
  /** Population standard deviation (divides by n). */
  public Tensor std(int... axes) { return Ops.std(this, axes, false, 0); }
  public Tensor argmax(int axis) { return Ops.argmax(this, axis, false); }
  public Tensor argmin(int axis) { return Ops.argmin(this, axis, false); }

  public Tensor matmul(Tensor other) { return Ops.matmul(this, other); }

  public Tensor reshape(long... shape) { return Ops.reshape(this, shape); }
  /** A 1-D view (or copy, when the layout requires) of all elements. */
  public Tensor flatten() { return Ops.reshape(this, -1); }
  public Tensor permute(int... perm) { return Ops.permute(this, perm); }

  /** Swaps two axes (a view). */
  public Tensor transpose(int axis0, int axis1) {
    int n = ndim();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    int a = normalizeAxis(axis0, "transpose"), b = normalizeAxis(axis1, "transpose");
    perm[a] = b;
    perm[b] = a;
    return Ops.permute(this, perm);
  }

  /** Elements {@code start, start+step, ...} before {@code stop} along one axis (a view). */
  public Tensor slice(int axis, long start, long stop, long step) {
    return Ops.slice(this, new int[] {axis}, new long[] {start}, new long[] {stop}, new long[] {step});
  }

  public Tensor broadcastTo(long... shape) { return Ops.broadcastTo(this, shape); }
  public Tensor squeeze(int... axes) { return Ops.squeeze(this, axes); }
  public Tensor unsqueeze(int axis) { return Ops.unsqueeze(this, axis); }
  public Tensor contiguous() { return Ops.contiguous(this); }
  public Tensor cast(DType dtype) { return Ops.cast(this, dtype); }
  public Tensor[] split(int axis, long... sizes) { return Ops.split(this, axis, sizes); }
  public Tensor pad(long[] pads, PadMode mode, double value) { return Ops.pad(this, pads, mode, value); }
  public Tensor tile(long... reps) { return Ops.tile(this, reps); }
  public Tensor repeat(long repeats, int axis) { return Ops.repeat(this, repeats, axis); }
  public Tensor flip(int... axes) { return Ops.flip(this, axes); }
  public Tensor gather(Tensor indices, int axis) { return Ops.gather(this, indices, axis); }
  public Tensor takeAlongAxis(Tensor indices, int axis) { return Ops.takeAlongAxis(this, indices, axis); }
  public Tensor oneHot(long depth) { return Ops.oneHot(this, depth, DType.F32); }
  public Tensor softmax(int axis) { return Ops.softmax(this, axis); }
  public Tensor logSoftmax(int axis) { return Ops.logSoftmax(this, axis); }

  private int normalizeAxis(int axis, String op) {
    int n = ndim();
    int a = axis < 0 ? axis + n : axis;
    if (a < 0 || a >= n) {
      throw new IndexException(op + ": axis " + axis + " is out of range for a tensor of rank " + n + " " + shapeString(shapeRef()));
    }
    return a;
  }

  // ---- printing ----

  /** "f32[2,3]", or "closed tensor" once closed (safe to call at any time). */
  String describe() {
    if (shape != null && dtype != null) {
      return dtype.shortName() + shapeString(shape);
    }
    if (handle.ptr == null) {
      return "(closed)";
    }
    return dtype().shortName() + shapeString(shapeRef());
  }

  // ---- devices (see Device) ----

  /** The device this tensor's memory is on. */
  public Device device() {
    int[] type = new int[1];
    int[] index = new int[1];
    Native.check(NeuriteNative.nr_tensor_device(handle("device"), type, index));
    return Device.of(type[0], index[0]);
  }

  /**
   * This tensor on {@code device}: itself (a new handle) when already there, else a copy there. A leaf that requires
   * grad gives a new leaf that requires grad (how a model's parameters move); the copy is not differentiated through.
   */
  public Tensor to(Device device) {
    Objects.requireNonNull(device, "Tensor.to: device");
    Device.offerPlugin();
    nr_tensor out = new nr_tensor();
    Native.check(NeuriteNative.nr_tensor_to(handle("to"), device.type().code, device.index(), out));
    return new Tensor(out);
  }

  /**
   * Moves every tensor of {@code tensors} to {@code device} in place: each Java object keeps its identity (so maps
   * keyed by it, such as an optimizer's state, stay valid) and gets a handle to a copy on the device, with its
   * gradient, if any, moved too and gradient recording kept. All or nothing: when one copy fails (out of memory, an
   * unavailable device), every tensor is left as it was. Tensors already on the device are left alone.
   */
  static void moveAll(java.util.List<Tensor> tensors, Device device) {
    Objects.requireNonNull(device, "device");
    Device.offerPlugin();
    java.util.List<Tensor> moving = new java.util.ArrayList<>();
    java.util.List<nr_tensor> copies = new java.util.ArrayList<>();
    try {
      for (Tensor t : tensors) {
        if (t.device().equals(device)) {
          continue;
        }
        nr_tensor old = t.handle("to");
        nr_tensor moved = new nr_tensor();
        Native.check(NeuriteNative.nr_tensor_to(old, device.type().code, device.index(), moved));
        copies.add(moved);
        moving.add(t);
        nr_tensor grad = new nr_tensor();
        Native.check(NeuriteNative.nr_tensor_grad(old, grad));
        if (!grad.isNull()) {
          nr_tensor movedGrad = new nr_tensor();
          try {
            Native.check(NeuriteNative.nr_tensor_to(grad, device.type().code, device.index(), movedGrad));
            Native.check(NeuriteNative.nr_tensor_set_grad(moved, movedGrad));
          } finally {
            NeuriteNative.nr_tensor_free(grad);
            NeuriteNative.nr_tensor_free(movedGrad);
          }
        }
      }
    } catch (RuntimeException | Error e) {
      copies.forEach(NeuriteNative::nr_tensor_free);
      throw e;
    }
    for (int i = 0; i < moving.size(); i++) {
      Handle h = moving.get(i).handle;
      nr_tensor old = h.ptr;
      h.ptr = copies.get(i);
      NeuriteNative.nr_tensor_free(old);
    }
  }

  static String shapeString(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ",").append(shape[i]);
    }
    return sb.append(']').toString();
  }

  /**
   * NumPy-like text: nested brackets, with the middle of long dims elided ("...") so a huge tensor prints in a few
   * lines; followed by dtype and shape, e.g. {@code [[1, 2], [3, 4]] f32[2,2]}.
   */
  @Override
  public String toString() {
    if (isClosed()) {
      return "Tensor(closed)";
    }
    return TensorFormatter.format(this);
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
