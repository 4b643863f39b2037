package org.neurite.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.neurite.InvalidArgumentException;

/**
 * {@code map} with a parallelism level: elements are pulled upstream in order on the consumer's thread, handed to a
 * pool of {@code parallelism} threads in chunks of {@value #CHUNK} consecutive elements (so that cheap functions are
 * not drowned by hand-over costs), and their results taken back in the same order. At most
 * {@code 2 * parallelism} chunks are in flight, which bounds the memory. A seeded map gets a generator per element
 * seeded from (seed, epoch, index), so thread scheduling cannot change its results.
 */
final class ParallelMap<T, R> extends Stage<T, R> {
  /** Elements per task: enough to amortise a hand-over (microseconds), few enough to keep the window small. */
  static final int CHUNK = 8;

  private final SeededFunction<? super T, ? extends R> f;
  private final long seed;
  private final boolean seeded;
  private final int parallelism;

  ParallelMap(Dataset<T> upstream, SeededFunction<? super T, ? extends R> f, long seed, boolean seeded, int parallelism) {
    super(upstream);
    if (parallelism < 1) {
      throw new InvalidArgumentException("map: parallelism " + parallelism + " must be at least 1");
    }
    this.f = f;
    this.seed = seed;
    this.seeded = seeded;
    this.parallelism = parallelism;
  }

  @Override
  String describe() {
    return upstream.describe() + ".map" + (parallelism > 1 ? "(parallelism " + parallelism + ")" : "");
  }

  private R apply(T value, long epoch, long index) {
    SplittableRandom rng = seeded ? new SplittableRandom(DataUtil.mix(seed, epoch, index)) : null;
    R result;
    try {
      result = f.apply(value, rng);
    } catch (RuntimeException | Error e) {
      throw DataUtil.failure("map over " + upstream.describe(), index, e);
    }
    if (result == null) {
      throw new DataException("map over " + upstream.describe() + ": element " + index + " was mapped to null");
    }
    return result;
  }

  @Override
  DatasetIterator<R> open(long epoch) {
    DatasetIterator<T> it = upstream.open(epoch);
    if (parallelism == 1) {
      return new StageIterator<>(it) {
        long index;

        @Override
        protected R pull() {
          return input.hasNext() ? apply(input.next(), epoch, index++) : null;
        }
      };
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, DataUtil.threads("map"));
    return new StageIterator<>(it) {
      final ArrayDeque<Task<T, R>> inFlight = new ArrayDeque<>();
      Chunk<R> current;
      int delivered;
      long index;

      @Override
      protected R pull() {
        while (true) {
          if (current != null) {
            if (delivered < current.results().size()) {
              return current.results().get(delivered++);
            }
            RuntimeException error = current.error();
            current = null;
            if (error != null) {
              throw error; // after every element of the chunk that came before the failing one
            }
          }
          while (inFlight.size() < 2 * parallelism && input.hasNext()) {
            List<T> inputs = new ArrayList<>(CHUNK);
            while (inputs.size() < CHUNK && input.hasNext()) {
              inputs.add(input.next());
            }
            long first = index;
            index += inputs.size();
            inFlight.add(new Task<>(inputs, pool.submit(() -> applyAll(inputs, epoch, first))));
          }
          Task<T, R> head = inFlight.peek();
          if (head == null) {
            return null;
          }
          try {
            current = head.result().get();
          } catch (InterruptedException e) {
            // the head stays in the window, so release() frees its results when they arrive
            Thread.currentThread().interrupt();
            throw new DataException(describe() + ": interrupted while waiting for the next element");
          } catch (ExecutionException e) {
            inFlight.poll();
            throw new DataException(describe() + ": " + e.getCause(), e.getCause());
          }
          inFlight.poll();
          delivered = 0;
        }
      }

      @Override
      protected void release() {
        pool.shutdownNow(); // queued tasks never start; running ones are interrupted
        // Closing often happens on an interrupted thread (a prefetch producer told to stop): wait for the pool anyway,
        // so that no map thread outlives the iterator, and restore the interrupt afterwards.
        boolean interrupted = Thread.interrupted();
        try {
          input.close();
          long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
          while (!pool.isTerminated() && System.nanoTime() < deadline) {
            try {
              pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
              interrupted = true;
            }
          }
        } finally {
          // undelivered results, and the inputs of chunks that never ran, may own native memory (Batches)
          if (current != null) {
            current.results().subList(delivered, current.results().size()).forEach(DataUtil::release);
            current = null;
          }
          for (Task<T, R> task : inFlight) {
            Future<Chunk<R>> fut = task.result();
            if (!fut.isDone()) {
              task.inputs().forEach(DataUtil::release);
            } else if (!fut.isCancelled()) {
              try {
                fut.get().results().forEach(DataUtil::release);
              } catch (InterruptedException | ExecutionException e) {
                // a failed or interrupted chunk holds nothing to free
              }
            }
          }
          inFlight.clear();
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
  }

  /** Elements handed to the pool together, kept so that they can be freed if their task never runs. */
  private record Task<T, R>(List<T> inputs, Future<Chunk<R>> result) {}

  /** The results of a chunk, up to the first failure (then {@code error} is set). */
  private record Chunk<R>(List<R> results, RuntimeException error) {}

  /** Maps a chunk; a failure ends it, keeping the results before it so they still reach the consumer in order. */
  private Chunk<R> applyAll(List<T> inputs, long epoch, long first) {
    List<R> out = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      if (Thread.currentThread().isInterrupted()) {
        inputs.subList(i, inputs.size()).forEach(DataUtil::release);
        return new Chunk<>(out, new DataException(describe() + ": stopped"));
      }
      try {
        out.add(apply(inputs.get(i), epoch, first + i));
      } catch (RuntimeException e) {
        inputs.subList(i + 1, inputs.size()).forEach(DataUtil::release);
        return new Chunk<>(out, e);
      }
    }
    return new Chunk<>(out, null);
  }
}
