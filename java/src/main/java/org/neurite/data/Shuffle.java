package org.neurite.data;

import java.util.ArrayList;
import java.util.SplittableRandom;
import org.neurite.InvalidArgumentException;

/**
 * Buffered shuffle, as in tf.data: a buffer of up to {@code bufferSize} elements; each output is drawn from a random
 * place in it and replaced by the next upstream element. The generator is seeded from (seed, epoch), so every epoch
 * has its own order and the same epoch always has the same one. Over an in-memory source that the buffer would hold
 * entirely, the positions are permuted instead (Fisher-Yates) and the elements fetched one by one, so the buffer costs
 * one long per element rather than the elements themselves.
 */
final class Shuffle<T> extends Stage<T, T> {
  private final int bufferSize;
  private final long seed;

  Shuffle(Dataset<T> upstream, int bufferSize, long seed) {
    super(upstream);
    if (bufferSize < 1) {
      throw new InvalidArgumentException("shuffle: bufferSize " + bufferSize + " must be at least 1");
    }
    this.bufferSize = bufferSize;
    this.seed = seed;
  }

  @Override
  DatasetIterator<T> open(long epoch) {
    SplittableRandom rng = new SplittableRandom(DataUtil.mix(seed, epoch, -1));
    if (upstream instanceof Sources.Indexed<T> indexed && indexed.size() <= bufferSize) {
      long[] order = Splits.permutation(indexed.size(), rng);
      return new PullIterator<>() {
        int next;

        @Override
        protected T pull() {
          return next < order.length ? indexed.get(order[next++]) : null;
        }

        @Override
        protected void release() {}
      };
    }
    return new StageIterator<>(upstream.open(epoch)) {
      final ArrayList<T> buffer = new ArrayList<>();

      @Override
      protected T pull() {
        while (buffer.size() < bufferSize && input.hasNext()) {
          buffer.add(input.next());
        }
        if (buffer.isEmpty()) {
          return null;
        }
        int pick = rng.nextInt(buffer.size());
        T value = buffer.get(pick);
        buffer.set(pick, buffer.get(buffer.size() - 1));
        buffer.remove(buffer.size() - 1);
        return value;
      }

      @Override
      protected void release() {
        buffer.forEach(DataUtil::release);
        buffer.clear();
        input.close();
      }
    };
  }

  @Override
  String describe() {
    return upstream.describe() + ".shuffle(" + bufferSize + ")";
  }
}
