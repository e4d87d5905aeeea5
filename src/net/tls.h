// TLS credentials for servers: a certificate chain and its private key (PEM), read from files,
// or generated as a self-signed pair (EC P-256, OpenSSL 3) into files on first use and read
// back on every later one; and the server-side OpenSSL context HttpServer serves HTTPS with.
//
// The self-signed pair is what the Session storage RPC uses (as upstream's storage server does):
// its clients do not verify the certificate but pin the node's own keys, so the certificate only
// has to exist and stay the same across restarts.
//
// Files go through core::Env (the key written 0600, each file atomically); key generation and
// the certificate's serial number use OpenSSL's own random generator, the validity the Env's
// clock.
//
// Thread safety: free functions without shared state; a context from NewTlsServerContext may be
// used by any number of connections on any threads.
#ifndef CAIRN_NET_TLS_H_
#define CAIRN_NET_TLS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}

namespace cairn::core {
class Env;
}

namespace cairn::net {

// A server's certificate chain (leaf first) and the leaf's private key, both PEM.
struct TlsCredentials {
  std::string certificate_pem;
  std::string private_key_pem;
};

// Parses the credentials and checks that the key belongs to the leaf certificate.
// Errors: kInvalidArgument naming what does not parse or match.
Status CheckTlsCredentials(const TlsCredentials& credentials);

// Reads a PEM certificate chain and a PEM private key from files and checks them as
// CheckTlsCredentials does. Errors: kNotFound when a file is missing (as the Env reports it),
// kInvalidArgument (with the file's path) when its content is not usable.
Result<TlsCredentials> LoadTlsCredentials(core::Env* env, const std::string& certificate_path,
                                          const std::string& private_key_path);

struct SelfSignedOptions {
  std::string common_name = "cairn";
  // subjectAltName entries: IP addresses become iPAddress entries, anything else dNSName.
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
  uint32_t valid_days = 3650;
};

// Generates an EC P-256 key and an X.509 v3 certificate for it, signed by itself (SHA-256),
// valid from an hour before now (`now_unix`) for options.valid_days, with a random 127-bit
// serial number, basicConstraints CA:FALSE and extendedKeyUsage serverAuth.
// Errors: kInvalidArgument for an empty or over-long common name or host; kInternal when
// OpenSSL fails.
Result<TlsCredentials> GenerateSelfSigned(const SelfSignedOptions& options, int64_t now_unix);

// The self-signed pair kept in `certificate_path` / `private_key_path`: read back (and checked)
// when both files exist; otherwise generated at the Env's current time and written (the key
// first, mode 0600; the certificate 0644), replacing a lone leftover of an interrupted first
// start. *created (optional) tells which happened.
// Errors: kDataLoss when both files exist but do not form a usable pair; the Env's errors when
// a file cannot be read or written; as GenerateSelfSigned.
Result<TlsCredentials> LoadOrCreateSelfSigned(core::Env* env, const std::string& certificate_path,
                                              const std::string& private_key_path,
                                              const SelfSignedOptions& options,
                                              bool* created = nullptr);

// The SHA-256 fingerprint of the leaf certificate's DER form, as `openssl x509 -fingerprint
// -sha256` prints it ("AB:CD:..."). Errors: kInvalidArgument when the PEM does not parse.
Result<std::string> CertificateFingerprintSha256(const std::string& certificate_pem);

// A server-side context holding the credentials: TLS 1.2 or later, no renegotiation, the
// server's cipher preference, no client certificates asked for.
// Errors: kInvalidArgument when the credentials do not load (as CheckTlsCredentials).
Result<std::unique_ptr<boost::asio::ssl::context>> NewTlsServerContext(
    const TlsCredentials& credentials);

}  // namespace cairn::net

#endif  // CAIRN_NET_TLS_H_
