package org.neurite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The op table's coverage: every op of the engine's table (Native.opNames()) has a test against a float64 reference,
 * so an op added to the table without one fails the build here, with the missing ops named.
 *
 * <p>The family classes ({@code *OpsTest}) declare the ops each test method checks with {@link OpCheck.Covers}, and
 * {@link OpCheck.CoverageCheck} fails a method that declares an op without running a check of it. This test collects
 * the declarations from every compiled test class, so it does not depend on the order the classes run in.
 *
 * <p>Run all op tests: {@code ./mvnw -o -B -q test -pl java -Dtest='OpTableTest,*OpsTest'}
 */
class OpTableTest {
  /** Every test class of this package, loaded from the directory (or jar) this class was compiled into. */
  static List<Class<?>> testClasses() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Paths.get(OpTableTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path pkg = root.resolve("org/neurite");
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(pkg)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".class") && !name.contains("$")) {
          out.add(Class.forName("org.neurite." + name.substring(0, name.length() - ".class".length())));
        }
      }
    }
    return out;
  }

  /** op name -> the test methods that declare it. */
  static Map<String, List<String>> declaredCoverage() throws Exception {
    Map<String, List<String>> covered = new TreeMap<>();
    for (Class<?> c : testClasses()) {
      for (Method m : c.getDeclaredMethods()) {
        OpCheck.Covers covers = m.getAnnotation(OpCheck.Covers.class);
        if (covers == null) {
          continue;
        }
        if (m.getAnnotation(Test.class) == null) {
          fail(c.getSimpleName() + "." + m.getName() + " has @Covers but is not a @Test");
        }
        for (String op : covers.value()) {
          covered.computeIfAbsent(op, k -> new ArrayList<>()).add(c.getSimpleName() + "." + m.getName());
        }
      }
    }
    return covered;
  }

  @Test
  void everyOpInTheEngineTableHasAReferenceTest() throws Exception {
    Set<String> table = new TreeSet<>(Native.opNames());
    Map<String, List<String>> covered = declaredCoverage();
    Set<String> missing = new TreeSet<>(table);
    missing.removeAll(covered.keySet());
    Set<String> unknown = new TreeSet<>(covered.keySet());
    unknown.removeAll(table);
    StringBuilder sb = new StringBuilder();
    if (!missing.isEmpty()) {
      sb.append(missing.size()).append(" op(s) of the engine's table have no test (add one to the *OpsTest class of ")
          .append("their family, with @Covers): ").append(missing);
    }
    if (!unknown.isEmpty()) {
      sb.append(sb.length() > 0 ? "\n" : "").append("tests declare ops the engine's table lacks: ").append(unknown)
          .append(" (renamed or removed ops?) in ");
      for (String op : unknown) {
        sb.append(op).append(": ").append(covered.get(op)).append(' ');
      }
    }
    assertTrue(sb.length() == 0, sb.toString());
    assertEquals(table, covered.keySet());
  }

  @Test
  void theTableHasTheFoundationOps() {
    // A smoke test of Native.opNames() itself: the table is not empty and holds a few ops of every family.
    Set<String> names = Native.opNames();
    for (String op : new String[] {"zeros", "random_normal", "exp", "add", "where", "sum", "argmax", "matmul",
        "reshape", "cast", "one_hot", "softmax"}) {
      assertTrue(names.contains(op), "Native.opNames() lacks " + op + ": " + names);
    }
    assertTrue(names.size() >= 80, names.size() + " ops: " + names);
  }
}
