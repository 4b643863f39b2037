package org.neurite.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Adds a secondary metric {@code ·cpu}: the CPU time the whole forked JVM spent per operation (all its threads,
 * OpenBLAS and engine workers included), in ns/op. Unlike wall time it does not grow when other processes take the
 * cores, so on a shared machine it is the steadier basis for comparing two code paths.
 *
 * <p>Use with {@code -prof org.neurite.bench.CpuTimeProfiler}. Reads each thread's run time in nanoseconds from
 * {@code /proc/self/task/}{@code *}{@code /schedstat}; where that is missing, falls back to the JVM's process CPU time
 * (10 ms resolution here).
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private static final Path TASKS = Paths.get("/proc/self/task");
  private static final boolean SCHEDSTAT = Files.isReadable(Paths.get("/proc/self/schedstat"));
  private long start;

  public CpuTimeProfiler() {}

  @Override
  public String getDescription() {
    return "process CPU time per operation (all threads), ns/op";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    start = processCpuNanos();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long cpu = processCpuNanos() - start;
    long ops = result.getMetadata().getMeasuredOps();
    if (ops <= 0) {
      return List.of();
    }
    return List.of(new ScalarResult("·cpu", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
  }

  static long processCpuNanos() {
    if (!SCHEDSTAT) {
      return jvmProcessCpuNanos();
    }
    long sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        try {
          String s = Files.readString(task.resolve("schedstat"));
          int space = s.indexOf(' ');
          sum += Long.parseLong(s.substring(0, space < 0 ? s.length() : space).trim());
        } catch (NoSuchFileException e) {
          // the thread ended between the listing and the read
        }
      }
      return sum;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long jvmProcessCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
