package org.neurite.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.neurite.InvalidArgumentException;

/** map, filter, shuffle, repeat, take, skip, zip, concatenate, interleave: results, cardinalities and errors. */
class TransformsTest {
  static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().collect(Collectors.toList());
  }

  @Test
  void mapKeepsOrderWhateverTheParallelism() throws Exception {
    List<Long> expected = range(0, 200).stream().map(i -> i * i).toList();
    for (int p : new int[] {1, 2, 3, 8}) {
      // uneven work so that later elements often finish first
      Dataset<Long> squares = Dataset.range(200).map(i -> {
        if (i % 7 == 0) {
          busy(200_000);
        }
        return i * i;
      }, p);
      assertEquals(expected, squares.toList(), "parallelism " + p);
      assertEquals(200, squares.cardinality());
    }
    assertEquals(0, DataTesting.liveDataThreadsAfterSettling());
  }

  static long busy(int n) {
    long h = 0;
    for (int i = 0; i < n; i++) {
      h = h * 31 + i;
    }
    return h;
  }

  @Test
  void mapFailureNamesTheElementAndStopsCleanly() throws Exception {
    for (int p : new int[] {1, 4}) {
      Dataset<Long> ds = Dataset.range(100).map(i -> 10 / (i - 37), p);
      List<Long> got = new ArrayList<>();
      DataException e = assertThrows(DataException.class, () -> {
        try (DatasetIterator<Long> it = ds.iterator()) {
          it.forEachRemaining(got::add);
        }
      });
      assertEquals(37, got.size(), "every element before the failing one arrives, in order");
      assertTrue(e.getMessage().contains("element 37 failed"), e.getMessage());
      assertTrue(e.getMessage().contains("ArithmeticException"), e.getMessage());
      assertTrue(e.getCause() instanceof ArithmeticException);
    }
    assertEquals(0, DataTesting.liveDataThreadsAfterSettling());
  }

  @Test
  void mapToNullIsAnError() {
    DataException e = assertThrows(DataException.class, () -> Dataset.range(3).map(i -> i == 1 ? null : i).toList());
    assertTrue(e.getMessage().contains("element 1 was mapped to null"), e.getMessage());
  }

  @Test
  void filterTakeSkip() {
    Dataset<Long> even = Dataset.range(20).filter(i -> i % 2 == 0);
    assertEquals(Dataset.UNKNOWN, even.cardinality());
    assertEquals(List.of(0L, 2L, 4L), even.take(3).toList());
    assertEquals(List.of(14L, 16L, 18L), even.skip(7).toList());
    assertEquals(10, even.count());
    assertEquals(5, Dataset.range(10).skip(5).cardinality());
    assertEquals(0, Dataset.range(10).skip(50).cardinality());
    assertEquals(3, Dataset.range(10).take(3).cardinality());
    assertEquals(List.of(), Dataset.range(10).take(0).toList());
    DataException e = assertThrows(DataException.class,
        () -> Dataset.range(10).filter(i -> 1 / (i - 4) > -5).toList());
    assertTrue(e.getMessage().contains("filter") && e.getMessage().contains("element 4"), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> Dataset.range(3).take(-1));
  }

  @Test
  void repeatAndCardinality() {
    assertEquals(List.of(0L, 1L, 0L, 1L, 0L, 1L), Dataset.range(2).repeat(3).toList());
    assertEquals(6, Dataset.range(2).repeat(3).cardinality());
    assertEquals(Dataset.INFINITE, Dataset.range(2).repeat().cardinality());
    assertEquals(List.of(0L, 1L, 0L, 1L, 0L), Dataset.range(2).repeat().take(5).toList());
    assertEquals(5, Dataset.range(2).repeat().take(5).cardinality());
    assertEquals(List.of(), Dataset.range(0).repeat().toList(), "an empty data set repeated is empty, not a hang");
    assertEquals(List.of(), Dataset.range(2).repeat(0).toList());
  }

  @Test
  void repeatReshufflesEachRepetition() {
    List<Long> two = Dataset.range(50).shuffle(50, 3).repeat(2).toList();
    List<Long> first = two.subList(0, 50), second = two.subList(50, 100);
    assertEquals(new HashSet<>(range(0, 50)), new HashSet<>(first));
    assertEquals(new HashSet<>(range(0, 50)), new HashSet<>(second));
    assertNotEquals(first, second);
  }

  @Test
  void shuffleIsSeededPerEpochAndAPermutation() {
    Dataset<Long> a = Dataset.range(100).shuffle(100, 42), b = Dataset.range(100).shuffle(100, 42);
    List<Long> a0 = a.toList(), a1 = a.toList(), b0 = b.toList(), b1 = b.toList();
    assertEquals(a0, b0, "same seed, same epoch: same order");
    assertEquals(a1, b1);
    assertNotEquals(a0, a1, "each epoch reshuffles");
    assertNotEquals(range(0, 100), a0);
    assertEquals(new HashSet<>(range(0, 100)), new HashSet<>(a0));
    try (DatasetIterator<Long> again = Dataset.range(100).shuffle(100, 42).iterator(1)) {
      assertEquals(a1, DataTesting.take(again, 100), "iterator(epoch) reopens a given epoch");
    }
    assertNotEquals(a0, Dataset.range(100).shuffle(100, 43).toList(), "another seed, another order");
    assertEquals(range(0, 10), Dataset.range(10).shuffle(1, 5).toList(), "a buffer of one keeps the order");
  }

  @Test
  void shuffleBufferBoundsHowFarElementsMove() {
    // with a buffer of 5, element i can leave no earlier than position i - 4
    List<Long> out = Dataset.range(1000).shuffle(5, 1).toList();
    for (int pos = 0; pos < out.size(); pos++) {
      assertTrue(out.get(pos) <= pos + 4, "element " + out.get(pos) + " at position " + pos);
    }
  }

  @Test
  void shuffleHoldsNoMoreThanItsBuffer() {
    AtomicLong pulled = new AtomicLong();
    Dataset<Long> endless = Dataset.fromGenerator(() -> LongStream.iterate(0, i -> i + 1).peek(i -> pulled.incrementAndGet())
        .iterator());
    try (DatasetIterator<Long> it = endless.shuffle(100, 9).prefetch(3).iterator()) {
      DataTesting.take(it, 10);
      // 10 consumed + 3 in the prefetch queue + 1 in the producer's hands + 100 in the shuffle buffer
      assertTrue(pulled.get() <= 10 + 3 + 1 + 100 + 1, "pulled " + pulled.get());
    }
  }

  /** An iterator over {@code values} that counts its closes, for a generator source. */
  static final class Counted implements java.util.Iterator<Long>, AutoCloseable {
    private final java.util.Iterator<Long> values;
    private final AtomicLong closes;

    Counted(List<Long> values, AtomicLong closes) {
      this.values = values.iterator();
      this.closes = closes;
    }

    @Override
    public boolean hasNext() {
      return values.hasNext();
    }

    @Override
    public Long next() {
      return values.next();
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void repeatAndConcatenateOpenEachPartOnceAndCloseIt() {
    // epochs 0 and 1 have elements, epoch 2 none: repeat() ends after the first empty round instead of spinning
    AtomicLong opened = new AtomicLong(), closed = new AtomicLong();
    Dataset<Long> shrinking = Dataset.fromGenerator(() -> {
      long epoch = opened.getAndIncrement();
      return new Counted(epoch < 2 ? range(10 * epoch, 10 * epoch + 2) : List.of(), closed);
    });
    assertEquals(List.of(0L, 1L, 10L, 11L), shrinking.repeat().toList());
    assertEquals(3, opened.get());
    assertEquals(3, closed.get());

    // an empty part in the middle is skipped; a part is opened only when reached, and closed with the iterator
    opened.set(0);
    closed.set(0);
    Dataset<Long> parts = Dataset.concatenate(Dataset.range(2), Dataset.range(0), shrinking);
    assertEquals(List.of(0L, 1L, 0L, 1L), parts.toList());
    assertEquals(1, closed.get());
    try (DatasetIterator<Long> it = parts.iterator()) {
      assertEquals(List.of(0L, 1L), DataTesting.take(it, 2));
      assertEquals(1, opened.get(), "the last part is not opened before it is reached");
      assertEquals(List.of(10L), DataTesting.take(it, 1));
    }
    assertEquals(2, opened.get());
    assertEquals(2, closed.get());
  }

  @Test
  void zipConcatenate() {
    Dataset<String> z = Dataset.zip(Dataset.range(3), Dataset.fromList(List.of("a", "b", "c", "d")), (i, s) -> s + i);
    assertEquals(List.of("a0", "b1", "c2"), z.toList());
    assertEquals(3, z.cardinality());
    Dataset<Long> c = Dataset.range(2).concatenate(Dataset.range(3));
    assertEquals(List.of(0L, 1L, 0L, 1L, 2L), c.toList());
    assertEquals(5, c.cardinality());
    assertEquals(Dataset.UNKNOWN, Dataset.concatenate(Dataset.range(2), Dataset.range(4).filter(i -> true)).cardinality());

    Dataset<Example> xs = DataTesting.numbered(4, 2), ys = DataTesting.numbered(4, 2).map(e -> e.withX(e.y()));
    Example e = Dataset.zipExamples(xs, ys).toList().get(3);
    assertEquals(3, (int) e.x().getDouble(0));
    assertEquals(1, e.y().intValue());
  }

  @Test
  void interleaveCyclesThroughInnerDatasets() {
    // three "files" of lengths 4, 2, 3, read two at a time, two elements per turn
    Dataset<Long> files = Dataset.fromList(List.of(4L, 2L, 3L));
    Dataset<String> lines = files.interleave(n -> Dataset.range(n).map(i -> n + ":" + i), 2, 2);
    assertEquals(List.of("4:0", "4:1", "2:0", "2:1", "4:2", "4:3", "3:0", "3:1", "3:2"), lines.toList());
    assertEquals(Dataset.UNKNOWN, lines.cardinality());
    assertEquals(List.of("4:0", "2:0", "3:0", "4:1", "2:1", "3:1", "4:2", "3:2", "4:3"),
        files.interleave(n -> Dataset.range(n).map(i -> n + ":" + i), 3, 1).toList());
  }

  @Test
  void zipAndInterleaveFailuresNameTheElement() {
    DataException z = assertThrows(DataException.class,
        () -> Dataset.zip(Dataset.range(5), Dataset.range(5), (a, b) -> a / (b - 2)).toList());
    assertTrue(z.getMessage().startsWith("zip(range(5), range(5)): element 2 failed"), z.getMessage());
    DataException i = assertThrows(DataException.class, () -> Dataset.range(4).interleave(n -> {
      if (n == 3) {
        throw new IllegalStateException("missing file");
      }
      return Dataset.range(n);
    }, 2, 1).toList());
    assertTrue(i.getMessage().contains("interleave") && i.getMessage().contains("element 3 failed")
        && i.getMessage().contains("missing file"), i.getMessage());
  }

  @Test
  void fullShuffleOfArraysIsAPermutationOfExamples() {
    Dataset<Example> shuffled = DataTesting.numbered(500, 5).shuffle(500, 8);
    List<Integer> a = DataTesting.ids(shuffled.toList()), b = DataTesting.ids(shuffled.toList());
    assertEquals(new HashSet<>(DataTesting.ids(DataTesting.numbered(500, 5).toList())), new HashSet<>(a));
    assertEquals(500, a.size());
    assertNotEquals(a, b);
    assertEquals(a, DataTesting.ids(DataTesting.numbered(500, 5).shuffle(500, 8).toList()));
    for (Example e : shuffled.toList()) {
      int id = (int) e.x().getDouble(0);
      assertEquals(id % 5, e.y().intValue(), "features and label stay together");
      assertEquals(id + 0.5, e.x().getDouble(1), 1e-6);
    }
  }
}
