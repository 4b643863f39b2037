package org.neurite;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * Devices from Java. CI has no GPU: there, every use of CUDA must raise DeviceException saying why, and the CPU keep
 * working. On a GPU machine the round trip and the allocator statistics are checked instead.
 */
class DeviceTest {
  @Test
  void cpuTensorsAreOnTheCpuAndMoveToItForFree() {
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 3);
      assertEquals(Device.cpu(), x.device());
      Tensor same = x.to(Device.cpu());
      assertTrue(same.sharesStorageWith(x));
      assertEquals("cpu", Device.cpu().toString());
      assertEquals(new Device.MemoryStats(0, 0, 0, 0, 0, 0), Device.cpu().memoryStats());
    }
  }

  @Test
  void devicesCompareByTypeAndIndex() {
    assertEquals(Device.cuda(1), Device.cuda(1));
    assertNotEquals(Device.cuda(0), Device.cuda(1));
    assertEquals("cuda:2", Device.cuda(2).toString());
    assertThrows(InvalidArgumentException.class, () -> Device.cuda(-1));
  }

  @Test
  void cudaWithoutAGpuRaisesDeviceExceptionWithTheReason() {
    assumeFalse(Device.cudaAvailable(), "a CUDA device is present");
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3}, 3);
      DeviceException e = assertThrows(DeviceException.class, () -> x.to(Device.cuda(0)));
      assertTrue(e.getMessage().startsWith("CUDA unavailable: "), e.getMessage());
      assertTrue(e.getMessage().length() > "CUDA unavailable: ".length() + 10, "the reason is given: " + e.getMessage());
      assertThrows(DeviceException.class, () -> Device.cuda(0).check());
      assertThrows(DeviceException.class, () -> Device.cuda(0).memoryStats());
      assertThrows(DeviceException.class, Device::cudaDeviceCount);
      assertArrayEquals(new float[] {2, 4, 6}, x.add(x).toFloatArray());  // the CPU is unaffected
    }
  }

  @Test
  void cudaRoundTripAndMemoryStats() {
    assumeTrue(Device.cudaAvailable(), "no CUDA device");
    Device gpu = Device.cuda(0);
    try (Scope scope = Neurite.scope()) {
      Tensor x = Tensor.of(new float[] {1, -2, 3, -4}, 2, 2).to(gpu);
      assertEquals(gpu, x.device());
      Tensor y = x.matmul(x).relu();
      assertArrayEquals(new float[] {0, 6, 0, 10}, y.toFloatArray());
      assertTrue(gpu.memoryStats().inUse() > 0);
      DeviceException mixed = assertThrows(DeviceException.class, () -> x.add(Tensor.of(new float[] {1}, 1)));
      assertTrue(mixed.getMessage().contains("cuda:0"), mixed.getMessage());
    }
  }

  /** Tensors with recorded gradients: w = [1, 2, 3] with grad d(sum(w²))/dw = 2w, and a plain b. */
  private static Tensor[] weightWithGradient() {
    Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
    w.square().sum().backward();
    return new Tensor[] {w, Tensor.of(new float[] {4, 5}, 2)};
  }

  @Test
  void movingInPlaceIsAllOrNothing() {
    assumeFalse(Device.cudaAvailable(), "a CUDA device is present");
    try (Scope scope = Neurite.scope()) {
      Tensor[] t = weightWithGradient();
      NativeAccess.moveAll(java.util.List.of(t[0], t[1]), Device.cpu());  // already there: nothing to do
      DeviceException e = assertThrows(DeviceException.class,
          () -> NativeAccess.moveAll(java.util.List.of(t[0], t[1]), Device.cuda(0)));
      assertTrue(e.getMessage().startsWith("CUDA unavailable: "), e.getMessage());
      assertEquals(Device.cpu(), t[0].device());
      assertTrue(t[0].requiresGrad());
      assertArrayEquals(new float[] {2, 4, 6}, t[0].grad().toFloatArray());
      assertArrayEquals(new float[] {4, 5}, t[1].toFloatArray());
    }
  }

  @Test
  void movingInPlaceKeepsIdentityGradientAndRecordingOnAGpu() {
    assumeTrue(Device.cudaAvailable(), "no CUDA device");
    Device gpu = Device.cuda(0);
    try (Scope scope = Neurite.scope()) {
      Tensor[] t = weightWithGradient();
      Tensor w = t[0];
      NativeAccess.moveAll(java.util.List.of(w, t[1]), gpu);
      assertEquals(gpu, w.device());
      assertEquals(gpu, t[1].device());
      assertTrue(w.requiresGrad() && w.isLeaf());
      assertEquals(gpu, w.grad().device());
      assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray());
      w.zeroGrad();
      w.mul(3.0).sum().backward();  // still recorded, on the device
      assertArrayEquals(new float[] {3, 3, 3}, w.grad().toFloatArray());
      NativeAccess.moveAll(java.util.List.of(w), Device.cpu());
      assertArrayEquals(new float[] {1, 2, 3}, w.toFloatArray());
    }
  }
}
