#include "ops/dispatch.h"

#include <string>

#include "core/backend.h"

namespace nr {
namespace {

std::string dtype_list(uint32_t mask) {
  std::string s;
  for (int i = 0; i < kNumDTypes; ++i)
    if (mask & (1u << i)) s += std::string(s.empty() ? "" : ", ") + dtype_name(static_cast<DType>(i));
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<Tensor> call(OpId op, const std::vector<Tensor>& inputs, const Attrs& attrs) {
  const OpDef& def = op_def(op);
  if (def.num_inputs == kVariadic ? inputs.empty() : static_cast<int>(inputs.size()) != def.num_inputs)
    fail(Status::InvalidArgument, def.name, ": expected ",
         def.num_inputs == kVariadic ? std::string("at least 1") : std::to_string(def.num_inputs), " input",
         def.num_inputs == 1 ? "" : "s", ", got ", inputs.size());
  std::vector<TensorMeta> metas;
  metas.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) fail(Status::InvalidArgument, def.name, ": input ", i, " is undefined");
    if (inputs[i].device() != inputs[0].device())
      fail(Status::Device, def.name, ": input 0 is on ", inputs[0].device().str(), " but input ", i, " is on ",
           inputs[i].device().str(), " (move them to one device first)");
    metas.push_back({inputs[i].dtype(), inputs[i].shape()});
  }
  validate_attrs(def, attrs);
  std::vector<TensorMeta> out_metas = def.infer(def, metas, attrs);
  if (def.view) return def.view(inputs, attrs, out_metas);

  Device device = inputs.empty() ? Device::cpu() : inputs[0].device();
  Backend& backend = backend_for(device);
  DType key = def.dtype_input >= 0 ? metas[static_cast<size_t>(def.dtype_input)].dtype : out_metas[0].dtype;
  if (!backend.supports(op, key))
    fail(Status::DType, def.name, ": dtype ", dtype_name(key), " is not supported on ", device.str(),
         " (supported: ", dtype_list(backend.supported_dtypes(op)), ")");

  std::vector<Tensor> outputs;
  outputs.reserve(out_metas.size());
  for (const TensorMeta& m : out_metas) outputs.push_back(Tensor::empty(m.shape, m.dtype, device));
  if (backend.wants_contiguous_inputs(op)) {
    bool all_contiguous = true;
    for (const Tensor& t : inputs) all_contiguous = all_contiguous && t.is_contiguous();
    if (!all_contiguous) {
      std::vector<Tensor> packed;
      packed.reserve(inputs.size());
      for (const Tensor& t : inputs) packed.push_back(t.contiguous());
      KernelContext ctx{def, packed, outputs, attrs};
      backend.run(op, ctx);
      return outputs;
    }
  }
  KernelContext ctx{def, inputs, outputs, attrs};
  backend.run(op, ctx);
  return outputs;
}

}  // namespace nr
