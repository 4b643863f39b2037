package org.neurite.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neurite.init.Ones;
import org.neurite.init.RandomNormal;
import org.neurite.nn.layers.Conv2D;
import org.neurite.nn.layers.Conv2DTranspose;
import org.neurite.nn.layers.Dense;

/**
 * The options Dense, Conv2D and Conv2DTranspose share: they chain with each layer's own options in any order, have
 * Keras's defaults, and survive a config's JSON round trip.
 */
class KernelLayerBuilderTest {
  private static final List<String> SHARED = List.of("name", "trainable", "activation", "use_bias",
      "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer");

  private static Map<String, Object> shared(Map<String, Object> config) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : SHARED) {
      out.put(key, config.get(key));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> roundTrip(Layer layer) {
    Map<String, Object> json = (Map<String, Object>) ConfigJson.parse(ConfigJson.write(layer.config()));
    return Layers.fromConfig(Layers.typeName(layer), json).config();
  }

  @Test
  void sharedOptionsChainBeforeAndAfterTheLayersOwn() {
    Conv2D conv = Conv2D.builder(4, 3).activation(Activation.RELU).useBias(false).strides(2)
        .kernelInitializer(new RandomNormal(0, 0.5)).padding(Padding.SAME).name("conv_shared").build();
    Conv2DTranspose up = Conv2DTranspose.builder(2, 3).biasInitializer(new Ones()).outputPadding(1, 1)
        .biasRegularizer(Regularizer.l1(0.01)).strides(2).trainable(false).build();
    Dense dense = Dense.builder(5).kernelRegularizer(Regularizer.l2(1e-3)).activation(Activation.TANH).build();

    Map<String, Object> c = conv.config();
    assertEquals("conv_shared", c.get("name"));
    assertEquals("relu", c.get("activation"));
    assertEquals(false, c.get("use_bias"));
    assertEquals(Initializers.configOf(new RandomNormal(0, 0.5)), c.get("kernel_initializer"));
    assertEquals(List.of(2L, 2L), c.get("strides"));
    assertEquals("same", c.get("padding"));

    Map<String, Object> u = up.config();
    assertEquals("ones", u.get("bias_initializer"));
    assertEquals(Regularizer.l1(0.01).config(), u.get("bias_regularizer"));
    assertEquals(false, u.get("trainable"));
    assertEquals(false, up.isTrainable());

    Map<String, Object> d = dense.config();
    assertEquals("tanh", d.get("activation"));
    assertEquals(Regularizer.l2(1e-3).config(), d.get("kernel_regularizer"));

    for (Layer layer : List.<Layer>of(conv, up, dense)) {
      assertEquals(shared(layer.config()), shared(roundTrip(layer)), layer.name());
    }
  }

  @Test
  void defaultsAreKerass() {
    for (Layer layer : List.<Layer>of(new Dense(3), new Conv2D(3, 2), new Conv2DTranspose(3, 2))) {
      Map<String, Object> c = layer.config();
      assertEquals("linear", c.get("activation"), layer.name());
      assertEquals(true, c.get("use_bias"), layer.name());
      assertEquals("glorot_uniform", c.get("kernel_initializer"), layer.name());
      assertEquals("zeros", c.get("bias_initializer"), layer.name());
      assertNull(c.get("kernel_regularizer"), layer.name());
      assertNull(c.get("bias_regularizer"), layer.name());
      assertEquals(shared(c), shared(roundTrip(layer)), layer.name());
    }
  }
}
