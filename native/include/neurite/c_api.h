/* libneurite C API: the stable ABI under every binding (Java through JavaCPP, and any language with a C FFI).
 *
 * Plain C. Objects are opaque handles. Every function returns an nr_status; on failure nr_last_error() gives a
 * message for the calling thread that names the op and the shapes involved. No C++ exception and no abort()
 * crosses this boundary.
 *
 *   nr_tensor *a = NULL, *b = NULL, *c = NULL;
 *   const int64_t shape[2] = {2, 2};
 *   const float data[4] = {1, 2, 3, 4};
 *   nr_tensor_from_data(NR_F32, shape, 2, data, sizeof data, &a);
 *   nr_tensor_from_data(NR_F32, shape, 2, data, sizeof data, &b);
 *   if (nr_op_call2(nr_op_id("matmul"), a, b, NULL, &c) != NR_OK) fprintf(stderr, "%s\n", nr_last_error());
 *   float out[4];
 *   nr_tensor_copy_to_host(c, out, sizeof out);   // {7, 10, 15, 22}
 *   nr_tensor_free(c); nr_tensor_free(b); nr_tensor_free(a);
 */
#ifndef NEURITE_C_API_H
#define NEURITE_C_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NR_API __attribute__((visibility("default")))

/* Status codes. */
#define NR_OK 0
#define NR_ERR_INVALID_ARGUMENT 1
#define NR_ERR_SHAPE 2
#define NR_ERR_DTYPE 3
#define NR_ERR_DEVICE 4
#define NR_ERR_INDEX 5
#define NR_ERR_OUT_OF_MEMORY 6
#define NR_ERR_NUMERIC 7
#define NR_ERR_FORMAT 8
#define NR_ERR_UNSUPPORTED 9
#define NR_ERR_INTERNAL 10
#define NR_ERR_IO 11

/* Element types. */
#define NR_F32 0
#define NR_F64 1
#define NR_I32 2
#define NR_I64 3
#define NR_U8 4
#define NR_BOOL 5
#define NR_F16 6
#define NR_BF16 7

/* Device types. */
#define NR_DEVICE_CPU 0
#define NR_DEVICE_CUDA 1

/* Attribute kinds, as reported by nr_op_attr_info. */
#define NR_ATTR_INT 0
#define NR_ATTR_FLOAT 1
#define NR_ATTR_INTS 2

/* Input count of a variadic op (concat, stack), as reported by nr_op_num_inputs. */
#define NR_VARIADIC (-1)

typedef int32_t nr_status;
typedef struct nr_tensor nr_tensor;
typedef struct nr_attrs nr_attrs;

/* ---- library ---- */

/* The message of the last failed call on this thread ("" if none). Valid until the next failing call. */
NR_API const char* nr_last_error(void);
NR_API const char* nr_version(void);
/* Intra-op threads (and OpenBLAS threads); the default is NEURITE_NUM_THREADS or the hardware thread count. */
NR_API nr_status nr_set_num_threads(int32_t n);
NR_API nr_status nr_get_num_threads(int32_t* out);

/* Frees the large blocks the CPU allocator keeps for reuse (at most NEURITE_CPU_CACHE_MB, default 256). */
NR_API nr_status nr_cpu_empty_cache(void);

/* ---- tensors ---- */

/* A new uninitialised contiguous tensor on the CPU. */
NR_API nr_status nr_tensor_empty(int32_t dtype, const int64_t* shape, int32_t ndim, nr_tensor** out);
/* A new contiguous CPU tensor holding a copy of nbytes bytes of row-major data. */
NR_API nr_status nr_tensor_from_data(int32_t dtype, const int64_t* shape, int32_t ndim, const void* data,
                                     int64_t nbytes, nr_tensor** out);
/* Releases the handle. The storage lives on while views of it exist. NULL is accepted. */
NR_API nr_status nr_tensor_free(nr_tensor* t);
/* A second handle to the same tensor (same storage, shape and strides). */
NR_API nr_status nr_tensor_share(const nr_tensor* t, nr_tensor** out);

