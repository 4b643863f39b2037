package org.neurite.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.neurite.Device;
import org.neurite.InvalidArgumentException;
import org.neurite.Tensor;

/**
 * An immutable, lazily evaluated description of an input pipeline, in the manner of {@code tf.data}: a source
 * (arrays, files, a generator) followed by transformations (map, shuffle, batch, prefetch, cache, ...). Nothing runs
 * until {@link #iterator()} opens an epoch; each call opens a new one, and a shuffle reshuffles every epoch (the epoch
 * number is mixed into its seed).
 *
 * <p>Deterministic: the same pipeline with the same seeds yields the same elements in the same order, whatever the
 * parallelism. Bounded: an open iterator holds at most the elements its buffer sizes allow. Closing the iterator
 * stops its threads. Elements are never null.
 *
 * <pre>{@code
 * float[] pixels = ...;   // n * 784 values
 * int[] labels = ...;     // n labels
 * Dataset<Batch> train = Dataset.fromArrays(pixels, new long[] {n, 784}, labels)
 *     .map(Preprocessing.rescale(1 / 255.0), 2)     // 2 threads, order kept
 *     .shuffle(10_000, 42)
 *     .batch(32)
 *     .prefetch(2);                                  // the next batches are made while the engine computes
 * for (int epoch = 0; epoch < 5; epoch++) {
 *   try (DatasetIterator<Batch> it = train.iterator()) {
 *     while (it.hasNext()) {
 *       try (Batch b = it.next()) {
 *         step(b.x(), b.y());
 *       }
 *     }
 *   }
 * }
 * }</pre>
 *
 * @param <T> the element type: {@link Example} before batching, {@link Batch} after, or any type of your own
 */
public abstract class Dataset<T> implements Iterable<T> {
  /** {@link #cardinality()} when the number of elements cannot be known without iterating (after filter, ...). */
  public static final long UNKNOWN = -1;
  /** {@link #cardinality()} of a data set that never ends (repeat without a count). */
  public static final long INFINITE = -2;

  private final AtomicLong epochs = new AtomicLong();

  Dataset() {}

  /** Opens the given epoch: stages pass it upstream, and shuffles and seeded maps mix it into their seeds. */
  abstract DatasetIterator<T> open(long epoch);

  /** Number of elements, {@link #UNKNOWN} or {@link #INFINITE}. */
  public abstract long cardinality();

  /** A short description of this stage and its source, used in error messages. */
  abstract String describe();

  /** Opens the next epoch (the first call opens epoch 0). Close the iterator, or exhaust it, when done. */
  @Override
  public final DatasetIterator<T> iterator() {
    return open(epochs.getAndIncrement());
  }

  /** Opens a given epoch, e.g. to resume training at epoch 7 with the shuffles epoch 7 would have had. */
  public final DatasetIterator<T> iterator(long epoch) {
    if (epoch < 0) {
      throw new InvalidArgumentException("Dataset.iterator: epoch " + epoch + " is negative");
    }
    return open(epoch);
  }

  @Override
  public String toString() {
    return describe();
  }

  // ---- sources ----

  /**
   * Examples from in-memory features {@code x} of shape {@code xShape} (first axis: the examples) and integer class
   * labels {@code y}, one per example. The arrays are used in place, not copied: do not change them while the data
   * set is in use.
   */
  public static Dataset<Example> fromArrays(float[] x, long[] xShape, int[] y) {
    HostArray xs = HostArray.of(x, xShape);
    return fromArrays(xs, HostArray.of(y, y.length));
  }

  /** Examples from in-memory features and float targets (regression), both with the examples on the first axis. */
  public static Dataset<Example> fromArrays(float[] x, long[] xShape, float[] y, long[] yShape) {
    return fromArrays(HostArray.of(x, xShape), HostArray.of(y, yShape));
  }

  /** Examples {@code (x[i], y[i])}: rows of two arrays with the examples on the first axis. */
  public static Dataset<Example> fromArrays(HostArray x, HostArray y) {
    return new Sources.Arrays(List.of(x), y == null ? List.of() : List.of(y));
  }

  /** Examples with several inputs and targets: row i of every array makes example i. */
  public static Dataset<Example> fromArrays(List<HostArray> inputs, List<HostArray> targets) {
    return new Sources.Arrays(inputs, targets);
  }

