package org.neurite.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.neurite.InvalidArgumentException;
import org.neurite.Tensor;

/**
 * A stack of layers, each feeding the next, as Keras's {@code Sequential}. With an {@link InputLayer} first, every layer
 * builds as it is added, so shapes are checked and {@link #summary()} works before any data; without one, the model
 * builds on its first batch.
 *
 * <pre>{@code
 * Sequential model = new Sequential(
 *     new InputLayer(28, 28),
 *     new Flatten(),
 *     new Dense(128, Activation.RELU),
 *     new Dense(10));
 * model.compile(new Adam(1e-3), new SparseCategoricalCrossentropy(true));
 * model.summary();
 * }</pre>
 */
public class Sequential extends Model {
  private final List<Layer> layers = new ArrayList<>();
  private long[] currentShape;

  public Sequential(Layer... layers) {
    this(null, layers);
  }

  public Sequential(String name, Layer... layers) {
    super(name);
    for (Layer l : layers) {
      add(l);
    }
  }

  /** Appends a layer (building it at once when the input shape is known; moving it to the model's device). */
  public Sequential add(Layer layer) {
    Objects.requireNonNull(layer, name() + ": layer");
    if (layer instanceof InputLayer in) {
      if (!layers.isEmpty()) {
        throw new InvalidArgumentException(name() + ": an InputLayer must come first");
      }
      layers.add(layer);
      currentShape = in.batchShape();
      ensureBuilt(List.of(currentShape));
      return this;
    }
    if (!layer.device().equals(device())) {
      layer.to(device());  // a layer added to a model on a device joins it (before building, so weights start there)
    }
    if (currentShape != null) {
      layer.ensureBuilt(List.of(currentShape));
      currentShape = layer.outputShape(currentShape);
    }
    layers.add(layer);
    invalidateTrainable();
    return this;
  }

  /** Removes the last layer (for transfer learning: drop the old head, add a new one). */
  public Layer pop() {
    if (layers.isEmpty()) {
      throw new InvalidArgumentException(name() + ": pop on an empty model");
    }
    Layer last = layers.remove(layers.size() - 1);
    invalidateTrainable();
    currentShape = null;
    if (!layers.isEmpty() && layers.get(0) instanceof InputLayer in) {
      long[] s = in.batchShape();
      for (Layer l : layers.subList(1, layers.size())) {
        s = l.outputShape(s);
      }
      currentShape = s;
    }
    return last;
  }

  /** The output shape of each layer when the input shape is known (an InputLayer first), else null. */
  List<long[]> knownOutputShapes() {
    if (layers.isEmpty() || !(layers.get(0) instanceof InputLayer in)) {
      return null;
    }
    List<long[]> out = new ArrayList<>();
    long[] s = in.batchShape();
    for (Layer l : layers) {
      s = l.outputShape(s);
      out.add(s);
    }
    return out;
  }

  /** The layers, in order (the InputLayer included when there is one). */
  public List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  @Override
  public List<Layer> sublayers() {
    return Collections.unmodifiableList(layers);
  }

  @Override
  protected void build(long[] inputShape) {
    long[] s = inputShape;
    for (Layer l : layers) {
      if (l instanceof InputLayer) {
        continue;
      }
      l.ensureBuilt(List.of(s));
      s = l.outputShape(s);
    }
  }

  @Override
  protected long[] inputSpec(long[] builtShape) {
    long[] spec = Shapes.copy(builtShape);
    spec[0] = -1;
    return spec;
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    long[] s = inputShape;
    for (Layer l : layers) {
      s = l.outputShape(s);
    }
    return s;
  }

  @Override
  protected Tensor call(Tensor input, boolean training) {
    Tensor x = input;
    for (Layer l : layers) {
      x = l.apply(x, training);
    }
    return x;
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    List<Object> list = new ArrayList<>();
    for (Layer l : layers) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", Layers.typeName(l));
      entry.put("config", l.config());
      list.add(entry);
    }
    c.put("layers", list);
    return c;
  }

  public static Sequential fromConfig(Map<String, Object> c) {
    Sequential s = new Sequential((String) c.get("name"));
    for (Object o : (List<?>) c.get("layers")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = (Map<String, Object>) o;
      @SuppressWarnings("unchecked")
      Map<String, Object> lc = (Map<String, Object>) entry.get("config");
      s.add(Layers.fromConfig((String) entry.get("type"), lc));
    }
    return Layers.withBase(s, c);
  }
}
