package org.neurite.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neurite.DType;
import org.neurite.Generator;
import org.neurite.ModelFormatException;
import org.neurite.Neurite;
import org.neurite.Scope;
import org.neurite.Tensor;
import org.neurite.init.Constant;
import org.neurite.init.GlorotUniform;
import org.neurite.init.HeNormal;
import org.neurite.init.Initializer;
import org.neurite.init.Ones;
import org.neurite.init.Orthogonal;
import org.neurite.init.RandomNormal;
import org.neurite.init.RandomUniform;
import org.neurite.init.TruncatedNormal;
import org.neurite.init.VarianceScaling;
import org.neurite.init.Zeros;
import org.neurite.nn.layers.Dense;

/** Initializers survive a layer config's JSON round trip with their arguments, and bad entries are named. */
class InitializerConfigTest {
  static Map<String, Initializer> cases() {
    Map<String, Initializer> m = new LinkedHashMap<>();
    m.put("zeros", new Zeros());
    m.put("ones", new Ones());
    m.put("glorot_uniform", new GlorotUniform());
    m.put("he_normal", new HeNormal());
    m.put("constant", new Constant(0.25));
    m.put("random_normal", new RandomNormal(1.5, 0.5));
    m.put("truncated_normal", new TruncatedNormal(-1, 0.2));
    m.put("random_uniform", new RandomUniform(2, 3));
    m.put("orthogonal", new Orthogonal(2.5));
    m.put("variance_scaling",
        new VarianceScaling(3.0, VarianceScaling.Mode.FAN_OUT, VarianceScaling.Distribution.UNTRUNCATED_NORMAL));
    return m;
  }

  private static double[] draw(Initializer init) {
    try (Scope s = Neurite.scope()) {
      return init.create(new long[] {6, 5}, DType.F64, Generator.seeded(7)).toDoubleArray();
    }
  }

  @Test void everyInitializerComesBackWithItsArguments() {
    for (Map.Entry<String, Initializer> e : cases().entrySet()) {
      Object config = Initializers.configOf(e.getValue());
      Object back = ConfigJson.parse(ConfigJson.write(Map.of("init", config)));
      Initializer rebuilt = Initializers.fromConfig(((Map<?, ?>) back).get("init"));
      assertEquals(e.getValue().getClass(), rebuilt.getClass(), e.getKey());
      assertEquals(e.getValue().config(), rebuilt.config(), e.getKey());
      assertArrayEquals(draw(e.getValue()), draw(rebuilt), 0, e.getKey());
    }
  }

  @Test void namesForArgumentlessOnesMapsForTheRest() {
    assertEquals("glorot_uniform", Initializers.configOf(new GlorotUniform()));
    assertEquals("zeros", Initializers.configOf(new Zeros()));
    assertEquals(Map.of("class_name", "RandomNormal", "config", Map.of("mean", 0.0, "stddev", 0.5)),
        Initializers.configOf(new RandomNormal(0, 0.5)));
    // The form written before initializers had arguments in configs is still read.
    assertEquals(0.75, ((Constant) Initializers.fromConfig("constant:0.75")).value());
    assertTrue(Initializers.fromConfig(null, new Zeros()) instanceof Zeros);
  }

  @Test void aDenseLayerRebuiltFromItsConfigDrawsTheSameKernel() {
    Dense d = Dense.builder(4).kernelInitializer(new RandomNormal(0, 3)).build();
    Map<String, Object> config = d.config();
    Dense back = (Dense) Layers.fromConfig("Dense", (Map<String, Object>) ConfigJson.parse(ConfigJson.write(config)));
    assertEquals(Initializers.configOf(new RandomNormal(0, 3)), back.config().get("kernel_initializer"));
  }

  @Test void badEntriesAreModelFormatErrors() {
    assertThrows(ModelFormatException.class, () -> Initializers.fromConfig("no_such_initializer"));
    assertThrows(ModelFormatException.class, () -> Initializers.fromConfig("constant:abc"));
    assertThrows(ModelFormatException.class, () -> Initializers.fromConfig(42L));
    assertThrows(ModelFormatException.class,
        () -> Initializers.fromConfig(Map.of("class_name", "RandomNormal", "config", Map.of("mean", 0.0))));
    assertThrows(ModelFormatException.class,
        () -> Initializers.fromConfig(Map.of("class_name", "Mystery", "config", Map.of("x", 1.0))));
    ModelFormatException mode = assertThrows(ModelFormatException.class, () -> Initializers.fromConfig(Map.of(
        "class_name", "VarianceScaling", "config", Map.of("scale", 1.0, "mode", "sideways", "distribution", "uniform"))));
    assertTrue(mode.getMessage().contains("VarianceScaling"), mode.getMessage());
    assertThrows(ModelFormatException.class, () -> Initializers.fromConfig(Map.of(
        "class_name", "VarianceScaling", "config", Map.of("scale", -1.0, "mode", "fan_in", "distribution", "uniform"))));
  }
}