  /**
   * Examples {@code (x[i], y[i])} from tensors with the examples on the first axis. The values are copied to the Java
   * heap once, here; the tensors may be closed afterwards. {@code y} may be null (inputs only).
   */
  public static Dataset<Example> fromTensors(Tensor x, Tensor y) {
    Objects.requireNonNull(x, "x");
    return fromArrays(HostArray.fromTensor(x), y == null ? null : HostArray.fromTensor(y));
  }

  /** The given elements (the list is copied). */
  public static <T> Dataset<T> fromList(List<T> elements) {
    return new Sources.OfList<>(List.copyOf(elements));
  }

  /**
   * The elements of an {@code Iterable}, iterated afresh each epoch; the cardinality is unknown unless it is a
   * {@link java.util.Collection}.
   */
  public static <T> Dataset<T> fromIterable(Iterable<T> elements) {
    return new Sources.OfIterable<>(Objects.requireNonNull(elements, "elements"));
  }

  /**
   * A generator: {@code start} is called at the start of each epoch and returns the iterator of that epoch's elements
   * (possibly endless). If the iterator is {@link AutoCloseable}, it is closed with the epoch.
   */
  public static <T> Dataset<T> fromGenerator(Supplier<? extends Iterator<T>> start) {
    return new Sources.Generator<>(Objects.requireNonNull(start, "start"));
  }

  /** The numbers {@code 0, 1, ..., n-1}. */
  public static Dataset<Long> range(long n) {
    if (n < 0) {
      throw new InvalidArgumentException("Dataset.range: n = " + n + " is negative");
    }
    return new Sources.Range(n);
  }

  /** Examples {@code (a[i], b[i])} of two IDX files (plain or .gz), streamed record by record; see {@link IdxFile}. */
  public static Dataset<Example> fromIdx(Path inputs, Path labels) {
    return new IdxDataset(inputs, labels);
  }

  /**
   * Examples from two NumPy files: {@code x} and {@code y} with the examples on the first axis (y may be null). See
   * {@link Npy}.
   */
  public static Dataset<Example> fromNpy(Path x, Path y) {
    return fromArrays(Npy.read(x), y == null ? null : Npy.read(y));
  }

  /** Examples from two arrays of a NumPy {@code .npz} archive, e.g. {@code fromNpz(path, "x_train", "y_train")}. */
  public static Dataset<Example> fromNpz(Path path, String xName, String yName) {
    var arrays = Npz.read(path);
    HostArray x = arrays.get(xName), y = yName == null ? null : arrays.get(yName);
    if (x == null || (yName != null && y == null)) {
      throw new DataException(path + ": no array named '" + (x == null ? xName : yName) + "' (it holds "
          + arrays.keySet() + ")");
    }
    return fromArrays(x, y);
  }

  /**
   * Elements of the datasets one after another: {@code concatenate(a, b)} yields all of a, then all of b.
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array only feeds List.of, which copies it
  public static <T> Dataset<T> concatenate(Dataset<T>... parts) {
    return new Transforms.Concatenate<>(List.of(parts));
  }

  /** Pairs the i-th elements of {@code a} and {@code b} through {@code combine}; stops at the shorter one. */
  public static <A, B, R> Dataset<R> zip(Dataset<A> a, Dataset<B> b, BiFunction<? super A, ? super B, ? extends R> combine) {
    return new Transforms.Zip<>(a, b, combine);
  }

  /** Examples whose inputs come from {@code inputs} and whose targets are the inputs of {@code targets}. */
  public static Dataset<Example> zipExamples(Dataset<Example> inputs, Dataset<Example> targets) {
    return zip(inputs, targets, (x, y) -> new Example(x.inputs(), y.inputs(), x.weight()));
  }

  // ---- transformations ----

  /** Applies {@code f} to every element on the consumer's thread. */
  public <R> Dataset<R> map(Function<? super T, ? extends R> f) {
    return map(f, 1);
  }

  /**
   * Applies {@code f} to every element on {@code parallelism} background threads (when above 1), keeping the order.
   * Elements go to the threads in chunks of 8; at most {@code 2 * parallelism} chunks are in flight. {@code f} must
   * be safe to call from several threads.
   * A failure stops the pipeline and reaches the caller as a {@link DataException} naming the element index.
   */
  public <R> Dataset<R> map(Function<? super T, ? extends R> f, int parallelism) {
    Objects.requireNonNull(f, "f");
    return new ParallelMap<>(this, (value, rng) -> f.apply(value), 0, false, parallelism);
  }

