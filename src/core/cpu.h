// Run-time CPU feature detection for choosing SIMD paths. A feature counts only when both the
// CPU has it (CPUID) and the operating system saves the register state it needs (XGETBV), so a
// path chosen from here can always run.
//
// Thread safety: DetectedCpuFeatures() is computed once and then read-only.
#ifndef CAIRN_CORE_CPU_H_
#define CAIRN_CORE_CPU_H_

namespace cairn::core {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512f = false;  // also implies the OS saves opmask and ZMM state
  bool avx512vl = false;
  bool avx512bw = false;
};

// The features of this machine (all false on non-x86 builds).
const CpuFeatures& DetectedCpuFeatures();

}  // namespace cairn::core

#endif  // CAIRN_CORE_CPU_H_
