package org.neurite.nn;

import java.util.Objects;
import org.neurite.Attrs;
import org.neurite.Device;
import org.neurite.Ops;
import org.neurite.ShapeException;
import org.neurite.Tensor;

/**
 * A layer's weight: a named tensor the layer owns (outside every {@link org.neurite.Scope}) that the optimizer updates
 * in place, as Keras's {@code Variable}. Trainable parameters record gradients; non-trainable ones (a batch
 * normalisation's moving statistics, or any weight of a frozen layer) do not.
 *
 * <pre>{@code
 * Dense dense = new Dense(3);
 * dense.apply(Tensor.zeros(2, 4));                 // builds: kernel [4,3], bias [3]
 * Parameter kernel = dense.parameters().get(0);
 * System.out.println(kernel.path() + " " + Arrays.toString(kernel.value().shape()));   // dense/kernel [4, 3]
 * }</pre>
 */
public final class Parameter {
  private final Layer owner;
  private final String name;
  private final Tensor value;
  private final boolean trainable;
  private final Regularizer regularizer;

  Parameter(Layer owner, String name, Tensor value, boolean trainable, Regularizer regularizer) {
    this.owner = owner;
    this.name = name;
    this.value = value;
    this.trainable = trainable;
    this.regularizer = regularizer;
  }

  /** The name within its layer, e.g. "kernel". */
  public String name() {
    return name;
  }

  /** The layer-qualified name, e.g. "dense_1/kernel": the key of this weight in a saved model. */
  public String path() {
    return owner.name() + "/" + name;
  }

  /** The live tensor (do not close it; the layer owns it). */
  public Tensor value() {
    return value;
  }

  public long[] shape() {
    return value.shape();
  }

  /** Whether this weight is trained at all (false for moving statistics), regardless of its layer's flag. */
  public boolean isTrainableWeight() {
    return trainable;
  }

  /** Whether the optimizer updates this weight now: a trainable weight of a layer whose trainable flag is on. */
  public boolean isTrainable() {
    return trainable && owner.isTrainable();
  }

  /** The penalty added to the loss for this weight, or null. */
  public Regularizer regularizer() {
    return regularizer;
  }

  /**
   * Copies {@code source}'s values into this weight in place (same shape; cast to this weight's dtype, copied to its
   * device).
   */
  public void assign(Tensor source) {
    Objects.requireNonNull(source, "source");
    if (!java.util.Arrays.equals(source.shape(), value.shape())) {
      throw new ShapeException(path() + ": cannot assign a value of shape " + java.util.Arrays.toString(source.shape())
          + " to a weight of shape " + java.util.Arrays.toString(value.shape()));
    }
    Device device = value.device();
    Tensor moved = source.device().equals(device) ? source : source.to(device);
    Tensor cast = moved.dtype() == value.dtype() ? moved : moved.cast(value.dtype());
    try {
      Ops.call("assign", Attrs.of(), value, cast);
    } finally {
      if (cast != moved) {
        cast.close();
      }
      if (moved != source) {
        moved.close();
      }
    }
  }

  /** Syncs the tensor's gradient recording with {@link #isTrainable()} (called when a trainable flag changes). */
  void refreshRequiresGrad() {
    boolean want = isTrainable();
    if (value.requiresGrad() != want) {
      value.requiresGrad(want);
    }
  }

  void close() {
    value.close();
  }

  @Override
  public String toString() {
    return path() + " " + java.util.Arrays.toString(value.shape()) + (isTrainable() ? "" : " (non-trainable)");
  }
}