NR_API nr_status nr_tensor_dtype(const nr_tensor* t, int32_t* out);
NR_API nr_status nr_tensor_ndim(const nr_tensor* t, int32_t* out);
/* Writes min(ndim, capacity) dims. */
NR_API nr_status nr_tensor_shape(const nr_tensor* t, int64_t* out, int32_t capacity);
/* Strides and offset are in elements. */
NR_API nr_status nr_tensor_strides(const nr_tensor* t, int64_t* out, int32_t capacity);
NR_API nr_status nr_tensor_offset(const nr_tensor* t, int64_t* out);
NR_API nr_status nr_tensor_numel(const nr_tensor* t, int64_t* out);
NR_API nr_status nr_tensor_is_contiguous(const nr_tensor* t, int32_t* out);
NR_API nr_status nr_tensor_device(const nr_tensor* t, int32_t* type, int32_t* index);
/* 1 if both tensors view the same storage. */
NR_API nr_status nr_tensor_shares_storage(const nr_tensor* a, const nr_tensor* b, int32_t* out);
/* The address of the first element of a contiguous CPU tensor, for zero-copy reads and writes. */
NR_API nr_status nr_tensor_data(const nr_tensor* t, void** out);
/* Copies the elements in row-major order, whatever the strides, into dst of exactly nbytes bytes. */
NR_API nr_status nr_tensor_copy_to_host(const nr_tensor* t, void* dst, int64_t nbytes);

/* ---- the op table ---- */

NR_API int32_t nr_op_count(void);
/* The id of the op with this name, or -1. */
NR_API int32_t nr_op_id(const char* name);
NR_API nr_status nr_op_name(int32_t op, const char** out);
/* Number of inputs, or NR_VARIADIC. */
NR_API nr_status nr_op_num_inputs(int32_t op, int32_t* out);
NR_API nr_status nr_op_num_attrs(int32_t op, int32_t* out);
/* Name, kind (NR_ATTR_*) and whether the attribute is required. */
NR_API nr_status nr_op_attr_info(int32_t op, int32_t index, const char** name, int32_t* kind, int32_t* required);

/* ---- attributes ---- */

NR_API nr_status nr_attrs_create(nr_attrs** out);
NR_API nr_status nr_attrs_free(nr_attrs* attrs);
NR_API nr_status nr_attrs_clear(nr_attrs* attrs);
NR_API nr_status nr_attrs_set_int(nr_attrs* attrs, const char* name, int64_t value);
NR_API nr_status nr_attrs_set_float(nr_attrs* attrs, const char* name, double value);
NR_API nr_status nr_attrs_set_ints(nr_attrs* attrs, const char* name, const int64_t* values, int32_t count);

/* ---- running ops (attrs may be NULL) ---- */

NR_API nr_status nr_op_call0(int32_t op, const nr_attrs* attrs, nr_tensor** out);
NR_API nr_status nr_op_call1(int32_t op, const nr_tensor* a, const nr_attrs* attrs, nr_tensor** out);
NR_API nr_status nr_op_call2(int32_t op, const nr_tensor* a, const nr_tensor* b, const nr_attrs* attrs,
                             nr_tensor** out);
NR_API nr_status nr_op_call3(int32_t op, const nr_tensor* a, const nr_tensor* b, const nr_tensor* c,
                             const nr_attrs* attrs, nr_tensor** out);
/* Any number of inputs and outputs. Writes up to max_outputs handles and the op's output count; when the op has
 * more outputs than max_outputs nothing is written but num_outputs, and the status is NR_ERR_INVALID_ARGUMENT. */
NR_API nr_status nr_op_call(int32_t op, nr_tensor* const* inputs, int32_t num_inputs, const nr_attrs* attrs,
                            nr_tensor** outputs, int32_t max_outputs, int32_t* num_outputs);

/* ---- autograd ----
 * A floating-point tensor marked with nr_tensor_set_requires_grad makes every op that consumes it record itself;
 * nr_backward accumulates gradients into the leaves (nr_tensor_grad reads them), nr_grad returns them instead. */

