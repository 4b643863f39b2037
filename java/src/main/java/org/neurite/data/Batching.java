package org.neurite.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.neurite.DType;
import org.neurite.InvalidArgumentException;
import org.neurite.Scope;
import org.neurite.Tensor;

/** batch, paddedBatch and unbatch: the step from examples on the heap to tensors in native memory and back. */
final class Batching {
  private Batching() {}

  static final class Batcher extends Stage<Example, Batch> {
    private final int size;
    private final boolean dropRemainder;
    private final boolean padded;
    private final double padValue;

    Batcher(Dataset<Example> upstream, int size, boolean dropRemainder, boolean padded, double padValue) {
      super(upstream);
      if (size < 1) {
        throw new InvalidArgumentException("batch: size " + size + " must be at least 1");
      }
      this.size = size;
      this.dropRemainder = dropRemainder;
      this.padded = padded;
      this.padValue = padValue;
    }

    @Override
    public long cardinality() {
      long c = upstream.cardinality();
      if (c < 0) {
        return c;
      }
      return dropRemainder ? c / size : (c + size - 1) / size;
    }

    @Override
    String describe() {
      return upstream.describe() + (padded ? ".paddedBatch(" : ".batch(") + size + ")";
    }

    @Override
    DatasetIterator<Batch> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        long first;

        @Override
        protected Batch pull() {
          List<Example> examples = new ArrayList<>(size);
          while (examples.size() < size && input.hasNext()) {
            examples.add(input.next());
          }
          if (examples.isEmpty() || (dropRemainder && examples.size() < size)) {
            return null;
          }
          Batch b = assemble(examples, first);
          first += examples.size();
          return b;
        }
      };
    }

    private Batch assemble(List<Example> examples, long first) {
      Example head = examples.get(0);
      for (int i = 1; i < examples.size(); i++) {
        Example e = examples.get(i);
        if (e.inputs().size() != head.inputs().size() || e.targets().size() != head.targets().size()
            || (e.weight() == null) != (head.weight() == null)) {
          throw new DataException(describe() + ": element " + (first + i) + " is " + e + " but element " + first
              + " is " + head + ": the examples of a batch must have the same structure");
        }
      }
      // Scope.untracked: the batch belongs to the consumer, whatever scope is open on this thread.
      List<Tensor> made = new ArrayList<>();
      try {
        List<Tensor> inputs = new ArrayList<>();
        for (int k = 0; k < head.inputs().size(); k++) {
          final int slot = k;
          inputs.add(track(made, stack(examples, e -> e.inputs().get(slot), "input " + k, first)));
        }
        List<Tensor> targets = new ArrayList<>();
        for (int k = 0; k < head.targets().size(); k++) {
          final int slot = k;
          targets.add(track(made, stack(examples, e -> e.targets().get(slot), "target " + k, first)));
        }
        Tensor weights = null;
        if (head.weight() != null) {
          weights = track(made, stack(examples, e -> e.weight().reshape().toF32(), "weight", first));
        }
        return new Batch(inputs, targets, weights);
      } catch (RuntimeException e) {
        made.forEach(Tensor::close);
        throw e;
      }
    }

    private static Tensor track(List<Tensor> made, Tensor t) {
      made.add(t);
      return t;
    }

    /** Writes the examples' arrays one after another straight into a new tensor's native storage. */
    private Tensor stack(List<Example> examples, java.util.function.Function<Example, HostArray> part, String what,
        long first) {
      List<HostArray> parts = new ArrayList<>(examples.size());
      for (Example e : examples) {
        parts.add(part.apply(e));
      }
      HostArray head = parts.get(0);
      long[] target = head.shape();
      for (int i = 1; i < parts.size(); i++) {
        HostArray a = parts.get(i);
        if (a.dtype() != head.dtype()) {
          throw new DataException(describe() + ": element " + (first + i) + " has " + what + " " + a + " but element "
              + first + " has " + head + ": the dtypes of a batch must match");
        }
        if (!Arrays.equals(a.shape(), target)) {
          if (!padded || a.ndim() != target.length) {
            throw new DataException(describe() + ": element " + (first + i) + " has " + what + " " + a
                + " but element " + first + " has " + head
                + (padded ? ": padded batches need arrays of one rank" : ": use paddedBatch for arrays of different shapes"));
          }
          for (int d = 0; d < target.length; d++) {
            target[d] = Math.max(target[d], a.dim(d));
          }
        }
      }
      long[] shape = new long[target.length + 1];
      shape[0] = parts.size();
      System.arraycopy(target, 0, shape, 1, target.length);
      DType dtype = head.dtype();
      long[] padTo = padded ? target : null;
      return Scope.untracked(() -> Tensor.filledBy(dtype, shape, buf -> HostArray.stackInto(buf, parts, padTo, padValue)));
    }
  }

  /** Batches (or batched examples) back to single examples. */
  static final class Unbatcher<S> extends Stage<S, Example> {
    Unbatcher(Dataset<S> upstream) {
      super(upstream);
    }

    @Override
    public long cardinality() {
      return upstream.cardinality() == INFINITE ? INFINITE : UNKNOWN;
    }

    @Override
    String describe() {
      return upstream.describe() + ".unbatch";
    }

    @Override
    DatasetIterator<Example> open(long epoch) {
      return new StageIterator<>(upstream.open(epoch)) {
        final ArrayDeque<Example> pending = new ArrayDeque<>();
        long index;

        @Override
        protected Example pull() {
          while (pending.isEmpty() && input.hasNext()) {
            Object element = input.next();
            Example batched = toHost(element, index++);
            long rows = rows(batched, index - 1);
            for (long r = 0; r < rows; r++) {
              final long row = r;
              pending.add(new Example(batched.inputs().stream().map(a -> a.row(row)).toList(),
                  batched.targets().stream().map(a -> a.row(row)).toList(),
                  batched.weight() == null ? null : batched.weight().row(row)));
            }
          }
          return pending.poll();
        }

        @Override
        protected void release() {
          pending.clear();
          input.close();
        }
      };
    }

    private Example toHost(Object element, long index) {
      if (element instanceof Example e) {
        return e;
      }
      if (element instanceof Batch b) {
        try (b) {
          return new Example(b.inputs().stream().map(HostArray::fromTensor).toList(),
              b.targets().stream().map(HostArray::fromTensor).toList(),
              b.sampleWeights() == null ? null : HostArray.fromTensor(b.sampleWeights()));
        }
      }
      DataUtil.release(element);
      throw new DataException(describe() + ": element " + index + " is a " + element.getClass().getSimpleName()
          + "; unbatch needs Batch or Example elements");
    }

    private long rows(Example e, long index) {
      long rows = -1;
      List<HostArray> all = new ArrayList<>(e.inputs());
      all.addAll(e.targets());
      if (e.weight() != null) {
        all.add(e.weight());
      }
      for (HostArray a : all) {
        if (a.ndim() == 0 || (rows >= 0 && a.dim(0) != rows)) {
          throw new DataException(describe() + ": element " + index + " (" + e + ") has arrays without a common"
              + " first axis to unbatch along");
        }
        rows = a.dim(0);
      }
      return rows;
    }
  }
}
