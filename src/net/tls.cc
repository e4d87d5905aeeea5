#include "net/tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdio>

#include "core/bytes.h"
#include "core/env/env.h"

namespace cairn::net {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// The oldest queued OpenSSL error as text (and clears the queue, so no error leaks into the next
// caller on this thread).
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

Result<std::string> BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n < 0 || data == nullptr) return InternalError("OpenSSL: empty memory BIO");
  return std::string(data, static_cast<size_t>(n));
}

Result<X509Ptr> ParseLeafCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return InvalidArgumentError("no PEM certificate: " + OpenSslError());
  return cert;
}

Result<PkeyPtr> ParsePrivateKey(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  // An empty passphrase callback result: an encrypted key fails instead of prompting on a TTY.
  PkeyPtr key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) {
    return InvalidArgumentError("no unencrypted PEM private key: " + OpenSslError());
  }
  return key;
}

// Adds one v3 extension given in openssl.cnf syntax ("critical,CA:FALSE").
Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) return InvalidArgumentError("certificate extension '" + value + "': " + OpenSslError());
  if (X509_add_ext(cert, ext.get(), -1) != 1)
    return InternalError("X509_add_ext: " + OpenSslError());
  return Status();
}

// "DNS:localhost,IP:127.0.0.1" from the hosts.
Result<std::string> SubjectAltNames(const std::vector<std::string>& hosts) {
  std::string out;
  for (const std::string& host : hosts) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    bool is_name = !host.empty() && host.size() <= 253 &&
                   host.find_first_not_of(
                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789.-*") == std::string::npos;
    if (ec && !is_name) {
      return InvalidArgumentError("certificate host '" + host + "' is not a name or address");
    }
    if (!out.empty()) out += ',';
    out += (ec ? "DNS:" : "IP:") + host;
  }
  return out;
}

Result<X509Ptr> BuildCertificate(const SelfSignedOptions& options, EVP_PKEY* key,
                                 int64_t now_unix) {
  if (options.common_name.empty() || options.common_name.size() > 64) {
    return InvalidArgumentError("certificate common name must be 1 to 64 characters");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string alt_names, SubjectAltNames(options.hosts));
  X509Ptr cert(X509_new());
  if (!cert) return InternalError("X509_new: " + OpenSslError());
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return InternalError("X509_set_version: " + OpenSslError());
  }
  // A random positive serial of 127 bits (RFC 5280 allows up to 20 octets).
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return InternalError("certificate serial: " + OpenSslError());
  }
  // Valid from an hour ago, so that a client whose clock is a little behind accepts it too.
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(now_unix - 3600)) ==
          nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(cert.get()), static_cast<time_t>(now_unix),
                    static_cast<int>(options.valid_days), 0) == nullptr) {
    return InternalError("certificate validity: " + OpenSslError());
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(options.common_name.data()),
                                 static_cast<int>(options.common_name.size()), -1, 0) != 1) {
    return InvalidArgumentError("certificate common name: " + OpenSslError());
  }
  if (X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return InternalError("certificate names: " + OpenSslError());
  }
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  if (!alt_names.empty()) {
    CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, alt_names));
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    return InternalError("X509_sign: " + OpenSslError());
  }
  return cert;
}

}  // namespace

Status CheckTlsCredentials(const TlsCredentials& credentials) {
  CAIRN_ASSIGN_OR_RETURN(X509Ptr cert, ParseLeafCertificate(credentials.certificate_pem));
  CAIRN_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKey(credentials.private_key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("the private key does not belong to the certificate");
  }
  return Status();
}

