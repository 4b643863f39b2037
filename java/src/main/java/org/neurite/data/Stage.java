package org.neurite.data;

/**
 * A stage that transforms one upstream data set (map, filter, shuffle, batch, prefetch, cache, ...): it holds the
 * upstream and reports its cardinality unless the stage changes the count. Its iterators read an upstream iterator
 * through a {@link StageIterator}.
 *
 * @param <S> the upstream's element type
 * @param <T> this stage's element type
 */
abstract class Stage<S, T> extends Dataset<T> {
  final Dataset<S> upstream;

  Stage(Dataset<S> upstream) {
    this.upstream = upstream;
  }

  /** The upstream's count, for a stage that passes on one element for each it reads. */
  @Override
  public long cardinality() {
    return upstream.cardinality();
  }
}
