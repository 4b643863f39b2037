package org.neurite.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.neurite.InvalidArgumentException;

/** The element-order transformations of {@link Dataset}: filter, take, skip, repeat, concatenate, zip, interleave. */
final class Transforms {
  private Transforms() {}

  /** Checks that every element is of the class a stage needs (Example for batch and cache). */
  static final class Checked<T> extends Stage<Object, T> {
    private final Class<T> type;
    private final String stage;

    Checked(Dataset<Object> upstream, Class<T> type, String stage) {
      super(upstream);
      this.type = type;
      this.stage = stage;
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        long index;

        @Override
        protected T pull() {
          if (!input.hasNext()) {
            return null;
          }
          Object value = input.next();
          if (!type.isInstance(value)) {
            DataUtil.release(value);
            throw new DataException(stage + ": element " + index + " of " + upstream.describe() + " is a "
                + value.getClass().getSimpleName() + ", but " + stage + " needs " + type.getSimpleName()
                + " elements");
          }
          index++;
          return type.cast(value);
        }
      };
    }

    @Override
    String describe() {
      return upstream.describe();
    }
  }

  static final class Filter<T> extends Stage<T, T> {
    private final Predicate<? super T> keep;

    Filter(Dataset<T> upstream, Predicate<? super T> keep) {
      super(upstream);
      this.keep = keep;
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        long index;

        @Override
        protected T pull() {
          while (input.hasNext()) {
            T value = input.next();
            boolean kept;
            try {
              kept = keep.test(value);
            } catch (RuntimeException e) {
              DataUtil.release(value);
              throw DataUtil.failure("filter over " + upstream.describe(), index, e);
            }
            index++;
            if (kept) {
              return value;
            }
            DataUtil.release(value);
          }
          return null;
        }
      };
    }

    @Override
    public long cardinality() {
      return upstream.cardinality() == INFINITE ? INFINITE : UNKNOWN;
    }

    @Override
    String describe() {
      return upstream.describe() + ".filter";
    }
  }

  static final class Take<T> extends Stage<T, T> {
    private final long count;

    Take(Dataset<T> upstream, long count) {
      super(upstream);
      this.count = count;
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        long taken;

        @Override
        protected T pull() {
          if (taken >= count || !input.hasNext()) {
            input.close(); // stops upstream threads as soon as the last element is out
            return null;
          }
          taken++;
          return input.next();
        }
      };
    }

    @Override
    public long cardinality() {
      long c = upstream.cardinality();
      return c == INFINITE ? count : c == UNKNOWN ? UNKNOWN : Math.min(c, count);
    }

    @Override
    String describe() {
      return upstream.describe() + ".take(" + count + ")";
    }
  }

  static final class Skip<T> extends Stage<T, T> {
    private final long count;

    Skip(Dataset<T> upstream, long count) {
      super(upstream);
      this.count = count;
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        boolean skipped;

        @Override
        protected T pull() {
          if (!skipped) {
            skipped = true;
            for (long i = 0; i < count && input.hasNext(); i++) {
              DataUtil.release(input.next());
            }
          }
          return input.hasNext() ? input.next() : null;
        }
      };
    }

    @Override
    public long cardinality() {
      long c = upstream.cardinality();
      return c < 0 ? c : Math.max(0, c - count);
    }

    @Override
    String describe() {
      return upstream.describe() + ".skip(" + count + ")";
    }
  }

  /**
   * The elements of upstream iterators opened one after another (repeat's rounds, concatenate's parts): each is
   * opened once the one before is spent, and closed then.
   */
  private abstract static class Chain<T> extends PullIterator<T> {
    private DatasetIterator<T> current;
    private long part;
    private boolean partEmpty; // the part opened last has given no element yet

    /**
     * Opens part {@code part} (0, 1, ...), or returns null when there is none; {@code previousEmpty} tells whether
     * the part before it gave no element.
     */
    abstract DatasetIterator<T> openPart(long part, boolean previousEmpty);

    @Override
    protected final T pull() {
      while (true) {
        if (current == null) {
          current = openPart(part, part > 0 && partEmpty);
          if (current == null) {
            return null;
          }
          partEmpty = true;
        }
        if (current.hasNext()) {
          partEmpty = false;
          return current.next();
        }
        current.close();
        current = null;
        part++;
      }
    }

    @Override
    protected final void release() {
      if (current != null) {
        current.close();
      }
    }
  }

  /** count < 0: forever. Repetition r of epoch e opens epoch {@code e * count + r} upstream (a fresh shuffle each). */
  static final class Repeat<T> extends Stage<T, T> {
    private final long count;

    Repeat(Dataset<T> upstream, long count) {
      super(upstream);
      this.count = count;
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new Chain<>() {
        @Override
        DatasetIterator<T> openPart(long round, boolean previousEmpty) {
          if (count < 0 ? previousEmpty : round >= count) {
            return null; // an empty data set repeated forever is still empty, not an endless loop
          }
          return upstream.open(count < 0 ? DataUtil.mix(epoch, round, 0) & Long.MAX_VALUE : epoch * count + round);
        }
      };
    }

    @Override
    public long cardinality() {
      long c = upstream.cardinality();
      if (c == 0) {
        return 0;
      }
      if (count < 0) {
        return INFINITE;
      }
      return c < 0 ? c : c * count;
    }

    @Override
    String describe() {
      return upstream.describe() + ".repeat(" + (count < 0 ? "" : count) + ")";
    }
  }

  static final class Concatenate<T> extends Dataset<T> {
    private final List<Dataset<T>> parts;

    Concatenate(List<Dataset<T>> parts) {
      if (parts.isEmpty()) {
        throw new InvalidArgumentException("concatenate: no data sets given");
      }
      this.parts = List.copyOf(parts);
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      return new Chain<>() {
        @Override
        DatasetIterator<T> openPart(long part, boolean previousEmpty) {
          return part < parts.size() ? parts.get((int) part).open(epoch) : null;
        }
      };
    }

    @Override
    public long cardinality() {
      long sum = 0;
      for (Dataset<T> d : parts) {
        long c = d.cardinality();
        if (c == INFINITE) {
          return INFINITE;
        }
        if (c == UNKNOWN) {
          sum = UNKNOWN;
        } else if (sum != UNKNOWN) {
          sum += c;
        }
      }
      return sum;
    }

    @Override
    String describe() {
      List<String> names = new ArrayList<>();
      parts.forEach(p -> names.add(p.describe()));
      return "concatenate(" + String.join(", ", names) + ")";
    }
  }

  static final class Zip<A, B, R> extends Dataset<R> {
    private final Dataset<A> a;
    private final Dataset<B> b;
    private final BiFunction<? super A, ? super B, ? extends R> combine;

    Zip(Dataset<A> a, Dataset<B> b, BiFunction<? super A, ? super B, ? extends R> combine) {
      this.a = a;
      this.b = b;
      this.combine = combine;
    }

    @Override
    DatasetIterator<R> open(long epoch) {
      DatasetIterator<A> ia = a.open(epoch);
      DatasetIterator<B> ib;
      try {
        ib = b.open(epoch);
      } catch (RuntimeException e) {
        ia.close();
        throw e;
      }
      return new PullIterator<>() {
        long index;

        @Override
        protected R pull() {
          if (!ia.hasNext() || !ib.hasNext()) {
            return null;
          }
          A x = ia.next();
          B y = ib.next();
          try {
            R r = combine.apply(x, y);
            index++;
            return r;
          } catch (RuntimeException e) {
            throw DataUtil.failure("zip(" + a.describe() + ", " + b.describe() + ")", index, e);
          }
        }

        @Override
        protected void release() {
          ia.close();
          ib.close();
        }
      };
    }

    @Override
    public long cardinality() {
      long ca = a.cardinality(), cb = b.cardinality();
      if (ca >= 0 && cb >= 0) {
        return Math.min(ca, cb);
      }
      if (ca == INFINITE && cb == INFINITE) {
        return INFINITE;
      }
      if (ca == INFINITE || cb == INFINITE) {
        return Math.max(ca, cb) >= 0 ? Math.max(ca, cb) : UNKNOWN;
      }
      return UNKNOWN;
    }

    @Override
    String describe() {
      return "zip(" + a.describe() + ", " + b.describe() + ")";
    }
  }

  static final class Interleave<T, R> extends Stage<T, R> {
    private final Function<? super T, Dataset<R>> f;
    private final int cycleLength;
    private final int blockLength;

    Interleave(Dataset<T> upstream, Function<? super T, Dataset<R>> f, int cycleLength, int blockLength) {
      super(upstream);
      if (cycleLength < 1 || blockLength < 1) {
        throw new InvalidArgumentException("interleave: cycleLength " + cycleLength + " and blockLength " + blockLength
            + " must be at least 1");
      }
      this.f = f;
      this.cycleLength = cycleLength;
      this.blockLength = blockLength;
    }

    @Override
    DatasetIterator<R> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        final List<DatasetIterator<R>> open = new ArrayList<>();
        int slot;
        int inBlock;
        long index;

        boolean started;

        private DatasetIterator<R> openNext() {
          T value = input.next();
          Dataset<R> inner;
          try {
            inner = f.apply(value);
          } catch (RuntimeException e) {
            throw DataUtil.failure("interleave over " + upstream.describe(), index, e);
          }
          index++;
          return inner.open(epoch);
        }

        @Override
        protected R pull() {
          if (!started) {
            started = true;
            while (open.size() < cycleLength && input.hasNext()) {
              open.add(openNext());
            }
          }
          while (!open.isEmpty()) {
            if (slot >= open.size()) {
              slot = 0;
            }
            if (inBlock >= blockLength) {
              inBlock = 0;
              slot++;
              continue;
            }
            DatasetIterator<R> it = open.get(slot);
            if (it.hasNext()) {
              inBlock++;
              return it.next();
            }
            it.close();
            // the next upstream element takes the finished one's place in the cycle, as in tf.data
            if (input.hasNext()) {
              open.set(slot, openNext());
            } else {
              open.remove(slot);
            }
            inBlock = 0;
          }
          return null;
        }

        @Override
        protected void release() {
          for (DatasetIterator<R> it : open) {
            it.close();
          }
          open.clear();
          input.close();
        }
      };
    }

    @Override
    public long cardinality() {
      return upstream.cardinality() == 0 ? 0 : UNKNOWN;
    }

    @Override
    String describe() {
      return upstream.describe() + ".interleave(" + cycleLength + ", " + blockLength + ")";
    }
  }

  /** Positions must be increasing; indexed sources fetch them directly, other sources are scanned once per epoch. */
  static <T> Dataset<T> select(Dataset<T> source, long[] positions) {
    long[] sorted = positions.clone();
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] <= sorted[i - 1]) {
        throw new InvalidArgumentException("select: positions must be strictly increasing (position " + i + ": "
            + sorted[i] + " after " + sorted[i - 1] + ")");
      }
    }
    if (sorted.length > 0 && sorted[0] < 0) {
      throw new InvalidArgumentException("select: negative position " + sorted[0]);
    }
    long c = source.cardinality();
    if (c >= 0 && sorted.length > 0 && sorted[sorted.length - 1] >= c) {
      throw new InvalidArgumentException("select: position " + sorted[sorted.length - 1] + " is out of range for "
          + source.describe() + " (" + c + " elements)");
    }
    if (source instanceof Sources.Indexed<T> indexed) {
      return new Sources.Selected<>(indexed, sorted);
    }
    return new Stage<T, T>(source) {
      @Override
      DatasetIterator<T> open(long epoch) {
        // always epoch 0 upstream: a split's membership must not change from one epoch to the next
        return new StageIterator<>(upstream.open(0)) {
          long position;
          int next;

          @Override
          protected T pull() {
            while (next < sorted.length && input.hasNext()) {
              T value = input.next();
              if (position++ == sorted[next]) {
                next++;
                return value;
              }
              DataUtil.release(value);
            }
            input.close();
            return null;
          }
        };
      }

      @Override
      public long cardinality() {
        return sorted.length;
      }

      @Override
      String describe() {
        return source.describe() + ".select(" + sorted.length + " positions)";
      }
    };
  }
}
