#include "neurite/tensor.hpp"

#include <limits>

#include "core/backend.h"
#include "neurite/autograd.hpp"
#include "ops/dispatch.h"
#include "ops/shape_util.h"

namespace nr {

Storage::Storage(Backend* backend, Device device, size_t nbytes)
    : backend_(backend), device_(device), nbytes_(nbytes), data_(backend->allocate(nbytes, device)) {}

Storage::Storage(Backend* backend, Device device, size_t nbytes, void* data)
    : backend_(backend), device_(device), nbytes_(nbytes), data_(data) {}

Storage::~Storage() { backend_->deallocate(data_, nbytes_, device_); }

int64_t numel_of(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  check_shape("empty", shape);
  if (!is_valid_dtype(static_cast<int32_t>(dtype))) fail(Status::DType, "empty: unknown dtype code ", static_cast<int>(dtype));
  int64_t n = numel_of(shape);
  if (n > std::numeric_limits<int64_t>::max() / 8) fail(Status::OutOfMemory, "empty: ", shape_str(shape), " is too large");
  Backend& backend = backend_for(device);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(&backend, device, static_cast<size_t>(n) * itemsize(dtype));
  impl->dtype = dtype;
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return Tensor(std::move(impl));
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype) {
  check_shape("from_storage", shape);
  if (!storage || storage->nbytes() != static_cast<size_t>(numel_of(shape)) * itemsize(dtype))
    fail(Status::Internal, "from_storage: a storage of ", storage ? storage->nbytes() : 0, " bytes for ",
         dtype_name(dtype), " ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->dtype = dtype;
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return Tensor(std::move(impl));
}

Tensor Tensor::from_data(const void* data, size_t nbytes, const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (nbytes != t.nbytes())
    fail(Status::Shape, "from_data: ", nbytes, " bytes do not match shape ", shape_str(shape), " of ",
         dtype_name(dtype), " (", t.nbytes(), " bytes)");
  if (nbytes && !data) fail(Status::InvalidArgument, "from_data: data is null");
  if (nbytes) t.storage()->backend()->copy_from_host(t.raw_data(), data, nbytes, device);
  return t;
}

Tensor Tensor::view(const Shape& shape, const Shape& strides, int64_t offset) const {
  if (shape.size() != strides.size())
    fail(Status::Internal, "view: shape ", shape_str(shape), " and strides ", shape_str(strides), " differ in rank");
  // Every element of the view must lie inside the storage.
  int64_t lo = offset, hi = offset;
  bool empty = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) empty = true;
    int64_t span = (shape[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  int64_t capacity = static_cast<int64_t>(storage()->nbytes() / itemsize(dtype()));
  if (!empty && (lo < 0 || hi >= capacity))
    fail(Status::Index, "view: ", shape_str(shape), " with strides ", shape_str(strides), " at offset ", offset,
         " reaches outside storage of ", capacity, " elements");
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->autograd = nullptr;  // a view gets its own history, recorded by the op that made it
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  return Tensor(std::move(impl));
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = impl_->shape.size(); i-- > 0;) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return call(OpId::Contiguous, {*this})[0];
}

void Tensor::copy_to_host(void* dst, size_t nbytes) const {
  if (nbytes != this->nbytes())
    fail(Status::Shape, "copy_to_host: buffer of ", nbytes, " bytes for ", dtype_name(dtype()), " ", shape_str(shape()),
         " (", this->nbytes(), " bytes)");
  if (nbytes == 0) return;
  if (!dst) fail(Status::InvalidArgument, "copy_to_host: destination is null");
  NoGradGuard no_grad;
  Tensor c = contiguous();
  c.storage()->backend()->copy_to_host(dst, c.raw_data(), nbytes, device());
}

}  // namespace nr
