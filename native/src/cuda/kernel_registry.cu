// Which kernels the plugin has: every kernel file's registrations run once, from the backend's start-up or from
// nr_cuda_plugin_kernel_dtypes, which answers without a driver or device. The engine's coverage test loads the
// plugin with dlopen and compares that table with the CPU backend's, so an op or dtype the CPU has and CUDA lacks
// fails the build's tests on a machine with no GPU.
#include <cstdint>
#include <mutex>

#include "cuda/cuda_common.h"

namespace nr::cuda {

void register_all_kernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_kernels();
    register_creation_kernels();
    register_reduction_kernels();
    register_softmax_kernels();
    register_matmul_kernels();
    register_conv_kernels();
    register_nn_kernels();
    register_batch_norm_kernels();
    register_optim_kernels();
    register_shape_kernels();
    register_rnn_kernels();
  });
}

}  // namespace nr::cuda

// Writes the dtype bits of op i's CUDA kernels to dtypes[i] for i < min(capacity, number of ops) and returns the
// number of ops, or -1 when the plugin was built for another backend ABI (whose op numbering may differ).
extern "C" __attribute__((visibility("default"))) int nr_cuda_plugin_kernel_dtypes(int abi_version, uint32_t* dtypes,
                                                                                  int capacity) {
  if (abi_version != nr::kBackendAbiVersion) return -1;
  nr::cuda::register_all_kernels();
  for (int i = 0; i < nr::kNumOps && i < capacity; ++i)
    dtypes[i] = nr::cuda::registered_dtypes(static_cast<nr::OpId>(i));
  return nr::kNumOps;
}