  /**
   * Applies a random transformation (augmentation) seeded per element: element i of epoch e gets a generator seeded
   * from {@code (seed, e, i)}, so the results do not depend on the parallelism or on thread scheduling.
   */
  public <R> Dataset<R> map(SeededFunction<? super T, ? extends R> f, long seed, int parallelism) {
    Objects.requireNonNull(f, "f");
    return new ParallelMap<>(this, f, seed, true, parallelism);
  }

  /** Keeps the elements for which {@code keep} is true. */
  public Dataset<T> filter(Predicate<? super T> keep) {
    return new Transforms.Filter<>(this, Objects.requireNonNull(keep, "keep"));
  }

  /**
   * Shuffles through a buffer of {@code bufferSize} elements (a full shuffle when it holds the whole data set): each
   * element comes out of a random place in the buffer, and the buffer refills from upstream. The order depends on
   * {@code seed} and the epoch only.
   */
  public Dataset<T> shuffle(int bufferSize, long seed) {
    return new Shuffle<>(this, bufferSize, seed);
  }

  /**
   * Stacks every {@code size} consecutive {@link Example}s into a {@link Batch}; the last batch may be smaller.
   * The tensors are written in place in native memory, straight from the examples' arrays.
   */
  public Dataset<Batch> batch(int size) {
    return batch(size, false);
  }

  /** Like {@link #batch(int)}; with {@code dropRemainder} a last batch smaller than {@code size} is dropped. */
  public Dataset<Batch> batch(int size, boolean dropRemainder) {
    return new Batching.Batcher(examples("batch"), size, dropRemainder, false, 0);
  }

  /**
   * Batches examples whose arrays differ in shape (sequences of different lengths): each array is padded at the end
   * of every axis with {@code padValue} up to the largest shape in its batch.
   */
  public Dataset<Batch> paddedBatch(int size, double padValue) {
    return new Batching.Batcher(examples("paddedBatch"), size, false, true, padValue);
  }

  /**
   * Splits batches back into examples: a {@link Batch} (its tensors are read to the heap and closed) or an
   * {@link Example} whose arrays all have the same first dimension.
   */
  public Dataset<Example> unbatch() {
    return new Batching.Unbatcher<>(this);
  }

  /** Repeats the data set forever; each repetition is a new epoch of the stages above (a new shuffle). */
  public Dataset<T> repeat() {
    return new Transforms.Repeat<>(this, -1);
  }

  /** Repeats the data set {@code count} times. */
  public Dataset<T> repeat(long count) {
    if (count < 0) {
      throw new InvalidArgumentException("repeat: count " + count + " is negative (use repeat() for endless)");
    }
    return new Transforms.Repeat<>(this, count);
  }

  /** The first {@code count} elements. */
  public Dataset<T> take(long count) {
    if (count < 0) {
      throw new InvalidArgumentException("take: count " + count + " is negative");
    }
    return new Transforms.Take<>(this, count);
  }

  /** All but the first {@code count} elements. */
  public Dataset<T> skip(long count) {
    if (count < 0) {
      throw new InvalidArgumentException("skip: count " + count + " is negative");
    }
    return new Transforms.Skip<>(this, count);
  }

  /** This data set followed by {@code other}. */
  public Dataset<T> concatenate(Dataset<T> other) {
    return new Transforms.Concatenate<>(List.of(this, other));
  }

  /**
   * Maps each element to a data set and interleaves them: {@code cycleLength} of them are open at once, and
   * {@code blockLength} consecutive elements are taken from each in turn (e.g. one data set per file, read in
   * alternation).
   */
  public <R> Dataset<R> interleave(Function<? super T, Dataset<R>> f, int cycleLength, int blockLength) {
    return new Transforms.Interleave<>(this, Objects.requireNonNull(f, "f"), cycleLength, blockLength);
  }