/* Whether ops on the calling thread record gradients (default 1). */
NR_API nr_status nr_set_grad_enabled(int32_t enabled);
NR_API nr_status nr_is_grad_enabled(int32_t* out);
/* Stop at the first op whose output holds NaN/Inf with NR_ERR_NUMERIC naming it (also NEURITE_CHECK_NUMERICS=1). */
NR_API nr_status nr_set_check_numerics(int32_t enabled);
NR_API nr_status nr_tensor_set_requires_grad(nr_tensor* t, int32_t requires_grad);
NR_API nr_status nr_tensor_requires_grad(const nr_tensor* t, int32_t* out);
NR_API nr_status nr_tensor_is_leaf(const nr_tensor* t, int32_t* out);
/* The accumulated gradient as a new handle, or NULL in *out when there is none. */
NR_API nr_status nr_tensor_grad(const nr_tensor* t, nr_tensor** out);
/* Replaces the accumulated gradient; NULL clears it (zero_grad). */
NR_API nr_status nr_tensor_set_grad(nr_tensor* t, const nr_tensor* grad);
/* A new handle to the same storage without autograd history. */
NR_API nr_status nr_tensor_detach(const nr_tensor* t, nr_tensor** out);
/* Accumulates d(root)/d(leaf) into every leaf's gradient. gradient may be NULL for a scalar root. */
NR_API nr_status nr_backward(const nr_tensor* root, const nr_tensor* gradient, int32_t retain_graph,
                             int32_t create_graph);
/* grads[j] = d(sum_i outputs[i]·grad_outputs[i]) / d inputs[j], as new handles (NULL for an unused input when
 * allow_unused). grad_outputs may be NULL, or hold NULL entries, for scalar outputs. */
NR_API nr_status nr_grad(nr_tensor* const* outputs, int32_t num_outputs, nr_tensor* const* grad_outputs,
                         nr_tensor* const* inputs, int32_t num_inputs, int32_t retain_graph, int32_t create_graph,
                         int32_t allow_unused, nr_tensor** grads);

/* ---- devices (CUDA is a plugin, libneurite_cuda.so, opened on first use) ----
 * Without a GPU, a driver or the plugin library, CUDA calls fail with NR_ERR_DEVICE and a message that starts
 * "CUDA unavailable:" and gives the reason. The CPU is unaffected. */

/* Copies t to the device (a new handle to t itself when it is already there). */
NR_API nr_status nr_tensor_to(const nr_tensor* t, int32_t device_type, int32_t device_index, nr_tensor** out);
/* Checks that a device can be used (NR_OK) or says why not; for CUDA this loads the plugin. */
NR_API nr_status nr_device_check(int32_t device_type, int32_t device_index);
/* Number of devices of the type (1 for the CPU); fails with the reason when CUDA is unavailable. */
NR_API nr_status nr_device_count(int32_t device_type, int32_t* out);
/* Where libneurite_cuda.so is, tried before the default places (next to libneurite.so, then the linker's path). */
NR_API nr_status nr_set_cuda_library_path(const char* path);
/* Ops without tensor inputs (zeros, random_normal, ...) create their results on this device, for this thread. */
NR_API nr_status nr_set_default_device(int32_t device_type, int32_t device_index);
NR_API nr_status nr_get_default_device(int32_t* device_type, int32_t* device_index);
/* Memory of a device's allocator, in bytes, written to out[0..capacity): in use by tensors, cached for reuse, peak in
 * use, device free, device total, and the number of allocations the cache could not serve. Zeros for the CPU. */
NR_API nr_status nr_device_memory_stats(int32_t device_type, int32_t device_index, int64_t* out, int32_t capacity);
/* Returns a device's cached, unused memory to the driver. */
NR_API nr_status nr_device_empty_cache(int32_t device_type, int32_t device_index);
/* Whether f32 matmuls on CUDA may use TF32 tensor cores (default off, or NEURITE_ALLOW_TF32=1). */
NR_API nr_status nr_set_allow_tf32(int32_t allow);
/* Waits for every queued kernel of the device. Reading a tensor to the host waits by itself. */
NR_API nr_status nr_device_synchronize(int32_t device_type, int32_t device_index);

/* ---- pinned host memory and asynchronous copies (input pipelines) ----
 * A batch staged in pinned (page-locked) host memory is copied to the device on the device's copy stream while its
 * compute stream works on the previous batch. Every kernel queued for the device after nr_tensor_from_host_async
 * returns waits for the copy on the device (an event), so the host never waits for it, except before it reuses the
 * staging memory. On the CPU: plain aligned memory, a copy done at once, an event that is complete when made.
 *
 *   void* staging = NULL; nr_tensor* x = NULL; nr_event* copied = NULL;
 *   nr_pinned_alloc(NR_DEVICE_CUDA, 0, sizeof batch, &staging);
 *   memcpy(staging, batch, sizeof batch);
 *   nr_tensor_from_host_async(staging, sizeof batch, NR_F32, shape, 2, NR_DEVICE_CUDA, 0, &x, &copied);
 *   ...                                   // ops on x: queued now, run once the copy is done
 *   nr_event_synchronize(copied);         // before writing into staging again
 *   nr_event_free(copied); nr_tensor_free(x); nr_pinned_free(NR_DEVICE_CUDA, 0, staging);
 */

