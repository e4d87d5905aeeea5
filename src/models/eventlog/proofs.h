// Verifying event log proofs: what a client, the CLI or a follower needs to check an inclusion
// or consistency proof served by an event log (or by any RFC 6962/9162 log over SHA-256) without
// trusting it. The verifiers are RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency),
// checked against the RFC 6962 vectors and transparency-dev/merkle's golden probes; they share
// their implementation with the engine's Merkle trees (engine/merkle.h).
//
// Thread safety: pure functions.
#ifndef CAIRN_MODELS_EVENTLOG_PROOFS_H_
#define CAIRN_MODELS_EVENTLOG_PROOFS_H_

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "models/eventlog/tree_page.h"

namespace cairn::eventlog {

// SHA-256(0x00 || event): the leaf hash of an event.
Hash EventLeafHash(ByteSpan event);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of an empty stream.
Hash EmptyTreeRoot();

// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`.
// Errors: kInvalidArgument (index >= size, a proof of the wrong length), kDataLoss (the proof
// does not lead to the root).
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// Checks that the tree of `size1` leaves with `root1` is a prefix of the tree of `size2` leaves
// with `root2`. Errors: kInvalidArgument (size1 > size2, size1 == 0, which proves nothing, or a
// proof of the wrong length), kDataLoss (the proof does not match the roots).
Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                         const std::vector<Hash>& proof);

}  // namespace cairn::eventlog

#endif  // CAIRN_MODELS_EVENTLOG_PROOFS_H_
