// nr::Tensor: a typed, strided view of reference-counted storage on one device.
//
// A Tensor is a cheap handle (one shared pointer). Views made by reshape/permute/slice/broadcast share storage with
// their source; everything else allocates. Strides and offset are in elements, not bytes, and may be zero
// (broadcast) or negative (flip).
//
//   nr::Tensor a = nr::Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2});
//   nr::Tensor b = nr::ops::matmul(a, nr::ops::transpose(a, 0, 1));
//   std::vector<float> v = b.to_vector<float>();   // {5, 11, 11, 25}
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "neurite/device.hpp"
#include "neurite/dtype.hpp"
#include "neurite/error.hpp"

namespace nr {

using Shape = std::vector<int64_t>;

class Backend;
struct AutogradMeta;

// A block of device memory. Freed by its backend when the last tensor that views it goes away.
class Storage {
 public:
  Storage(Backend* backend, Device device, size_t nbytes);
  // Takes ownership of nbytes at `data`, which `backend` allocated for `device` (freed through its deallocate).
  Storage(Backend* backend, Device device, size_t nbytes, void* data);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  Backend* backend() const { return backend_; }
  // Bumped by every in-place write (optimizer updates), so autograd can refuse a gradient computed from stale values.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> version_{0};
  Backend* backend_;
  Device device_;
  size_t nbytes_;
  void* data_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  DType dtype = DType::F32;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  std::shared_ptr<AutogradMeta> autograd;  // null until gradients are involved
};

int64_t numel_of(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  // A new, uninitialised, contiguous tensor.
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  // A new contiguous tensor holding a copy of `nbytes` bytes of host data laid out row-major.
  static Tensor from_data(const void* data, size_t nbytes, const Shape& shape, DType dtype,
                          Device device = Device::cpu());
  // A contiguous tensor over all of `storage` (whose size must be the shape's), e.g. memory a transfer filled.
  static Tensor from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape, DType dtype);
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);

  // A view of this tensor's storage with another shape/strides/offset. Bounds are checked.
  Tensor view(const Shape& shape, const Shape& strides, int64_t offset) const;

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const { return impl_->dtype; }
  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t offset() const { return impl_->offset; }
  int64_t dim(int i) const { return impl_->shape[static_cast<size_t>(i)]; }
  int ndim() const { return static_cast<int>(impl_->shape.size()); }
  int64_t numel() const { return numel_of(impl_->shape); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(dtype()); }
  Device device() const { return impl_->storage->device(); }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  bool is_contiguous() const;
  bool shares_storage_with(const Tensor& other) const { return impl_->storage == other.impl_->storage; }

  // Address of the first element (host memory only for the CPU device).
  void* raw_data() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * static_cast<int64_t>(itemsize(dtype()));
  }
  template <class T>
  T* data() const { return static_cast<T*>(raw_data()); }

  // Copies the elements, in row-major order whatever the strides, into host memory of `nbytes` bytes.
  void copy_to_host(void* dst, size_t nbytes) const;
  template <class T>
  std::vector<T> to_vector() const;

  // This tensor if already contiguous, else a contiguous copy.
  Tensor contiguous() const;

  // This tensor if already on `device`, else a contiguous copy there. The copy is not recorded on the tape: a leaf
  // that requires grad gives a new leaf that requires grad (what moving a model's parameters needs).
  Tensor to(Device device) const;

  // ---- autograd (see neurite/autograd.hpp) ----
  bool requires_grad() const;
  // Marks a floating-point tensor as a leaf whose gradient backward() accumulates. DType error for other dtypes.
  void set_requires_grad(bool requires);
  // The accumulated gradient, or an undefined Tensor.
  Tensor grad() const;
  void set_grad(const Tensor& grad) const;
  // A leaf is a tensor no recorded op produced.
  bool is_leaf() const;
  // The same storage, shape and strides with no autograd history.
  Tensor detach() const;
  // See nr::backward.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;

  const TensorImpl* impl() const { return impl_.get(); }
  TensorImpl* mutable_impl() const { return impl_.get(); }

 private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<TensorImpl> impl_;
};

template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::I32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::I64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, DType dtype) {
  if (dtype_of<T>() != dtype) fail(Status::DType, "from_vector: values are ", dtype_name(dtype_of<T>()), ", asked for ", dtype_name(dtype));
  if (static_cast<int64_t>(values.size()) != numel_of(shape))
    fail(Status::Shape, "from_vector: ", values.size(), " values do not fill shape ", shape_str(shape));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return from_data(bytes.data(), bytes.size(), shape, dtype);
  } else {
    return from_data(values.data(), values.size() * sizeof(T), shape, dtype);
  }
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  return from_vector(values, shape, dtype_of<T>());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  if (dtype_of<T>() != dtype()) fail(Status::DType, "to_vector: tensor is ", dtype_name(dtype()), ", asked for ", dtype_name(dtype_of<T>()));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(static_cast<size_t>(numel()));
    copy_to_host(bytes.data(), bytes.size());
    return std::vector<bool>(bytes.begin(), bytes.end());
  } else {
    std::vector<T> out(static_cast<size_t>(numel()));
    copy_to_host(out.data(), out.size() * sizeof(T));
    return out;
  }
}

}  // namespace nr
