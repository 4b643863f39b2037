package org.neurite.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.BufferedInputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.neurite.ModelFormatException;
import org.neurite.NeuriteIOException;
import org.neurite.Tensor;

/**
 * Reads IDX files, the format MNIST and Fashion-MNIST ship in (plain or {@code .gz}), into {@link org.neurite.DType#U8}
 * tensors.
 *
 * <pre>{@code
 * Path dir = Path.of("/usr/share/datasets/fashion-mnist");
 * try (Tensor images = IdxFile.read(dir.resolve("t10k-images-idx3-ubyte.gz"))) {
 *   System.out.println(java.util.Arrays.toString(images.shape())); // [10000, 28, 28]
 * }
 * }</pre>
 */
public final class IdxFile {
  private IdxFile() {}

  /** Largest element count accepted, so a corrupt header cannot ask for an absurd allocation. */
  private static final long MAX_ELEMENTS = 1L << 31;

  /**
   * Reads an unsigned-byte IDX file.
   *
   * @throws ModelFormatException if the magic number is wrong, the type is not unsigned byte, or data is truncated
   * @throws NeuriteIOException if the file cannot be read
   */
  public static Tensor read(Path path) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        InputStream in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
      DataInputStream data = new DataInputStream(in);
      int magic = data.readInt();
      int type = (magic >>> 8) & 0xff, rank = magic & 0xff;
      if ((magic >>> 16) != 0 || rank == 0 || rank > 8) {
        throw new ModelFormatException(path + ": not an IDX file (magic number 0x" + Integer.toHexString(magic) + ")");
      }
      if (type != 0x08) {
        throw new ModelFormatException(path + ": IDX element type 0x" + Integer.toHexString(type)
            + " is not supported (only unsigned bytes, 0x08)");
      }
      long[] shape = new long[rank];
      long count = 1;
      for (int i = 0; i < rank; i++) {
        shape[i] = Integer.toUnsignedLong(data.readInt());
        count *= shape[i];
        if (count > MAX_ELEMENTS) {
          throw new ModelFormatException(path + ": IDX header declares more than " + MAX_ELEMENTS + " elements");
        }
      }
      byte[] bytes = new byte[(int) count];
      try {
        data.readFully(bytes);
      } catch (EOFException e) {
        throw new ModelFormatException(path + ": truncated IDX data: the header declares " + count + " bytes");
      }
      return Tensor.of(bytes, shape);
    } catch (NoSuchFileException e) {
      throw new NeuriteIOException(path + ": no such file");
    } catch (EOFException e) {
      throw new ModelFormatException(path + ": truncated IDX header");
    } catch (IOException e) {
      throw new NeuriteIOException(path + ": " + e.getMessage());
    }
  }
}
