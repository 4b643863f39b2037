package org.neurite.nn;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.neurite.ModelFormatException;
import org.neurite.init.Constant;
import org.neurite.init.Initializer;
import org.neurite.init.Orthogonal;
import org.neurite.init.RandomNormal;
import org.neurite.init.RandomUniform;
import org.neurite.init.TruncatedNormal;
import org.neurite.init.VarianceScaling;

/**
 * Initializers in layer configs, as Keras writes them: an initializer without arguments is its snake-case name
 * ("glorot_uniform", "zeros", ...; the class name for one outside org.neurite.init, which needs a no-argument
 * constructor); one with arguments ({@link Initializer#config()}) is {@code {"class_name": ..., "config": {...}}}, so
 * {@code new RandomNormal(0, 0.5)} comes back with its stddev. The older {@code "constant:<value>"} form is still read.
 * Weights are saved with the model, so an initializer matters only for a layer rebuilt untrained.
 *
 * <pre>{@code
 * Object config = Initializers.configOf(new RandomNormal(0, 0.5));  // {class_name=RandomNormal, config={mean=0.0, stddev=0.5}}
 * Initializer init = Initializers.fromConfig(config, new GlorotUniform());
 * }</pre>
 */
public final class Initializers {
  private Initializers() {}

  /** A name, or a {@code class_name}/{@code config} map for an initializer with arguments. */
  public static Object configOf(Initializer init) {
    Map<String, Object> args = init.config();
    Class<?> c = init.getClass();
    boolean builtIn = c.getPackageName().equals("org.neurite.init");
    if (args.isEmpty()) {
      return builtIn ? Layer.snakeCase(c.getSimpleName()) : c.getName();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class_name", builtIn ? c.getSimpleName() : c.getName());
    m.put("config", new TreeMap<>(args));
    return m;
  }

  /** The initializer of a config entry, or {@code dflt} when the entry is absent (a config from an older writer). */
  public static Initializer fromConfig(Object config, Initializer dflt) {
    return config == null ? dflt : fromConfig(config);
  }

  /** The initializer a config entry describes (see {@link #configOf}); ModelFormatException when it names none. */
  public static Initializer fromConfig(Object config) {
    if (config == null) {
      throw new ModelFormatException("an initializer is missing from a layer config");
    }
    if (config instanceof String name) {
      if (name.startsWith("constant:")) {
        return new Constant(number(name, name.substring("constant:".length())));
      }
      String className = name.contains(".") ? name : "org.neurite.init." + camel(name);
      try {
        return (Initializer) Class.forName(className).getConstructor().newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new ModelFormatException("unknown initializer '" + name + "' (a built-in name such as "
            + "glorot_uniform, or the class name of an Initializer with a no-argument constructor)");
      }
    }
    if (!(config instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)
        || !(m.get("config") instanceof Map<?, ?> args)) {
      throw new ModelFormatException("an initializer config must be a name or {\"class_name\": ..., \"config\": {...}}, got "
          + config);
    }
    try {
      switch (cls) {
        case "Constant": return new Constant(arg(cls, args, "value"));
        case "RandomNormal": return new RandomNormal(arg(cls, args, "mean"), arg(cls, args, "stddev"));
        case "TruncatedNormal": return new TruncatedNormal(arg(cls, args, "mean"), arg(cls, args, "stddev"));
        case "RandomUniform": return new RandomUniform(arg(cls, args, "minval"), arg(cls, args, "maxval"));
        case "Orthogonal": return new Orthogonal(arg(cls, args, "gain"));
        case "VarianceScaling":
          return new VarianceScaling(arg(cls, args, "scale"),
              VarianceScaling.Mode.valueOf(text(cls, args, "mode").toUpperCase(Locale.ROOT)),
              VarianceScaling.Distribution.valueOf(text(cls, args, "distribution").toUpperCase(Locale.ROOT)));
        default:
          throw new ModelFormatException("initializer '" + cls + "' has arguments this version cannot rebuild (the "
              + "built-ins with arguments are Constant, RandomNormal, TruncatedNormal, RandomUniform, Orthogonal, "
              + "VarianceScaling)");
      }
    } catch (IllegalArgumentException e) {  // a bad enum name, or a constructor refusing a value
      throw new ModelFormatException("initializer " + cls + " " + args + ": " + e.getMessage());
    }
  }

  private static double arg(String cls, Map<?, ?> args, String key) {
    if (!(args.get(key) instanceof Number n)) {
      throw new ModelFormatException("initializer " + cls + ": argument '" + key + "' is missing or not a number in "
          + args);
    }
    return n.doubleValue();
  }

  private static String text(String cls, Map<?, ?> args, String key) {
    if (!(args.get(key) instanceof String v)) {
      throw new ModelFormatException("initializer " + cls + ": argument '" + key + "' is missing or not text in " + args);
    }
    return v;
  }

  private static double number(String name, String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new ModelFormatException("initializer '" + name + "': '" + text + "' is not a number");
    }
  }
  private static String camel(String snake) {
    StringBuilder b = new StringBuilder();
    for (String part : snake.split("_")) {
      if (!part.isEmpty()) {
        b.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
      }
    }
    return b.toString();
  }
}
