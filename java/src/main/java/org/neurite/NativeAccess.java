package org.neurite;

import org.neurite.bindings.NeuriteNative.nr_tensor;

/**
 * The bridge that Neurite's own sub-packages (such as {@code org.neurite.io}) use to call the generated bindings
 * directly: a tensor's native handle, a tensor around a new handle, and the status check that turns an error code into
 * the typed {@link NeuriteException}. Applications have no use for it; its methods may change between releases.
 *
 * <pre>{@code
 * nr_tensor out = new nr_tensor();
 * NativeAccess.check(NeuriteNative.nr_tensor_share(NativeAccess.handle(x), out));
 * Tensor alias = NativeAccess.wrap(out);   // owned like any new tensor (its scope, or close())
 * }</pre>
 */
public final class NativeAccess {
  private NativeAccess() {}

  static {
    // Loads libneurite before any caller touches the bindings.
    Native.opNames();
  }

  /** The handle of an open tensor; a closed one is a {@link TensorClosedException}. */
  public static nr_tensor handle(Tensor t) {
    return t.handle();
  }

  /** A new Tensor owning {@code handle} (a fresh reference from the engine), tracked by the current scope. */
  public static Tensor wrap(nr_tensor handle) {
    return new Tensor(handle);
  }

  /** The dtype of an engine dtype code (the NR_* constants). */
  public static DType dtype(int code) {
    return DType.fromCode(code);
  }

  /**
   * Moves the tensors to {@code device} in place, all or none: each keeps its Java identity and gradient recording
   * (how a model's weights and its optimizer's state move; see {@code Model.to}).
   */
  public static void moveAll(java.util.List<Tensor> tensors, Device device) {
    Tensor.moveAll(tensors, device);
  }

  /**
   * Makes {@code device} the calling thread's default device (where ops without tensor inputs, such as zeros and
   * random numbers, create their results) and returns the previous one; restore it the same way, in a finally.
   */
  public static Device useDefaultDevice(Device device) {
    return Device.useDefault(device);
  }

  /** Throws the typed exception for a non-OK status, with the engine's message. */
  public static void check(int status) {
    Native.check(status);
  }
}
