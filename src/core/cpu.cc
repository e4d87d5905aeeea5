#include "core/cpu.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace cairn::core {
namespace {

#if defined(__x86_64__) || defined(__i386__)
uint64_t ReadXcr0() {
  uint32_t eax = 0;
  uint32_t edx = 0;
  __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures Detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return f;
  constexpr unsigned kOsXsave = 1u << 27;
  constexpr unsigned kAvx = 1u << 28;
  if ((ecx & kOsXsave) == 0 || (ecx & kAvx) == 0) return f;
  const uint64_t xcr0 = ReadXcr0();
  const bool os_saves_ymm = (xcr0 & 0x6) == 0x6;    // SSE and AVX state
  const bool os_saves_zmm = (xcr0 & 0xE6) == 0xE6;  // and opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return f;
  f.avx2 = os_saves_ymm && ((ebx >> 5) & 1);
  f.avx512f = os_saves_zmm && ((ebx >> 16) & 1);
  f.avx512bw = f.avx512f && ((ebx >> 30) & 1);
  f.avx512vl = f.avx512f && ((ebx >> 31) & 1);
  return f;
}
#else
CpuFeatures Detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& DetectedCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

}  // namespace cairn::core
