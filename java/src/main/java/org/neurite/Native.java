package org.neurite;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.BytePointer;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_attrs;

/**
 * The one place that talks to the generated bindings: loads the library, turns status codes into typed exceptions, and
 * keeps a reusable attribute object per thread so an op call allocates nothing native but its result.
 */
final class Native {
  private Native() {}

  static {
    Loader.load(NeuriteNative.class);
  }

  private static final ThreadLocal<nr_attrs> ATTRS =
      ThreadLocal.withInitial(
          () -> {
            nr_attrs a = new nr_attrs();
            check(NeuriteNative.nr_attrs_create(a));
            return a; // one per thread, reused for every call on that thread
          });

  private static final Map<String, Integer> OP_IDS = new HashMap<>();
  private static final String[] OP_NAMES;

  static {
    int n = NeuriteNative.nr_op_count();
    OP_NAMES = new String[n];
    for (int i = 0; i < n; i++) {
      BytePointer name = new BytePointer((org.bytedeco.javacpp.Pointer) null);
      check(NeuriteNative.nr_op_name(i, name));
      OP_NAMES[i] = name.getString();
      OP_IDS.put(OP_NAMES[i], i);
    }
  }

  static Integer opIdOrNull(String name) {
    return OP_IDS.get(name);
  }

  static String opName(int id) {
    return id >= 0 && id < OP_NAMES.length ? OP_NAMES[id] : "op " + id;
  }

  /** The id of an op of the engine's table; a name the engine lacks is a bug in this library. */
  static int opId(String name) {
    Integer id = OP_IDS.get(name);
    if (id == null) {
      throw new IllegalStateException("libneurite has no op named '" + name + "': the native library is out of date");
    }
    return id;
  }

  /** The names of every op in the engine's table. */
  static java.util.Set<String> opNames() {
    return java.util.Collections.unmodifiableSet(OP_IDS.keySet());
  }

  /** The calling thread's attribute object, cleared. */
  static nr_attrs attrs() {
    nr_attrs a = ATTRS.get();
    check(NeuriteNative.nr_attrs_clear(a));
    return a;
  }

  static void check(int status) {
    if (status == NeuriteNative.NR_OK) {
      return;
    }
    String message = NeuriteNative.nr_last_error().getString();
    switch (status) {
      case NeuriteNative.NR_ERR_SHAPE:
        throw new ShapeException(message);
      case NeuriteNative.NR_ERR_DTYPE:
        throw new DTypeException(message);
      case NeuriteNative.NR_ERR_DEVICE:
        throw new DeviceException(message);
      case NeuriteNative.NR_ERR_INDEX:
        throw new IndexException(message);
      case NeuriteNative.NR_ERR_INVALID_ARGUMENT:
        throw new InvalidArgumentException(message);
      case NeuriteNative.NR_ERR_OUT_OF_MEMORY:
        throw new NeuriteOutOfMemoryException(message);
      case NeuriteNative.NR_ERR_NUMERIC:
        throw new NumericException(message);
      case NeuriteNative.NR_ERR_FORMAT:
        throw new ModelFormatException(message);
      case NeuriteNative.NR_ERR_UNSUPPORTED:
        throw new UnsupportedOpException(message);
      case NeuriteNative.NR_ERR_IO:
        throw new NeuriteIOException(message);
      default:
        throw new NeuriteException("internal error (status " + status + "): " + message);
    }
  }
}