  /**
   * Produces up to {@code bufferSize} elements ahead on a background thread, so the next batches are ready while the
   * engine computes. Closing the iterator stops the thread and frees the buffered elements.
   */
  public Dataset<T> prefetch(int bufferSize) {
    return new Prefetch<>(this, bufferSize);
  }

  /**
   * Like {@link #prefetch(int)} for batches bound for a device (a GPU): on a background thread, each {@link Batch} is
   * written into pinned (page-locked) host memory and its copy to the device is started on the device's copy stream,
   * so the transfer of the next batches overlaps the computation on the current one. The batches come out on
   * {@code device}, in order; the device's compute stream waits for each copy by itself (an event), so nothing waits
   * on the host until values are read back. Up to {@code bufferSize} batches are held ahead, on the device. Closing
   * the iterator stops the thread and frees the buffered batches and the pinned memory. Put it last in the pipeline.
   *
   * <pre>{@code
   * Device gpu = Device.cuda(0);
   * Dataset<Batch> train = Dataset.fromArrays(pixels, new long[] {n, 784}, labels)
   *     .shuffle(10_000, 42)
   *     .batch(64)
   *     .prefetchToDevice(gpu, 2);         // batches arrive on the GPU, copied while the previous ones train
   * model.to(gpu).fit(train, new FitOptions().epochs(5));
   * }</pre>
   *
   * <p>On the CPU the same path runs with plain memory and immediate copies (useful for testing a pipeline only).
   *
   * @throws org.neurite.DeviceException when the device cannot be used (no GPU, driver or CUDA library), saying why
   * @throws DataException when iterated, for an element that is not a {@link Batch}
   */
  @SuppressWarnings("unchecked")
  public Dataset<Batch> prefetchToDevice(Device device, int bufferSize) {
    Objects.requireNonNull(device, "prefetchToDevice: device");
    if (bufferSize < 1) {
      throw new InvalidArgumentException("prefetchToDevice: bufferSize " + bufferSize + " must be at least 1");
    }
    device.check();
    Dataset<Batch> batches = new Transforms.Checked<>((Dataset<Object>) this, Batch.class, "prefetchToDevice");
    return new Prefetch<>(new DeviceStaging(batches, device), bufferSize);
  }

  /**
   * Keeps the elements of the first complete epoch in memory and replays them in later epochs, skipping the stages
   * above (decoding, parsing, expensive maps). Put it before {@code shuffle} and {@code batch}. An epoch that is
   * closed early caches nothing.
   */
  public Dataset<T> cache() {
    return new Caching.InMemory<>(this);
  }

  /**
   * Like {@link #cache()}, but to a file, which outlives the process: the first complete epoch writes {@code path}
   * (atomically, when it ends); later epochs, and later runs, read it instead of running the stages above.
   */
  public Dataset<Example> cache(Path path) {
    return new Caching.OnDisk(examples("cache"), Objects.requireNonNull(path, "path"));
  }

  /**
   * Splits by fractions (which sum to at most 1) of a known number of elements, with the positions assigned at random
   * from {@code seed}: e.g. {@code split(seed, 0.8, 0.1, 0.1)} for train, validation and test. The splits are
   * disjoint and stable across epochs; the stages above must yield the same elements in the same order every epoch
   * (split before shuffling).
   */
  public List<Dataset<T>> split(long seed, double... fractions) {
    return Splits.byFraction(this, seed, fractions);
  }

  /** The elements at the given positions (in increasing order of position); reads epoch 0 of the stages above. */
  public Dataset<T> select(long[] positions) {
    return Transforms.select(this, positions);
  }

  // ---- consuming ----

  /** All elements of one epoch in a list (for small data sets and tests). */
  public List<T> toList() {
    List<T> out = new ArrayList<>();
    try (DatasetIterator<T> it = iterator()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  /** Counts the elements of one epoch (iterating when the cardinality is not known; frees Batch elements). */
  public long count() {
    long c = cardinality();
    if (c >= 0) {
      return c;
    }
    if (c == INFINITE) {
      throw new InvalidArgumentException("count: " + describe() + " is infinite");
    }
    long n = 0;
    try (DatasetIterator<T> it = iterator()) {
      while (it.hasNext()) {
        DataUtil.release(it.next());
        n++;
      }
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  Dataset<Example> examples(String stage) {
    return new Transforms.Checked<>((Dataset<Object>) this, Example.class, stage);
  }
}
