/* cairn C ABI: the stable interface for embedding cairn from C, Go (cgo), Python (ctypes) and
 * others. Link with -lcairn (build/release/lib/libcairn.so).
 *
 * Conventions: every function that can fail returns a cairn_status (0 = CAIRN_OK); handles are
 * opaque; no C++ exception ever crosses this boundary; strings are NUL-terminated UTF-8.
 * Functions are thread-safe unless stated otherwise.
 *
 * This first version carries the version queries and BLAKE3; the embedded KV store joins it with
 * the KV face. The ABI only grows: CAIRN_ABI_VERSION increases when functions are added, and
 * nothing here changes meaning. */
#ifndef CAIRN_CAIRN_H_
#define CAIRN_CAIRN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_ABI_VERSION 1

#if defined(__GNUC__)
#define CAIRN_EXPORT __attribute__((visibility("default")))
#else
#define CAIRN_EXPORT
#endif

/* Mirrors cairn::StatusCode. */
typedef enum cairn_status {
  CAIRN_OK = 0,
  CAIRN_CANCELLED = 1,
  CAIRN_UNKNOWN = 2,
  CAIRN_INVALID_ARGUMENT = 3,
  CAIRN_DEADLINE_EXCEEDED = 4,
  CAIRN_NOT_FOUND = 5,
  CAIRN_ALREADY_EXISTS = 6,
  CAIRN_PERMISSION_DENIED = 7,
  CAIRN_RESOURCE_EXHAUSTED = 8,
  CAIRN_FAILED_PRECONDITION = 9,
  CAIRN_ABORTED = 10,
  CAIRN_OUT_OF_RANGE = 11,
  CAIRN_UNIMPLEMENTED = 12,
  CAIRN_INTERNAL = 13,
  CAIRN_UNAVAILABLE = 14,
  CAIRN_DATA_LOSS = 15,
  CAIRN_UNAUTHENTICATED = 16,
  CAIRN_IO_ERROR = 17
} cairn_status;

/* "0.1.0". The pointer is static. */
CAIRN_EXPORT const char* cairn_version(void);
/* The ABI version of the loaded library (compare with CAIRN_ABI_VERSION). */
CAIRN_EXPORT int cairn_abi_version(void);
/* "OK", "NOT_FOUND", ...; "UNKNOWN_CODE" for values outside the enum. Static. */
CAIRN_EXPORT const char* cairn_status_name(int status);

/* BLAKE3 of data[0..len) into out[0..out_len) (extended output when out_len > 32).
 * Errors: CAIRN_INVALID_ARGUMENT when out is NULL, out_len is 0, or data is NULL with len > 0. */
CAIRN_EXPORT cairn_status cairn_blake3(const void* data, size_t len, uint8_t* out, size_t out_len);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CAIRN_CAIRN_H_ */