typedef struct nr_event nr_event;

/* nbytes of host memory the device copies from without staging (NULL for 0 bytes); free it with nr_pinned_free and
 * the same device. Pinning is slow and scarce: allocate buffers once and reuse them. */
NR_API nr_status nr_pinned_alloc(int32_t device_type, int32_t device_index, int64_t nbytes, void** out);
/* NULL is accepted. */
NR_API nr_status nr_pinned_free(int32_t device_type, int32_t device_index, void* ptr);
/* A new contiguous tensor on the device holding the nbytes of row-major host data at src (pinned, for the copy to be
 * asynchronous), and the copy's event in *event (free it with nr_event_free). src must stay unchanged until the event
 * is complete. */
NR_API nr_status nr_tensor_from_host_async(const void* src, int64_t nbytes, int32_t dtype, const int64_t* shape,
                                           int32_t ndim, int32_t device_type, int32_t device_index, nr_tensor** out,
                                           nr_event** event);
/* 1 in *done when the copy has finished. */
NR_API nr_status nr_event_query(const nr_event* event, int32_t* done);
/* Waits on the host until the copy has finished. */
NR_API nr_status nr_event_synchronize(const nr_event* event);
/* Releases the event (a copy still running finishes on its own). NULL is accepted. */
NR_API nr_status nr_event_free(nr_event* event);

/* ---- inference graphs and model files (docs/FORMAT.md) ----
 * A graph is a traced function of tensors: engine ops by table name, their attributes and edges, with named inputs
 * (dimension 0 symbolic: the batch), named parameters and named outputs. A model file is one safetensors file of named
 * tensors whose __metadata__ holds format_version, the layer configuration and the graph as JSON.
 *
 *   nr_graph_trace_begin();                          // ops on this thread are recorded, gradients off
 *   nr_graph_trace_input("image", x);                // x: an example input, e.g. [2,784]
 *   nr_graph_trace_param("dense.kernel", w);
 *   nr_op_call2(nr_op_id("matmul"), x, w, NULL, &y);
 *   nr_graph_trace_output("logits", y);
 *   nr_graph_trace_end(&g);                          // g runs at any batch size: nr_graph_run(g, &w, 1, &x2, 1, &out, 1)
 *
 * Strings returned through const char** belong to the handle and stay valid until it is freed. */

typedef struct nr_graph nr_graph;
typedef struct nr_model nr_model;

/* Which list nr_graph_value_* reads. */
#define NR_GRAPH_INPUT 0
#define NR_GRAPH_PARAM 1
#define NR_GRAPH_OUTPUT 2

/* One trace per thread. A tensor an op consumes that is not an input, a parameter or made inside the trace is
 * embedded as a constant (at most 65536 elements). */
NR_API nr_status nr_graph_trace_begin(void);
NR_API nr_status nr_graph_trace_input(const char* name, const nr_tensor* example);
NR_API nr_status nr_graph_trace_param(const char* name, const nr_tensor* value);
NR_API nr_status nr_graph_trace_output(const char* name, const nr_tensor* value);
/* Ends the trace and returns the graph of what the declared outputs need. */
NR_API nr_status nr_graph_trace_end(nr_graph** out);
/* Ends the trace on this thread without a graph (after an error); fine when none is active. */
NR_API nr_status nr_graph_trace_abort(void);

NR_API nr_status nr_graph_free(nr_graph* graph);
/* Parses and validates (unknown ops, arity, attributes, dangling edges, cycles, shapes): NR_ERR_FORMAT if bad. */
NR_API nr_status nr_graph_from_json(const char* json, nr_graph** out);
NR_API nr_status nr_graph_to_json(const nr_graph* graph, const char** out);
/* Params and inputs in the graph's order (nr_graph_value_name); writes up to max_outputs outputs. */
NR_API nr_status nr_graph_run(const nr_graph* graph, nr_tensor* const* params, int32_t num_params,
                              nr_tensor* const* inputs, int32_t num_inputs, nr_tensor** outputs, int32_t max_outputs);

