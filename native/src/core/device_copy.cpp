// Tensor::to: copies between devices through the backends' host copies; transfer_from_host: the asynchronous
// host-to-device copy of input pipelines.
#include <memory>
#include <vector>

#include "core/backend.h"
#include "neurite/autograd.hpp"
#include "ops/shape_util.h"

namespace nr {

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Backend& target = backend_for(device);
  Tensor src;
  {
    NoGradGuard no_grad;
    src = contiguous();
  }
  Tensor out = Tensor::empty(shape(), dtype(), device);
  const size_t n = nbytes();
  if (n) {
    Backend& source = *src.storage()->backend();
    if (src.device().type == DeviceType::CPU) {
      target.copy_from_host(out.raw_data(), src.raw_data(), n, device);
    } else if (device.type == DeviceType::CPU) {
      source.copy_to_host(out.raw_data(), src.raw_data(), n, src.device());
    } else {
      std::vector<char> staging(n);  // between two GPUs: through the host (no peer access assumed)
      source.copy_to_host(staging.data(), src.raw_data(), n, src.device());
      target.copy_from_host(out.raw_data(), staging.data(), n, device);
    }
  }
  if (requires_grad() && is_leaf()) out.set_requires_grad(true);
  return out;
}

Tensor transfer_from_host(const void* src, size_t nbytes, const Shape& shape, DType dtype, Device device,
                          void** event) {
  check_shape("transfer_from_host", shape);
  const size_t expected = static_cast<size_t>(numel_of(shape)) * itemsize(dtype);
  if (nbytes != expected)
    fail(Status::Shape, "transfer_from_host: ", nbytes, " bytes do not match shape ", shape_str(shape), " of ",
         dtype_name(dtype), " (", expected, " bytes)");
  if (nbytes && !src) fail(Status::InvalidArgument, "transfer_from_host: src is NULL");
  Backend& backend = backend_for(device);
  void* data = backend.allocate_for_transfer(nbytes, device);
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(&backend, device, nbytes, data);
  } catch (...) {
    backend.deallocate(data, nbytes, device);
    throw;
  }
  Tensor t = Tensor::from_storage(std::move(storage), shape, dtype);
  *event = nbytes ? backend.copy_from_host_async(data, src, nbytes, device) : nullptr;
  return t;
}

}  // namespace nr
