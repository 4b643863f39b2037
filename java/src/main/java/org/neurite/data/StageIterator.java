package org.neurite.data;

/**
 * The iterator of a stage that reads one upstream iterator, {@link #input}, and closes it when it is closed. A stage
 * that holds more (a buffer, threads, a file) overrides {@link #release()} and closes {@code input} itself, at the
 * point its other frees need.
 *
 * @param <S> the upstream's element type
 * @param <T> this stage's element type
 */
abstract class StageIterator<S, T> extends PullIterator<T> {
  /** The upstream epoch this iterator reads. */
  final DatasetIterator<S> input;

  StageIterator(DatasetIterator<S> input) {
    this.input = input;
  }

  @Override
  protected void release() {
    input.close();
  }
}
