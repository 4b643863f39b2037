#include "ops/views.h"

#include "ops/shape_rules.h"
#include "ops/shape_util.h"

namespace nr::views {

namespace {

// Strides for `to` over the same elements as (from, strides), without copying, when the memory layout allows it
// (PyTorch's computeStride idea: each run of target dims must map onto a run of source dims that is itself
// contiguous). Returns false when a copy is needed.
bool reshape_strides(const Shape& from, const Shape& strides, const Shape& to, Shape& out) {
  out.assign(to.size(), 0);
  if (numel_of(from) == 0) {
    out = contiguous_strides(to);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(to.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(from.size()) - 1; d >= 0; --d) {
    tensor_numel *= from[static_cast<size_t>(d)];
    if (d == 0 || (from[static_cast<size_t>(d - 1)] != 1 &&
                   strides[static_cast<size_t>(d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || to[static_cast<size_t>(view_d)] == 1)) {
        out[static_cast<size_t>(view_d)] = view_numel * chunk_base_stride;
        view_numel *= to[static_cast<size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[static_cast<size_t>(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

std::vector<Tensor> reshape(const std::vector<Tensor>& in, const Attrs&, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  Shape strides;
  if (reshape_strides(x.shape(), x.strides(), out[0].shape, strides)) return {x.view(out[0].shape, strides, x.offset())};
  Tensor c = x.contiguous();
  return {c.view(out[0].shape, contiguous_strides(out[0].shape), c.offset())};
}

std::vector<Tensor> strided(const std::vector<Tensor>& in, const Attrs& attrs, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  auto perm = attrs.get_ints("perm");
  Shape strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    int64_t a = perm[i] < 0 ? perm[i] + x.ndim() : perm[i];
    strides[i] = x.strides()[static_cast<size_t>(a)];
  }
  return {x.view(out[0].shape, strides, x.offset())};
}

std::vector<Tensor> slice(const std::vector<Tensor>& in, const Attrs& attrs, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  rules::SliceSpec spec = rules::resolve_slice("slice", x.shape(), attrs);
  Shape strides(x.strides());
  int64_t offset = x.offset();
  for (size_t d = 0; d < strides.size(); ++d) {
    if (spec.size[d] > 0) offset += spec.start[d] * strides[d];
    strides[d] *= spec.step[d];
  }
  if (numel_of(out[0].shape) == 0) offset = x.offset();
  return {x.view(out[0].shape, strides, offset)};
}

std::vector<Tensor> broadcast_to(const std::vector<Tensor>& in, const Attrs&, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  return {x.view(out[0].shape, broadcast_strides(out[0].shape, x.shape(), x.strides()), x.offset())};
}

std::vector<Tensor> squeeze(const std::vector<Tensor>& in, const Attrs& attrs, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  std::vector<bool> drop(static_cast<size_t>(x.ndim()), false);
  if (attrs.has("axes")) {
    for (int a : normalize_axes("squeeze", attrs.get_ints("axes"), x.ndim(), x.shape())) drop[static_cast<size_t>(a)] = true;
  } else {
    for (int i = 0; i < x.ndim(); ++i) drop[static_cast<size_t>(i)] = x.dim(i) == 1;
  }
  Shape strides;
  for (int i = 0; i < x.ndim(); ++i)
    if (!drop[static_cast<size_t>(i)]) strides.push_back(x.strides()[static_cast<size_t>(i)]);
  return {x.view(out[0].shape, strides, x.offset())};
}

std::vector<Tensor> unsqueeze(const std::vector<Tensor>& in, const Attrs& attrs, const std::vector<TensorMeta>& out) {
  const Tensor& x = in[0];
  int axis = normalize_axis("unsqueeze", attrs.get_int("axis", 0), x.ndim() + 1, x.shape());
  Shape strides = x.strides();
  int64_t s = axis < x.ndim() ? strides[static_cast<size_t>(axis)] * x.dim(axis) : 1;
  strides.insert(strides.begin() + axis, s);
  return {x.view(out[0].shape, strides, x.offset())};
}

}  // namespace nr::views