/* The signature: kind is NR_GRAPH_INPUT, NR_GRAPH_PARAM or NR_GRAPH_OUTPUT. Shapes use -1 for the batch. */
NR_API nr_status nr_graph_num_values(const nr_graph* graph, int32_t kind, int32_t* out);
NR_API nr_status nr_graph_value_name(const nr_graph* graph, int32_t kind, int32_t index, const char** out);
NR_API nr_status nr_graph_value_id(const nr_graph* graph, int32_t kind, int32_t index, int64_t* out);
NR_API nr_status nr_graph_value_dtype(const nr_graph* graph, int32_t kind, int32_t index, int32_t* out);
NR_API nr_status nr_graph_value_ndim(const nr_graph* graph, int32_t kind, int32_t index, int32_t* out);
NR_API nr_status nr_graph_value_shape(const nr_graph* graph, int32_t kind, int32_t index, int64_t* out,
                                      int32_t capacity);
/* Embedded constants: their value id and a new handle to their tensor. */
NR_API nr_status nr_graph_num_constants(const nr_graph* graph, int32_t* out);
NR_API nr_status nr_graph_constant(const nr_graph* graph, int32_t index, int64_t* id, nr_tensor** out);
/* The nodes, in execution order (for exporters). */
NR_API nr_status nr_graph_num_nodes(const nr_graph* graph, int32_t* out);
NR_API nr_status nr_graph_node_op(const nr_graph* graph, int32_t node, const char** out);
NR_API nr_status nr_graph_node_num_inputs(const nr_graph* graph, int32_t node, int32_t* out);
NR_API nr_status nr_graph_node_input(const nr_graph* graph, int32_t node, int32_t index, int64_t* out);
NR_API nr_status nr_graph_node_num_outputs(const nr_graph* graph, int32_t node, int32_t* out);
NR_API nr_status nr_graph_node_output(const nr_graph* graph, int32_t node, int32_t index, int64_t* out);
NR_API nr_status nr_graph_node_num_attrs(const nr_graph* graph, int32_t node, int32_t* out);
/* Name and kind (NR_ATTR_*) of attribute `index`; for NR_ATTR_INTS, *count is the list length. */
NR_API nr_status nr_graph_node_attr(const nr_graph* graph, int32_t node, int32_t index, const char** name,
                                    int32_t* kind, int64_t* int_value, double* float_value, int32_t* count);
NR_API nr_status nr_graph_node_attr_ints(const nr_graph* graph, int32_t node, int32_t index, int64_t* out,
                                         int32_t capacity);

/* A model file's content: named tensors (file order) and string metadata. */
NR_API nr_status nr_model_create(nr_model** out);
NR_API nr_status nr_model_free(nr_model* model);
/* Stores a reference to the tensor (no copy until save). */
NR_API nr_status nr_model_add_tensor(nr_model* model, const char* name, const nr_tensor* tensor);
NR_API nr_status nr_model_set_metadata(nr_model* model, const char* key, const char* value);
/* Atomic: the file appears whole or not at all. Adds format_version; refuses a neurite.graph entry that the reader
 * would refuse. NR_ERR_IO when the file system refuses. */
NR_API nr_status nr_model_save(const nr_model* model, const char* path);
/* NR_ERR_FORMAT naming what and where for a truncated, forged, foreign or newer file; NR_ERR_IO if unreadable. */
NR_API nr_status nr_model_load(const char* path, nr_model** out);
NR_API nr_status nr_model_num_tensors(const nr_model* model, int32_t* out);
NR_API nr_status nr_model_tensor_name(const nr_model* model, int32_t index, const char** out);
NR_API nr_status nr_model_tensor(const nr_model* model, int32_t index, nr_tensor** out);
NR_API nr_status nr_model_num_metadata(const nr_model* model, int32_t* out);
NR_API nr_status nr_model_metadata_key(const nr_model* model, int32_t index, const char** out);
NR_API nr_status nr_model_metadata_value(const nr_model* model, int32_t index, const char** out);

#ifdef __cplusplus
}
#endif

#endif /* NEURITE_C_API_H */
