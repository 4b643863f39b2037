package org.neurite.nn.layers;

import java.util.Map;
import org.neurite.DType;
import org.neurite.IndexException;
import org.neurite.InvalidArgumentException;
import org.neurite.Neurite;
import org.neurite.Tensor;
import org.neurite.init.Initializer;
import org.neurite.init.RandomUniform;
import org.neurite.nn.Initializers;
import org.neurite.nn.Layer;
import org.neurite.nn.Layers;
import org.neurite.nn.Parameter;
import org.neurite.nn.Regularizer;

/**
 * Maps integer indices in {@code [0, inputDim)} to learned vectors of size {@code outputDim}, as Keras's
 * {@code Embedding}: weight {@code embeddings [inputDim, outputDim]} (uniform in [-0.05, 0.05)); an input of any shape
 * {@code [N, ...]} gives {@code [N, ..., outputDim]} (the engine's {@code gather} along axis 0, whose gradient adds
 * into the rows used). Floating-point inputs are truncated to integers, as Keras casts them; an index outside the
 * table is an {@link IndexException} naming the layer (the engine alone would read a negative index from the end).
 *
 * <pre>{@code
 * Embedding words = new Embedding(10_000, 64);
 * Tensor vectors = words.apply(Tensor.of(new int[] {4, 17, 9, 0}, 2, 2));   // [2, 2, 64]
 * }</pre>
 */
public final class Embedding extends Layer {
  private final long inputDim, outputDim;
  private final Initializer embeddingsInit;
  private final Regularizer embeddingsReg;
  private Parameter embeddings;

  public Embedding(long inputDim, long outputDim) {
    this(builder(inputDim, outputDim));
  }

  private Embedding(Builder b) {
    super(b.name);
    if (b.inputDim <= 0 || b.outputDim <= 0) {
      throw new InvalidArgumentException("Embedding: inputDim and outputDim must be > 0, got " + b.inputDim + " and "
          + b.outputDim);
    }
    this.inputDim = b.inputDim;
    this.outputDim = b.outputDim;
    this.embeddingsInit = b.embeddingsInit;
    this.embeddingsReg = b.embeddingsReg;
    if (!b.trainable) {
      setTrainable(false);
    }
  }

  public static Builder builder(long inputDim, long outputDim) {
    return new Builder(inputDim, outputDim);
  }

  /** Options of {@link Embedding}. */
  public static final class Builder {
    private final long inputDim, outputDim;
    private String name;
    private boolean trainable = true;
    private Initializer embeddingsInit = new RandomUniform();
    private Regularizer embeddingsReg;

    private Builder(long inputDim, long outputDim) {
      this.inputDim = inputDim;
      this.outputDim = outputDim;
    }

    public Builder name(String name) { this.name = name; return this; }
    public Builder embeddingsInitializer(Initializer i) { this.embeddingsInit = i; return this; }
    public Builder embeddingsRegularizer(Regularizer r) { this.embeddingsReg = r; return this; }
    public Builder trainable(boolean t) { this.trainable = t; return this; }

    public Embedding build() {
      return new Embedding(this);
    }
  }

  public Parameter embeddings() {
    return embeddings;
  }

  @Override
  protected void build(long[] inputShape) {
    embeddings = addWeight("embeddings", new long[] {inputDim, outputDim}, embeddingsInit, embeddingsReg, true);
  }

  /** Any input of the rank it was built for: the last axis is a sequence position, not a feature size. */
  @Override
  protected long[] inputSpec(long[] builtShape) {
    long[] spec = new long[builtShape.length];
    java.util.Arrays.fill(spec, -1);
    return spec;
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    long[] out = java.util.Arrays.copyOf(inputShape, inputShape.length + 1);
    out[inputShape.length] = outputDim;
    return out;
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    Tensor idx = x;
    if (x.dtype() != DType.I32 && x.dtype() != DType.I64) {
      if (x.dtype() == DType.BOOL) {
        throw new InvalidArgumentException("expected integer indices, got " + x.dtype());
      }
      idx = x.cast(DType.I64);
    }
    if (idx.size() > 0) {
      try (Neurite.NoGrad ignored = Neurite.noGrad()) {
        long lo = (long) idx.min().item(), hi = (long) idx.max().item();
        if (lo < 0 || hi >= inputDim) {
          throw new IndexException("index " + (lo < 0 ? lo : hi) + " is out of range [0, " + inputDim
              + ") for an embedding table of " + inputDim + " rows");
        }
      }
    }
    return embeddings.value().gather(idx, 0);
  }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = super.config();
    c.put("input_dim", inputDim);
    c.put("output_dim", outputDim);
    c.put("embeddings_initializer", Initializers.configOf(embeddingsInit));
    c.put("embeddings_regularizer", Regularizer.configOf(embeddingsReg));
    return c;
  }

  public static Embedding fromConfig(Map<String, Object> c) {
    return Layers.withBase(builder(((Number) c.get("input_dim")).longValue(), ((Number) c.get("output_dim")).longValue())
        .name((String) c.get("name"))
        .embeddingsInitializer(Initializers.fromConfig(c.get("embeddings_initializer"), new RandomUniform()))
        .embeddingsRegularizer(Regularizer.fromConfig(c.get("embeddings_regularizer")))
        .build(), c);
  }
}
