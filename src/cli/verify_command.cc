#include "cli/verify_command.h"

#include <cstring>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/blake3.h"
#include "engine/merkle.h"

namespace cairn::cli {
namespace {

bool ParseHash(const nlohmann::json& v, engine::Hash32* out) {
  if (!v.is_string()) return false;
  std::string raw;
  if (!HexDecode(v.get<std::string>(), &raw) || raw.size() != out->size()) return false;
  std::memcpy(out->data(), raw.data(), out->size());
  return true;
}

int Unusable(const std::string& why) {
  std::fprintf(stderr, "cairn verify: %s\n", why.c_str());
  return 2;
}

}  // namespace

int RunVerify(const VerifyOptions& options, core::Env* env, std::FILE* out) {
  std::string text;
  if (options.proof_file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    Result<std::string> r = core::ReadFileToString(env, options.proof_file);
    if (!r.ok()) return Unusable(r.status().ToString());
    text = std::move(*r);
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Unusable("the proof is not a JSON object");
  engine::Hash32 chunk_id{}, root{};
  if (!j.contains("chunk") || !j["chunk"].is_number_unsigned() || !j.contains("chunk_count") ||
      !j["chunk_count"].is_number_unsigned() || !j.contains("path") || !j["path"].is_array() ||
      !ParseHash(j.value("chunk_id", nlohmann::json()), &chunk_id) ||
      !ParseHash(j.value("root", nlohmann::json()), &root)) {
    return Unusable("the proof needs chunk, chunk_count, chunk_id, path and root");
  }
  if (j.value("hash", std::string("blake3")) != "blake3") {
    return Unusable("unknown hash '" + j.value("hash", std::string()) + "'");
  }
  std::vector<engine::Hash32> path;
  for (const auto& p : j["path"]) {
    engine::Hash32 h{};
    if (!ParseHash(p, &h)) return Unusable("a path entry is not a 32-byte hex hash");
    path.push_back(h);
  }
  uint64_t index = j["chunk"].get<uint64_t>(), count = j["chunk_count"].get<uint64_t>();
  if (options.root_hex) {
    engine::Hash32 want{};
    if (!ParseHash(*options.root_hex, &want)) return Unusable("--root is not a 32-byte hex hash");
    if (want != root) {
      std::fprintf(out, "FAILED: the proof's root %s is not the expected %s\n",
                   HexEncode(ByteSpan(root)).c_str(), options.root_hex->c_str());
      return 1;
    }
  }
  if (options.data_file) {
    Result<std::string> data = core::ReadFileToString(env, *options.data_file);
    if (!data.ok()) return Unusable(data.status().ToString());
    if (j.contains("length") && j["length"].is_number_unsigned() &&
        j["length"].get<uint64_t>() != data->size()) {
      std::fprintf(out, "FAILED: %s holds %zu bytes, the chunk has %llu\n",
                   options.data_file->c_str(), data->size(),
                   static_cast<unsigned long long>(j["length"].get<uint64_t>()));
      return 1;
    }
    engine::Hash32 got = core::Blake3(AsBytes(*data));
    if (got != chunk_id) {
      std::fprintf(out, "FAILED: BLAKE3 of %s is %s, not the chunk id %s\n",
                   options.data_file->c_str(), HexEncode(ByteSpan(got)).c_str(),
                   HexEncode(ByteSpan(chunk_id)).c_str());
      return 1;
    }
  }
  const engine::MerkleHasher& h = engine::Blake3Merkle();
  Status s = engine::VerifyInclusion(h, index, count, h.LeafHash(ByteSpan(chunk_id)), path, root);
  if (!s.ok()) {
    std::fprintf(out, "FAILED: chunk %llu of %llu does not verify against root %s: %s\n",
                 static_cast<unsigned long long>(index), static_cast<unsigned long long>(count),
                 HexEncode(ByteSpan(root)).c_str(), std::string(s.message()).c_str());
    return 1;
  }
  std::fprintf(out, "ok: chunk %llu of %llu%s verifies against root %s\n",
               static_cast<unsigned long long>(index), static_cast<unsigned long long>(count),
               options.data_file ? " (data matches its id)" : "",
               HexEncode(ByteSpan(root)).c_str());
  return 0;
}

}  // namespace cairn::cli
