// Where a tensor's storage lives. The CPU backend is always present; CUDA is a plugin loaded on first use.
#pragma once

#include <cstdint>
#include <string>

namespace nr {

// Values equal the NR_DEVICE_* constants of c_api.h.
enum class DeviceType : int32_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int32_t index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int32_t index = 0) { return {DeviceType::CUDA, index}; }

  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index); }
};

}  // namespace nr
