// Includes <immintrin.h> for files compiled with AVX-512 flags. GCC 12 reports its own
// _mm512_undefined_epi32() (used inside several intrinsics) as uninitialized (GCC bug 105593,
// fixed in GCC 13); the warning points into the header, so it is silenced around the include only
// and stays on for the including file's own code.
#ifndef CAIRN_CORE_INTERNAL_IMMINTRIN_AVX512_H_
#define CAIRN_CORE_INTERNAL_IMMINTRIN_AVX512_H_

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // CAIRN_CORE_INTERNAL_IMMINTRIN_AVX512_H_
