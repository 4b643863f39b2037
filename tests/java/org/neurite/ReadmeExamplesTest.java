package org.neurite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's complete programs (every {@code java} block that declares a public class with a main method) compile
 * against the library as written and print what their comments say. The Fashion-MNIST one needs the dataset
 * (ci/run installs it) and is skipped with the reason without it.
 */
class ReadmeExamplesTest {
  @TempDir Path dir;

  static Path readme() {
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path r = p.resolve("README.md");
      if (Files.exists(r) && Files.exists(p.resolve("ci/run"))) {
        return r;
      }
    }
    throw new IllegalStateException("README.md not found above " + Paths.get("").toAbsolutePath());
  }

  /** Class name to source, for every java block with a public class and a main method. */
  static Map<String, String> programs() throws IOException {
    String text = Files.readString(readme());
    Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
    Map<String, String> out = new LinkedHashMap<>();
    while (block.find()) {
      String src = block.group(1);
      Matcher cls = Pattern.compile("public class (\\w+)").matcher(src);
      if (cls.find() && src.contains("public static void main(String[] args)")) {
        out.put(cls.group(1), src);
      }
    }
    return out;
  }

  /** Compiles and runs one program in this JVM; returns what it printed. */
  String run(String name, String source) throws Exception {
    Path src = dir.resolve(name + ".java");
    Files.writeString(src, source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no system Java compiler (a JDK is needed to run this test)");
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of("-d", dir.toString(), "-cp", classPath(), src.toString()));
    int rc = javac.run(null, diagnostics, diagnostics, args.toArray(new String[0]));
    assertEquals(0, rc, "README's " + name + " does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));
    PrintStream saved = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
        PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      Method main = loader.loadClass(name).getMethod("main", String[].class);
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(saved);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  /** The classes the tests run with: surefire may hide them behind a manifest-only jar, so read the loader's URLs. */
  static String classPath() {
    String cp = System.getProperty("java.class.path");
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isEmpty() ? surefire : cp;
  }

  @Test void theQuickExamplesRunAsWritten() throws Exception {
    Map<String, String> programs = programs();
    assertTrue(programs.containsKey("Example") && programs.containsKey("Celsius"), "README programs: " + programs.keySet());
    String example = run("Example", programs.get("Example"));
    assertTrue(example.contains("matmul: [2,3] x [2,3]: inner dimensions 3 and 2 differ"), example);
    String celsius = run("Celsius", programs.get("Celsius"));
    assertTrue(celsius.contains("w = 1.80, b = 32.0"), celsius);
  }

  @Test void theFashionMnistExampleTrainsAsWritten() throws Exception {
    Path data = Paths.get(System.getenv().getOrDefault("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"));
    assumeTrue(Files.exists(data.resolve("train-images-idx3-ubyte.gz")),
        "Fashion-MNIST is not at " + data + " (apt-get install dataset-fashion-mnist)");
    Map<String, String> programs = programs();
    assertTrue(programs.containsKey("Fashion"), "README programs: " + programs.keySet());
    String out = run("Fashion", programs.get("Fashion"));
    Matcher m = Pattern.compile("val_accuracy (0\\.\\d+), test accuracy (0\\.\\d+)").matcher(out);
    assertTrue(m.find(), out);
    assertTrue(Double.parseDouble(m.group(2)) > 0.85, "test accuracy after 2 epochs: " + m.group(2));
  }
}
