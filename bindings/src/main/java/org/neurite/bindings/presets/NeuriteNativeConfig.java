package org.neurite.bindings.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * The JavaCPP preset for libneurite: the only hand-written file of the bindings. JavaCPP's parser reads
 * {@code native/include/neurite/c_api.h} and generates {@code org.neurite.bindings.NeuriteNative} (one static method per
 * C function, one peer class per opaque handle) and its JNI library.
 *
 * <p>OpenBLAS and its Fortran runtime are preloaded from the jar, so a user needs no system BLAS and no
 * {@code java.library.path}.
 */
@Properties(
    target = "org.neurite.bindings.NeuriteNative",
    value = @Platform(
        value = "linux-x86_64",
        include = "neurite/c_api.h",
        link = "neurite",
        preload = {"gcc_s@.1", "quadmath@.0", "gfortran@.5", "openblas@.0"}))
public class NeuriteNativeConfig implements InfoMapper {
  @Override
  public void map(InfoMap infoMap) {
    // Export macro and include guard: not part of the API.
    infoMap.put(new Info("NR_API").cppTypes().annotations());
    infoMap.put(new Info("NEURITE_C_API_H").cppTypes().translate(false));
  }
}
