package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.Tensor;
import org.neurite.init.GlorotUniform;
import org.neurite.init.Initializer;
import org.neurite.init.Zeros;
import org.neurite.nn.Activation;
import org.neurite.nn.Initializers;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Regularizer;

/**
 * The options {@link Dense}, {@link Conv2D} and {@link Conv2DTranspose} share, with Keras's defaults: the kernel's
 * and the bias's initializers (Glorot uniform, zeros) and regularizers (none), whether there is a bias (yes), the
 * activation applied last (linear), the layer's name and whether its weights train. Each layer's builder adds its own
 * options (units, filters, strides, ...); every chained call returns that builder, so the options mix in any order.
 *
 * <pre>{@code
 * Dense head = Dense.builder(10).activation(Activation.SOFTMAX).kernelRegularizer(Regularizer.l2(1e-4)).build();
 * Conv2D down = Conv2D.builder(64, 3).useBias(false).strides(2).padding(Padding.SAME).build();
 * }</pre>
 *
 * @param <B> the concrete builder, so chained calls keep its type
 * @param <L> the layer it builds
 */
public abstract class KernelLayerBuilder<B extends KernelLayerBuilder<B, L>, L extends Layer> {
  String name;
  boolean trainable = true;
  private Activation activation = Activation.LINEAR;
  private boolean useBias = true;
  private Initializer kernelInit = new GlorotUniform(), biasInit = new Zeros();
  private Regularizer kernelReg, biasReg;

  KernelLayerBuilder() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  public B name(String name) { this.name = name; return self(); }
  public B activation(Activation a) { this.activation = a; return self(); }
  public B useBias(boolean useBias) { this.useBias = useBias; return self(); }
  public B kernelInitializer(Initializer i) { this.kernelInit = i; return self(); }
  public B biasInitializer(Initializer i) { this.biasInit = i; return self(); }
  public B kernelRegularizer(Regularizer r) { this.kernelReg = r; return self(); }
  public B biasRegularizer(Regularizer r) { this.biasReg = r; return self(); }
  public B trainable(boolean t) { this.trainable = t; return self(); }

  public abstract L build();

  /**
   * Reads the name and the shared keys of a Keras config into this builder; an initializer missing from an older
   * config is the default one. The trainable flag is the layer's, applied by {@link Layers#withBase}.
   */
  B fromConfig(Map<String, Object> c) {
    return name((String) c.get("name"))
        .activation(Activation.forName((String) c.get("activation")))
        .useBias(Layers.bool(c, "use_bias", true))
        .kernelInitializer(Initializers.fromConfig(c.get("kernel_initializer"), new GlorotUniform()))
        .biasInitializer(Initializers.fromConfig(c.get("bias_initializer"), new Zeros()))
        .kernelRegularizer(Regularizer.fromConfig(c.get("kernel_regularizer")))
        .biasRegularizer(Regularizer.fromConfig(c.get("bias_regularizer")));
  }

  /** The shared options as the built layer keeps them. */
  Options options() {
    return new Options(activation, useBias, kernelInit, biasInit, kernelReg, biasReg);
  }

  /** The shared options of a built layer: what its kernel and bias are made with, and how its output ends. */
  record Options(Activation activation, boolean useBias, Initializer kernelInit, Initializer biasInit,
      Regularizer kernelReg, Regularizer biasReg) {

    /** {@code activation(y + bias)}, or {@code activation(y)} when the layer has no bias. */
    Tensor addBiasAndActivate(Tensor y, Parameter bias) {
      return activation.apply(bias != null ? y.add(bias.value()) : y);
    }

    /** Writes the shared keys into a layer's config, after the layer's own, in Keras's order. */
    void writeConfig(Map<String, Object> c) {
      c.put("activation", activation.kerasName());
      c.put("use_bias", useBias);
      c.put("kernel_initializer", Initializers.configOf(kernelInit));
      c.put("bias_initializer", Initializers.configOf(biasInit));
      c.put("kernel_regularizer", Regularizer.configOf(kernelReg));
      c.put("bias_regularizer", Regularizer.configOf(biasReg));
    }
  }
}
