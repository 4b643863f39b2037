// The C API's pinned host memory and asynchronous host-to-device copies (c_api.h, "pinned host memory and
// asynchronous copies"): what an input pipeline needs to overlap the transfer of the next batch with compute.
#include "core/backend.h"
#include "core/c_api_internal.h"

// An event of the backend that made it; event == nullptr means the copy was done when the event was made.
struct nr_event {
  nr::Backend* backend;
  nr::Device device;
  void* event;

  ~nr_event() {
    if (event) backend->event_release(event, device);
  }
};

using nr::capi::guard;

namespace {

nr::Device device_of(int32_t type, int32_t index, const char* fn) {
  if (type != NR_DEVICE_CPU && type != NR_DEVICE_CUDA)
    nr::fail(nr::Status::Device, fn, ": unknown device type ", type, " (0 = cpu, 1 = cuda)");
  return nr::Device{static_cast<nr::DeviceType>(type), index};
}

const nr_event& event_of(const nr_event* e, const char* fn) {
  if (!e) nr::fail(nr::Status::InvalidArgument, fn, ": event is NULL");
  return *e;
}

}  // namespace

nr_status nr_pinned_alloc(int32_t device_type, int32_t device_index, int64_t nbytes, void** out) {
  return guard([&] {
    if (!out) nr::fail(nr::Status::InvalidArgument, "nr_pinned_alloc: out is NULL");
    *out = nullptr;
    if (nbytes < 0) nr::fail(nr::Status::InvalidArgument, "nr_pinned_alloc: negative byte count ", nbytes);
    nr::Device d = device_of(device_type, device_index, "nr_pinned_alloc");
    nr::Backend& backend = nr::backend_for(d);
    if (nbytes > 0) *out = backend.allocate_pinned(static_cast<size_t>(nbytes), d);
  });
}

nr_status nr_pinned_free(int32_t device_type, int32_t device_index, void* ptr) {
  return guard([&] {
    nr::Device d = device_of(device_type, device_index, "nr_pinned_free");
    if (ptr) nr::backend_for(d).free_pinned(ptr, d);
  });
}

nr_status nr_tensor_from_host_async(const void* src, int64_t nbytes, int32_t dtype, const int64_t* shape,
                                    int32_t ndim, int32_t device_type, int32_t device_index, nr_tensor** out,
                                    nr_event** event) {
  return guard([&] {
    const char* fn = "nr_tensor_from_host_async";
    if (!out || !event) nr::fail(nr::Status::InvalidArgument, fn, ": ", !out ? "out" : "event", " is NULL");
    *out = nullptr;
    *event = nullptr;
    if (nbytes < 0) nr::fail(nr::Status::InvalidArgument, fn, ": negative byte count ", nbytes);
    if (ndim < 0 || ndim > 32) nr::fail(nr::Status::Shape, fn, ": rank ", ndim, " is not between 0 and 32");
    if (ndim > 0 && !shape) nr::fail(nr::Status::InvalidArgument, fn, ": shape is NULL");
    if (!nr::is_valid_dtype(dtype)) nr::fail(nr::Status::DType, fn, ": unknown dtype code ", dtype);
    nr::Device d = device_of(device_type, device_index, fn);
    nr::Backend& backend = nr::backend_for(d);
    // Both handles are made before the copy starts, so nothing can fail once it has been queued.
    auto handle = std::make_unique<nr_tensor>();
    auto ev = std::make_unique<nr_event>(nr_event{&backend, d, nullptr});
    handle->t = nr::transfer_from_host(src, static_cast<size_t>(nbytes), nr::Shape(shape, shape + ndim),
                                       static_cast<nr::DType>(dtype), d, &ev->event);
    *out = handle.release();
    *event = ev.release();
  });
}

nr_status nr_event_query(const nr_event* event, int32_t* done) {
  return guard([&] {
    const nr_event& e = event_of(event, "nr_event_query");
    if (!done) nr::fail(nr::Status::InvalidArgument, "nr_event_query: done is NULL");
    *done = !e.event || e.backend->event_done(e.event, e.device) ? 1 : 0;
  });
}

nr_status nr_event_synchronize(const nr_event* event) {
  return guard([&] {
    const nr_event& e = event_of(event, "nr_event_synchronize");
    if (e.event) e.backend->event_wait(e.event, e.device);
  });
}

nr_status nr_event_free(nr_event* event) {
  return guard([&] { delete event; });
}
