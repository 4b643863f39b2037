package org.neurite;

import java.util.ArrayList;

/**
 * Owns every tensor created on this thread while it is open, and closes them when it closes, except those passed to
 * {@link #keep}. Scopes nest; a kept tensor moves to the enclosing scope (or to the caller, outside any scope).
 * Training loops run each step in a scope, so native memory stays flat however many steps run.
 *
 * <pre>{@code
 * Tensor result;
 * try (Scope scope = Neurite.scope()) {
 *   Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
 *   Tensor y = x.matmul(x).relu();         // x, x·x and y all belong to the scope
 *   result = scope.keep(y.sum());          // survives the scope; everything else is freed here
 * }
 * System.out.println(result.item());       // 54.0
 * result.close();
 * }</pre>
 */
public final class Scope implements AutoCloseable {
  private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

  private final Scope parent;
  private final Thread owner;
  private final ArrayList<Tensor> owned = new ArrayList<>();
  private boolean closed;

  Scope() {
    this.parent = CURRENT.get();
    this.owner = Thread.currentThread();
    CURRENT.set(this);
  }

  /**
   * Makes a tensor that belongs to no scope (for state that outlives the caller's scopes, such as optimizer slots):
   * {@code make} runs in a fresh root scope that closes its intermediates and releases only the returned tensor, which
   * the caller must close.
   *
   * <pre>{@code
   * Tensor slot = Scope.untracked(() -> Tensor.zeros(784, 128));   // survives every enclosing scope
   * }</pre>
   */
  public static <T extends Tensor> T untracked(java.util.function.Supplier<T> make) {
    Scope enclosing = CURRENT.get();
    CURRENT.set(null);
    try (Scope root = new Scope()) {
      return root.keep(make.get());
    } finally {
      CURRENT.set(enclosing);
    }
  }

  static void track(Tensor t) {
    Scope s = CURRENT.get();
    if (s != null) {
      s.owned.add(t);
    }
  }

  /**
   * Takes {@code tensor} out of this scope so it outlives it; it joins the enclosing scope if there is one.
   *
   * @return the same tensor, for chaining
   */
  public <T extends Tensor> T keep(T tensor) {
    checkOpen();
    for (int i = owned.size() - 1; i >= 0; i--) {
      if (owned.get(i) == tensor) {
        owned.remove(i);
        if (parent != null && !parent.closed) {
          parent.owned.add(tensor);
        }
        return tensor;
      }
    }
    throw new InvalidArgumentException("Scope.keep: the tensor " + tensor.describe() + " does not belong to this scope");
  }

  /** Number of tensors this scope will close. */
  public int size() {
    return owned.size();
  }

  /** Closes every tensor this scope still owns, newest first. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("a Scope must be closed on the thread that opened it");
    }
    closed = true;
    for (int i = owned.size() - 1; i >= 0; i--) {
      owned.get(i).close();
    }
    owned.clear();
    // Closing out of order (an inner scope left open) still restores the enclosing scope.
    if (CURRENT.get() == this || isAncestorOfCurrent()) {
      CURRENT.set(parent);
    }
  }

  private boolean isAncestorOfCurrent() {
    for (Scope s = CURRENT.get(); s != null; s = s.parent) {
      if (s == this) {
        return true;
      }
    }
    return false;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this scope is closed");
    }
  }
}
