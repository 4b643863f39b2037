// Definitions of the rnn family's ops, in NR_OP_LIST_RNN order, and their shape rules.
//
// Every cell takes x [N, I] and h [N, H]; the other operands' shapes follow from N, I, H and the number of gates
// (1 simple RNN, 4 LSTM, 3 GRU), in Keras's layouts so a Keras model's weights load unchanged. The backward ops'
// outputs have the shapes of the inputs they are gradients of.
#include <climits>
#include <string>

#include "ops/op_table.h"

namespace nr {
namespace {

constexpr AttrKind I = AttrKind::Int;
constexpr bool OPT = false;

// A dimension of an operand, in terms of the cell's sizes.
enum class Dim { N, I, H, Gates, Two };

struct Operand {
  const char* name;
  std::vector<Dim> dims;
};

struct Sizes {
  int64_t n, i, h;
};

int64_t dim_value(Dim d, const Sizes& s, int gates) {
  switch (d) {
    case Dim::N: return s.n;
    case Dim::I: return s.i;
    case Dim::H: return s.h;
    case Dim::Gates: return gates * s.h;
    case Dim::Two: return 2;
  }
  return 0;
}

std::string dim_symbol(Dim d, int gates) {
  switch (d) {
    case Dim::N: return "N";
    case Dim::I: return "I";
    case Dim::H: return "H";
    case Dim::Gates: return gates == 1 ? "H" : std::to_string(gates) + "H";
    case Dim::Two: return "2";
  }
  return "?";
}

std::string meta_str(const TensorMeta& m) { return std::string(dtype_name(m.dtype)) + shape_str(m.shape); }

// Validates a cell's inputs (`operands`, in input order; x and h first) and returns N, I, H. Errors name the op, the
// operand, its shape, the expected shape written with N, I, H (and 4H / 3H), and where those sizes came from.
Sizes check_cell(const OpDef& def, const std::vector<TensorMeta>& in, int gates, const std::vector<Operand>& operands) {
  if (!is_floating(in[0].dtype))
    fail(Status::DType, def.name, ": x must be a floating-point tensor (f32 or f64), got ", meta_str(in[0]));
  for (size_t k = 1; k < in.size(); ++k)
    if (in[k].dtype != in[0].dtype)
      fail(Status::DType, def.name, ": ", operands[k].name, " is ", meta_str(in[k]), " but x is ", meta_str(in[0]),
           " (every operand must have one dtype)");
  for (size_t k = 0; k < 2; ++k)
    if (in[k].shape.size() != 2)
      fail(Status::Shape, def.name, ": ", operands[k].name, " must be a matrix ", k == 0 ? "[N, I]" : "[N, H]",
           ", got ", meta_str(in[k]));
  Sizes s{in[0].shape[0], in[0].shape[1], in[1].shape[1]};
  for (size_t k = 1; k < in.size(); ++k) {
    const std::vector<Dim>& dims = operands[k].dims;
    Shape want;
    for (Dim d : dims) want.push_back(dim_value(d, s, gates));
    if (in[k].shape == want) continue;
    std::string symbolic;
    for (size_t d = 0; d < dims.size(); ++d) symbolic += (d ? ", " : "") + dim_symbol(dims[d], gates);
    fail(Status::Shape, def.name, ": ", operands[k].name, " ", meta_str(in[k]), " must be [", symbolic, "] = ",
         shape_str(want), " (N = ", s.n, " and I = ", s.i, " from x ", shape_str(in[0].shape), ", H = ", s.h,
         " from h ", shape_str(in[1].shape), ")");
  }
  for (int64_t v : {s.n, s.i, gates * s.h})
    if (v > INT_MAX)
      fail(Status::Unsupported, def.name, ": a dimension of ", v, " exceeds the 2^31-1 that BLAS indexes");
  return s;
}

void check_activation(const OpDef& def, const Attrs& attrs) {
  int64_t a = attrs.get_int("activation", 0);
  if (a != 0 && a != 1)
    fail(Status::InvalidArgument, def.name, ": activation must be 0 (tanh) or 1 (relu), got ", a);
}

void check_needs(const OpDef& def, const Attrs& attrs, size_t outputs) {
  int64_t mask = attrs.get_int("needs", (int64_t(1) << outputs) - 1);
  if (mask < 0 || mask >= (int64_t(1) << outputs))
    fail(Status::InvalidArgument, def.name, ": needs is a bit mask of its ", outputs, " outputs (0 to ",
         (int64_t(1) << outputs) - 1, "), got ", mask);
}

// Output k has the shape of input `from[k]`.
std::vector<TensorMeta> like_inputs(const std::vector<TensorMeta>& in, const std::vector<size_t>& from) {
  std::vector<TensorMeta> out;
  for (size_t k : from) out.push_back(in[k]);
  return out;
}

const Operand kX{"x", {Dim::N, Dim::I}}, kH{"h", {Dim::N, Dim::H}}, kC{"c", {Dim::N, Dim::H}};
const Operand kW{"w", {Dim::I, Dim::Gates}}, kU{"u", {Dim::H, Dim::Gates}}, kB{"b", {Dim::Gates}};
const Operand kGruB{"b", {Dim::Two, Dim::Gates}};
const Operand kHNew{"h_new", {Dim::N, Dim::H}}, kDH{"dh_new", {Dim::N, Dim::H}}, kDC{"dc_new", {Dim::N, Dim::H}};

std::vector<TensorMeta> rnn_cell(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  check_cell(def, in, 1, {kX, kH, kW, kU, kB});
  check_activation(def, attrs);
  return {in[1]};
}

std::vector<TensorMeta> rnn_cell_grad(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  check_cell(def, in, 1, {kX, kH, kW, kU, kHNew, kDH});
  check_activation(def, attrs);
  check_needs(def, attrs, 5);
  std::vector<TensorMeta> out = like_inputs(in, {0, 1, 2, 3});
  out.push_back({in[0].dtype, {in[1].shape[1]}});
  return out;
}

std::vector<TensorMeta> lstm_cell(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  check_cell(def, in, 4, {kX, kH, kC, kW, kU, kB});
  return {in[1], in[1]};
}

std::vector<TensorMeta> lstm_cell_grad(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  check_cell(def, in, 4, {kX, kH, kC, kW, kU, kB, kDH, kDC});
  check_needs(def, attrs, 6);
  return like_inputs(in, {0, 1, 2, 3, 4, 5});
}

std::vector<TensorMeta> gru_cell(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  check_cell(def, in, 3, {kX, kH, kW, kU, kGruB});
  return {in[1]};
}

std::vector<TensorMeta> gru_cell_grad(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  check_cell(def, in, 3, {kX, kH, kW, kU, kGruB, kDH});
  check_needs(def, attrs, 5);
  return like_inputs(in, {0, 1, 2, 3, 4});
}

const AttrDef kActivation{"activation", I, OPT}, kNeeds{"needs", I, OPT};

}  // namespace

std::vector<OpDef> rnn_op_defs() {
  return {
      {OpId::RnnCell, "rnn_cell",
       "One SimpleRNN step, Keras layout: `act(x·w + h·u + b)` for x [N,I], h [N,H], w [I,H], u [H,H], b [H]; "
       "`activation` 0 tanh (default), 1 relu.",
       5, 0, {kActivation}, rnn_cell},
      {OpId::RnnCellGrad, "rnn_cell_grad",
       "rnn_cell's gradient from `(x, h, w, u, h', dh')`: `(dx, dh, dw, du, db)`; `needs` bit k asks for output k "
       "(default all), the others are zeros.",
       6, 0, {kActivation, kNeeds}, rnn_cell_grad},
      {OpId::LstmCell, "lstm_cell",
       "One LSTM step, Keras layout (gates i, f, c, o along w [I,4H], u [H,4H], b [4H]): `(h', c')` from "
       "`(x, h, c, w, u, b)`; sigmoid gates, tanh activation.",
       6, 0, {}, lstm_cell},
      {OpId::LstmCellGrad, "lstm_cell_grad",
       "lstm_cell's gradient from `(x, h, c, w, u, b, dh', dc')`, gates recomputed: `(dx, dh, dc, dw, du, db)`; "
       "`needs` as rnn_cell_grad.",
       8, 0, {kNeeds}, lstm_cell_grad},
      {OpId::GruCell, "gru_cell",
       "One GRU step, Keras reset_after=True (gates z, r, h along w [I,3H], u [H,3H]; b [2,3H] holds the input "
       "and recurrent biases): h' from `(x, h, w, u, b)`.",
       5, 0, {}, gru_cell},
      {OpId::GruCellGrad, "gru_cell_grad",
       "gru_cell's gradient from `(x, h, w, u, b, dh')`, gates recomputed: `(dx, dh, dw, du, db)`; `needs` as "
       "rnn_cell_grad.",
       6, 0, {kNeeds}, gru_cell_grad},
  };
}

}  // namespace nr