Result<TlsCredentials> LoadTlsCredentials(core::Env* env, const std::string& certificate_path,
                                          const std::string& private_key_path) {
  TlsCredentials c;
  CAIRN_ASSIGN_OR_RETURN(c.certificate_pem, core::ReadFileToString(env, certificate_path));
  CAIRN_ASSIGN_OR_RETURN(c.private_key_pem, core::ReadFileToString(env, private_key_path));
  if (Result<X509Ptr> cert = ParseLeafCertificate(c.certificate_pem); !cert.ok()) {
    return InvalidArgumentError(certificate_path + ": " + std::string(cert.status().message()));
  }
  if (Result<PkeyPtr> key = ParsePrivateKey(c.private_key_pem); !key.ok()) {
    return InvalidArgumentError(private_key_path + ": " + std::string(key.status().message()));
  }
  Status s = CheckTlsCredentials(c);
  if (!s.ok()) {
    return InvalidArgumentError(private_key_path + " and " + certificate_path + ": " +
                                std::string(s.message()));
  }
  return c;
}

Result<TlsCredentials> GenerateSelfSigned(const SelfSignedOptions& options, int64_t now_unix) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return InternalError("EC P-256 key generation: " + OpenSslError());
  CAIRN_ASSIGN_OR_RETURN(X509Ptr cert, BuildCertificate(options, key.get(), now_unix));
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return InternalError("PEM encoding: " + OpenSslError());
  }
  TlsCredentials c;
  CAIRN_ASSIGN_OR_RETURN(c.certificate_pem, BioToString(cert_bio.get()));
  CAIRN_ASSIGN_OR_RETURN(c.private_key_pem, BioToString(key_bio.get()));
  return c;
}

Result<TlsCredentials> LoadOrCreateSelfSigned(core::Env* env, const std::string& certificate_path,
                                              const std::string& private_key_path,
                                              const SelfSignedOptions& options, bool* created) {
  if (created != nullptr) *created = false;
  if (env->FileExists(certificate_path) && env->FileExists(private_key_path)) {
    Result<TlsCredentials> c = LoadTlsCredentials(env, certificate_path, private_key_path);
    if (!c.ok() && c.status().code() == StatusCode::kInvalidArgument) {
      return DataLossError(std::string(c.status().message()) +
                           " (delete both files to generate a new self-signed pair)");
    }
    return c;
  }
  // Neither file, or one left by a start cut short between the two writes: a new pair. The key
  // goes first, so a certificate on disk always has its key beside it.
  CAIRN_ASSIGN_OR_RETURN(
      TlsCredentials c,
      GenerateSelfSigned(options, static_cast<int64_t>(env->UnixMicros() / 1'000'000)));
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, private_key_path, AsBytes(c.private_key_pem), 0600));
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, certificate_path, AsBytes(c.certificate_pem), 0644));
  if (created != nullptr) *created = true;
  return c;
}

Result<std::string> CertificateFingerprintSha256(const std::string& certificate_pem) {
  CAIRN_ASSIGN_OR_RETURN(X509Ptr cert, ParseLeafCertificate(certificate_pem));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &n) != 1) {
    return InternalError("X509_digest: " + OpenSslError());
  }
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof(hex), i ? ":%02X" : "%02X", md[i]);
    out += hex;
  }
  return out;
}

Result<std::unique_ptr<boost::asio::ssl::context>> NewTlsServerContext(
    const TlsCredentials& credentials) {
  namespace ssl = boost::asio::ssl;
  CAIRN_RETURN_IF_ERROR(CheckTlsCredentials(credentials));
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return InternalError("TLS minimum version: " + OpenSslError());
  }
  // Renegotiation only costs the server (a client can make it redo the expensive half of a
  // handshake at will); compression invites CRIME.
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain(
      boost::asio::buffer(credentials.certificate_pem.data(), credentials.certificate_pem.size()),
      ec);
  if (ec) return InvalidArgumentError("TLS certificate chain: " + ec.message());
  ctx->use_private_key(
      boost::asio::buffer(credentials.private_key_pem.data(), credentials.private_key_pem.size()),
      ssl::context::pem, ec);
  if (ec) return InvalidArgumentError("TLS private key: " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidArgumentError("TLS: the private key does not belong to the certificate: " +
                                OpenSslError());
  }
  return ctx;
}

}  // namespace cairn::net
