package org.neurite.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.neurite.InvalidArgumentException;

/**
 * Runs the stages above on a background thread that stays up to {@code bufferSize} elements ahead of the consumer.
 * Failures travel through the queue and are thrown to the consumer in order, after the elements made before them.
 */
final class Prefetch<T> extends Stage<T, T> {
  private static final Object END = new Object();

  private record Failure(RuntimeException error) {}

  private final int bufferSize;

  Prefetch(Dataset<T> upstream, int bufferSize) {
    super(upstream);
    if (bufferSize < 1) {
      throw new InvalidArgumentException("prefetch: bufferSize " + bufferSize + " must be at least 1");
    }
    this.bufferSize = bufferSize;
  }

  @Override
  String describe() {
    return upstream.describe() + ".prefetch(" + bufferSize + ")";
  }

  @Override
  DatasetIterator<T> open(long epoch) {
    ArrayBlockingQueue<Object> queue = new ArrayBlockingQueue<>(bufferSize);
    DatasetIterator<T> it = upstream.open(epoch);
    Thread producer = DataUtil.threads("prefetch").newThread(() -> produce(it, queue));
    producer.start();
    return new PullIterator<>() {
      @Override
      @SuppressWarnings("unchecked")
      protected T pull() {
        Object item;
        try {
          item = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DataException(describe() + ": interrupted while waiting for the next element");
        }
        if (item == END) {
          return null;
        }
        if (item instanceof Failure f) {
          throw f.error();
        }
        return (T) item;
      }

      @Override
      protected void release() {
        producer.interrupt();
        try {
          producer.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        for (Object item; (item = queue.poll()) != null; ) {
          DataUtil.release(item);
        }
      }
    };
  }

  private static <T> void produce(DatasetIterator<T> it, ArrayBlockingQueue<Object> queue) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Object item;
        try {
          item = it.hasNext() ? it.next() : END;
        } catch (RuntimeException e) {
          item = new Failure(e);
        } catch (Error e) {
          item = new Failure(new DataException("prefetch: " + e, e));
        }
        try {
          queue.put(item);
        } catch (InterruptedException e) {
          DataUtil.release(item); // the consumer closed the iterator: nobody will take this element
          return;
        }
        if (item == END || item instanceof Failure) {
          return;
        }
      }
    } finally {
      it.close();
    }
  }
}
