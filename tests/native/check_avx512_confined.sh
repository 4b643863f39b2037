#!/bin/sh
# The shipped library must run on any x86-64 with AVX2: AVX-512 (zmm) instructions may appear only in the code of
# tiled_gemm_avx512.cpp (namespace nr::cpu::isa_avx512, entered through tiled_gemm_wide), which runs only after
# cpu_has_avx512() said yes. Prints any other function that uses them.
#   check_avx512_confined.sh OBJDUMP LIBRARY
set -eu
"$1" -d -C --no-show-raw-insn "$2" | awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; next }
  /zmm/ && fn !~ /nr::cpu::isa_avx512::/ && fn !~ /nr::cpu::tiled_gemm_wide\(/ {
    if (!(fn in seen)) { print "AVX-512 outside the dispatched kernels: " fn; seen[fn] = 1; bad = 1 }
  }
  END { exit bad }'
