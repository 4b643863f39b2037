package org.neurite;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.neurite.bindings.NeuriteNative;
import org.neurite.bindings.NeuriteNative.nr_attrs;

/**
 * Named attributes for {@link Ops#call}, the generic entry to every op of the engine's table (docs/OPS.md lists the
 * attributes each op takes; an unknown name is an {@link InvalidArgumentException} naming the op).
 *
 * <pre>{@code
 * try (Tensor x = Tensor.arange(0, 6).reshape(2, 3)) {
 *   Tensor[] parts = Ops.call("split", Attrs.of().set("axis", 1).set("sizes", 1, 2), x);
 * }
 * }</pre>
 */
public final class Attrs {
  private final List<String> names = new ArrayList<>();
  private final List<Object> values = new ArrayList<>();

  private Attrs() {}

  public static Attrs of() {
    return new Attrs();
  }

  public Attrs set(String name, long value) {
    return put(name, value);
  }

  public Attrs set(String name, double value) {
    return put(name, value);
  }

  public Attrs set(String name, long... values) {
    return put(name, Objects.requireNonNull(values, name).clone());
  }

  public Attrs set(String name, DType dtype) {
    return put(name, (long) dtype.code());
  }

  private Attrs put(String name, Object value) {
    names.add(Objects.requireNonNull(name, "attribute name"));
    values.add(value);
    return this;
  }

  nr_attrs toNative() {
    nr_attrs a = Native.attrs();
    for (int i = 0; i < names.size(); i++) {
      Object v = values.get(i);
      if (v instanceof Long) {
        Native.check(NeuriteNative.nr_attrs_set_int(a, names.get(i), (Long) v));
      } else if (v instanceof Double) {
        Native.check(NeuriteNative.nr_attrs_set_float(a, names.get(i), (Double) v));
      } else {
        long[] ints = (long[]) v;
        Native.check(NeuriteNative.nr_attrs_set_ints(a, names.get(i), ints, ints.length));
      }
    }
    return a;
  }
}
