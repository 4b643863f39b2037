package org.neurite.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.neurite.ModelFormatException;

/**
 * Layer configurations as JSON, for the model file's {@code neurite.config} entry: maps, lists, strings, numbers,
 * booleans and null (arrays of longs and of doubles are written as lists). Parsing is strict and depth-limited, since
 * a model file may come from anywhere; integral numbers come back as Long, others as Double.
 */
final class ConfigJson {
  private static final int MAX_DEPTH = 64;

  private ConfigJson() {}

  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(value, b);
    return b.toString();
  }

  private static void write(Object v, StringBuilder b) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(s, b);
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      b.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("a layer config holds " + d + ", which JSON cannot represent");
      }
      b.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d));
    } else if (v instanceof long[] a) {
      write(Layers.list(a), b);
    } else if (v instanceof double[] a) {
      write(java.util.Arrays.stream(a).boxed().toList(), b);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(first ? "" : ",");
        first = false;
        string(String.valueOf(e.getKey()), b);
        b.append(':');
        write(e.getValue(), b);
      }
      b.append('}');
    } else if (v instanceof List<?> l) {
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        b.append(i > 0 ? "," : "");
        write(l.get(i), b);
      }
      b.append(']');
    } else {
      throw new IllegalArgumentException("a layer config holds a " + v.getClass().getName() + ", which is not JSON");
    }
  }

  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  static Object parse(String json) {
    Parser p = new Parser(json);
    Object v = p.value(0);
    p.skipSpace();
    if (p.pos != json.length()) {
      throw p.error("unexpected text after the value");
    }
    return v;
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    ModelFormatException error(String what) {
      return new ModelFormatException("model config JSON: " + what + " at offset " + pos);
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw error("nested deeper than " + MAX_DEPTH);
      }
      skipSpace();
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      char c = s.charAt(pos);
      if (c == '{') {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek('}')) {
          return m;
        }
        do {
          skipSpace();
          if (pos >= s.length() || s.charAt(pos) != '"') {
            throw error("expected a key");
          }
          String k = str();
          skipSpace();
          expect(':');
          m.put(k, value(depth + 1));
          skipSpace();
        } while (peek(','));
        expect('}');
        return m;
      }
      if (c == '[') {
        pos++;
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek(']')) {
          return l;
        }
        do {
          l.add(value(depth + 1));
          skipSpace();
        } while (peek(','));
        expect(']');
        return l;
      }
      if (c == '"') {
        return str();
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      String num = s.substring(start, pos);
      if (num.isEmpty()) {
        throw error("unexpected character '" + c + "'");
      }
      try {
        return num.matches("-?\\d{1,18}") ? (Object) Long.parseLong(num) : (Object) Double.parseDouble(num);
      } catch (NumberFormatException e) {
        throw error("bad number '" + num + "'");
      }
    }

    boolean peek(char c) {
      if (pos < s.length() && s.charAt(pos) == c) {
        pos++;
        return true;
      }
      return false;
    }

    void expect(char c) {
      if (!peek(c)) {
        throw error("expected '" + c + "'");
      }
    }

    String str() {
      pos++;
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException x) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }
  }
}
