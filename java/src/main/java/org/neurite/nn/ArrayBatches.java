package org.neurite.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.ShapeException;
import org.neurite.Tensor;
import org.neurite.data.Batch;

/**
 * In-memory inputs, targets and weights cut into batches for fit/evaluate/predict: contiguous slices (views, no copy)
 * in order, or rows gathered through a shuffled index (one engine gather per tensor per batch).
 */
final class ArrayBatches implements AutoCloseable {
  private final String owner;
  private final List<Tensor> x, y;
  private final Tensor sampleWeight;
  private final Tensor classWeights;
  private final long begin, end;

  ArrayBatches(String owner, List<Tensor> x, List<Tensor> y, Tensor sampleWeight, Map<Integer, Double> classWeight) {
    this(owner, x, y == null ? List.of() : y, sampleWeight, classWeights(owner, classWeight), 0, count(owner, x, y, sampleWeight));
  }

  private ArrayBatches(String owner, List<Tensor> x, List<Tensor> y, Tensor w, Tensor cw, long begin, long end) {
    this.owner = owner;
    this.x = x;
    this.y = y;
    this.sampleWeight = w;
    this.classWeights = cw;
    this.begin = begin;
    this.end = end;
  }

  private static long count(String owner, List<Tensor> x, List<Tensor> y, Tensor w) {
    if (x.isEmpty()) {
      throw new InvalidArgumentException(owner + ": no inputs given");
    }
    long n = -1;
    List<Tensor> all = new ArrayList<>(x);
    if (y != null) {
      all.addAll(y);
    }
    if (w != null) {
      all.add(w);
    }
    for (Tensor t : all) {
      if (t.ndim() == 0) {
        throw new ShapeException(owner + ": inputs and targets need a first dimension of samples, got a scalar");
      }
      if (n >= 0 && t.dim(0) != n) {
        throw new ShapeException(owner + ": inputs, targets and weights must have the same number of samples, got "
            + n + " and " + t.dim(0));
      }
      n = t.dim(0);
    }
    return n;
  }

  private static Tensor classWeights(String owner, Map<Integer, Double> cw) {
    if (cw == null || cw.isEmpty()) {
      return null;
    }
    int max = 0;
    for (int k : cw.keySet()) {
      if (k < 0) {
        throw new InvalidArgumentException(owner + ": class weights need class numbers >= 0, got " + k);
      }
      max = Math.max(max, k);
    }
    float[] w = new float[max + 1];
    java.util.Arrays.fill(w, 1f);
    cw.forEach((k, v) -> w[k] = v.floatValue());
    return org.neurite.Scope.untracked(() -> Tensor.of(w, w.length));
  }

  /** Frees the class-weight table (shared by every range of these arrays). */
  @Override
  public void close() {
    if (classWeights != null) {
      classWeights.close();
    }
  }

  long size() {
    return end - begin;
  }

  ArrayBatches range(long from, long to) {
    return new ArrayBatches(owner, x, y, sampleWeight, classWeights, begin + from, begin + to);
  }

  long batches(int batchSize) {
    return (size() + batchSize - 1) / batchSize;
  }

  /** A permutation of this range's rows (absolute indices) for one epoch, untracked (the caller closes it). */
  Tensor permutation(long seed) {
    int n = Math.toIntExact(size());
    long[] idx = new long[n];
    for (int i = 0; i < n; i++) {
      idx[i] = begin + i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return org.neurite.Scope.untracked(() -> Tensor.of(idx, n));
  }

  /** Batch {@code b} of size {@code batchSize}: rows from {@code perm} when given, else in order (views). */
  Batch batch(long b, int batchSize, Tensor perm) {
    long from = b * batchSize, to = Math.min(size(), from + batchSize);
    Tensor index = perm == null ? null : perm.slice(0, from, to, 1);
    List<Tensor> xs = new ArrayList<>(), ys = new ArrayList<>();
    for (Tensor t : x) {
      xs.add(take(t, index, from, to));
    }
    for (Tensor t : y) {
      ys.add(take(t, index, from, to));
    }
    Tensor w = sampleWeight == null ? null : take(sampleWeight, index, from, to);
    if (classWeights != null && !ys.isEmpty()) {
      Tensor labels = classIndex(ys.get(0));
      Tensor cw = classWeights.gather(onDeviceOf(classWeights, labels), 0);
      w = w == null ? cw : w.mul(onDeviceOf(w, cw));
    }
    return new Batch(xs, ys, w);
  }

  private Tensor take(Tensor t, Tensor index, long from, long to) {
    return index == null ? t.slice(0, begin + from, begin + to, 1) : t.gather(onDeviceOf(t, index), 0);
  }

  /** {@code t}, on {@code place}'s device (arrays given on a GPU are gathered there, by a host-made index). */
  private static Tensor onDeviceOf(Tensor place, Tensor t) {
    org.neurite.Device device = place.device();
    return t.device().equals(device) ? t : t.to(device);
  }

  private Tensor classIndex(Tensor target) {
    Tensor labels = target;
    if (labels.ndim() == 2 && labels.dim(1) > 1) {
      labels = labels.argmax(1);
    } else if (labels.ndim() == 2) {
      labels = labels.squeeze(1);
    }
    return labels.dtype() == DType.I64 || labels.dtype() == DType.I32 ? labels : labels.cast(DType.I64);
  }
}
