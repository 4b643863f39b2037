package org.neurite.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.neurite.DType;
import org.neurite.NeuriteIOException;

/** cache() in memory and cache(path) on disk: the first complete epoch is recorded, later epochs replay it. */
final class Caching {
  private Caching() {}

  static final class InMemory<T> extends Stage<T, T> {
    private volatile List<T> cached;

    InMemory(Dataset<T> upstream) {
      super(upstream);
    }

    @Override
    public long cardinality() {
      List<T> c = cached;
      return c != null ? c.size() : upstream.cardinality();
    }

    @Override
    String describe() {
      return upstream.describe() + ".cache()";
    }

    @Override
    DatasetIterator<T> open(long epoch) {
      List<T> replay = cached;
      if (replay != null) {
        return new Sources.OfList<>(replay).open(epoch);
      }
      return new StageIterator<>(upstream.open(epoch)) {
        final List<T> recording = new ArrayList<>();

        @Override
        protected T pull() {
          if (!input.hasNext()) {
            synchronized (InMemory.this) {
              if (cached == null) {
                cached = List.copyOf(recording);
              }
            }
            return null;
          }
          T value = input.next();
          if (value instanceof AutoCloseable) {
            DataUtil.release(value);
            throw new DataException(describe() + ": element " + recording.size() + " is a "
                + value.getClass().getSimpleName() + ", which the consumer closes, so it cannot be replayed: cache"
                + " before batch()");
          }
          recording.add(value);
          return value;
        }
      };
    }
  }

  /**
   * The file: "NRCACHE1", then per example a 1 byte, the counts of inputs and targets and a weight flag, and each
   * array as dtype code, rank, dims and little-endian data; a 0 byte ends it. Written to a temporary file beside
   * {@code path} and moved into place when the epoch completes, so a half-written cache is never read.
   */
  static final class OnDisk extends Stage<Example, Example> {
    private static final byte[] MAGIC = "NRCACHE1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Path path;

    OnDisk(Dataset<Example> upstream, Path path) {
      super(upstream);
      this.path = path;
    }

    @Override
    String describe() {
      return upstream.describe() + ".cache(" + path + ")";
    }

    @Override
    DatasetIterator<Example> open(long epoch) {
      return Files.isRegularFile(path) ? read() : write(epoch);
    }

    private DatasetIterator<Example> write(long epoch) {
      Path tmp;
      DataOutputStream out;
      try {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        tmp = Files.createTempFile(dir, path.getFileName().toString(), ".partial");
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        out.write(MAGIC);
      } catch (IOException e) {
        throw new NeuriteIOException("cache: cannot write " + path + ": " + e.getMessage());
      }
      return new StageIterator<>(upstream.open(epoch)) {
        boolean finished;

        @Override
        protected Example pull() {
          try {
            if (!input.hasNext()) {
              out.writeByte(0);
              out.close();
              moveIntoPlace(tmp);
              finished = true;
              return null;
            }
            Example e = input.next();
            out.writeByte(1);
            out.writeInt(e.inputs().size());
            out.writeInt(e.targets().size());
            out.writeBoolean(e.weight() != null);
            for (HostArray a : e.inputs()) {
              writeArray(out, a);
            }
            for (HostArray a : e.targets()) {
              writeArray(out, a);
            }
            if (e.weight() != null) {
              writeArray(out, e.weight());
            }
            return e;
          } catch (IOException e) {
            throw new NeuriteIOException("cache: cannot write " + path + ": " + e.getMessage());
          }
        }

        @Override
        protected void release() {
          input.close();
          if (!finished) {
            try {
              out.close();
              Files.deleteIfExists(tmp);
            } catch (IOException e) {
              // an unfinished cache file is only a leftover temporary file; the next epoch writes a new one
            }
          }
        }
      };
    }

    private void moveIntoPlace(Path tmp) throws IOException {
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    }

    private static void writeArray(DataOutputStream out, HostArray a) throws IOException {
      out.writeByte(a.dtype().code());
      out.writeByte(a.ndim());
      for (long d : a.shape()) {
        out.writeLong(d);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) a.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      a.writeTo(buf);
      out.write(buf.array());
    }

    private DatasetIterator<Example> read() {
      DataInputStream in;
      try {
        in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16));
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
          in.close();
          throw new DataException("cache: " + path + " is not a Neurite cache file (bad magic number); delete it to"
              + " rebuild the cache");
        }
      } catch (IOException e) {
        throw new NeuriteIOException("cache: cannot read " + path + ": " + e.getMessage());
      }
      return new PullIterator<>() {
        long index;

        @Override
        protected Example pull() {
          try {
            int marker = in.readByte();
            if (marker == 0) {
              return null;
            }
            if (marker != 1) {
              throw new DataException("cache: " + path + ": element " + index + ": corrupt record marker " + marker);
            }
            int nIn = in.readInt(), nOut = in.readInt();
            boolean hasWeight = in.readBoolean();
            if (nIn < 1 || nIn > 1024 || nOut < 0 || nOut > 1024) {
              throw new DataException("cache: " + path + ": element " + index + ": corrupt record header");
            }
            List<HostArray> inputs = new ArrayList<>(nIn), targets = new ArrayList<>(nOut);
            for (int i = 0; i < nIn; i++) {
              inputs.add(readArray(in, index));
            }
            for (int i = 0; i < nOut; i++) {
              targets.add(readArray(in, index));
            }
            HostArray weight = hasWeight ? readArray(in, index) : null;
            index++;
            return new Example(inputs, targets, weight);
          } catch (EOFException e) {
            throw new DataException("cache: " + path + " is truncated at element " + index + "; delete it to rebuild"
                + " the cache");
          } catch (IOException e) {
            throw new NeuriteIOException("cache: cannot read " + path + " at element " + index + ": " + e.getMessage());
          }
        }

        @Override
        protected void release() {
          try {
            in.close();
          } catch (IOException e) {
            // the file was only read; failing to close it loses nothing
          }
        }
      };
    }

    private HostArray readArray(DataInputStream in, long index) throws IOException {
      int code = in.readByte();
      int rank = in.readByte();
      DType dtype = null;
      for (DType d : DType.values()) {
        if (d.code() == code) {
          dtype = d;
        }
      }
      if (dtype == null || rank < 0 || rank > 16) {
        throw new DataException("cache: " + path + ": element " + index + ": corrupt array header");
      }
      long[] shape = new long[rank];
      long n = dtype.byteSize();
      for (int i = 0; i < rank; i++) {
        shape[i] = in.readLong();
        n *= shape[i];
        if (shape[i] < 0 || n > Integer.MAX_VALUE) {
          throw new DataException("cache: " + path + ": element " + index + ": corrupt array shape");
        }
      }
      byte[] bytes = new byte[(int) n];
      in.readFully(bytes);
      return HostArray.readFrom(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), dtype, shape);
    }
  }
}
