// S3Face: the S3-compatible REST API on the objects model.
//
// The face parses (path-style and virtual-host-style addressing, query sub-resources, headers),
// authenticates (AWS SigV4 in the Authorization header or presigned query parameters; request
// bodies checked as they stream: x-amz-content-sha256, aws-chunked chunk signatures and
// trailers, Content-MD5, x-amz-checksum-*), calls objects::ObjectStore, and encodes S3 XML and
// S3 error documents (s3_errors.h holds the one code -> HTTP status table). No storage logic
// lives here.
//
// Request bodies stream straight into the store (HttpStreamHandler): a PUT never buffers the
// object, and nothing becomes visible unless the whole body arrived and every check passed.
//
// Operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
// ListObjects (v1), ListObjectsV2, ListMultipartUploads, DeleteObjects, PutObject, CopyObject,
// GetObject, HeadObject, DeleteObject, CreateMultipartUpload, UploadPart, UploadPartCopy,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts, Get/PutBucketAcl and GetObjectAcl
// (canned ACLs private and public-read only). Other sub-resources (policy, versioning, tagging,
// lifecycle, ...) answer NotImplemented. Anonymous requests are refused (AccessDenied), except
// plain GET/HEAD of objects and listings in public-read buckets, and unsigned GET/HEAD/PUT of
// /api/v1/access/{token}/{key} carrying a valid ephemeral access token
// (objects/access_token.h) that covers the key. Per-operation metrics go to
// the metrics registry: cairn_s3_operations_total {op, code}, cairn_s3_bytes_received_total /
// cairn_s3_bytes_sent_total {op} and cairn_s3_operation_seconds {op} (time to the response
// headers).
//
// Thread safety: Handle() may be called concurrently from several threads.
#ifndef CAIRN_FACES_S3_S3_FACE_H_
#define CAIRN_FACES_S3_S3_FACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "core/metrics.h"
#include "models/objects/access_token.h"
#include "models/objects/object_store.h"
#include "net/http.h"

namespace cairn::s3 {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
};

struct S3FaceOptions {
  std::string region = "us-east-1";
  std::vector<S3Credentials> credentials;  // at least one
  // Host names under which "<bucket>.<name>" selects a bucket (virtual-host style). A request
  // whose Host is not below one of them uses path-style addressing.
  std::vector<std::string> virtual_host_domains = {"localhost"};
  uint64_t max_put_bytes = 5ull << 30;  // PutObject and UploadPart: EntityTooLarge beyond
  core::Env* env = nullptr;             // clock and randomness; must outlive the face
  core::MetricsRegistry* metrics = nullptr;
  // Verifies ephemeral access tokens (`cairn url create`); nullptr disables
  // /api/v1/access/{token}/{key}. Must outlive the face.
  const objects::AccessTokenKey* access_tokens = nullptr;
};

class S3Face {
 public:
  // `store` must outlive the face.
  S3Face(objects::ObjectStore* store, S3FaceOptions options);
  ~S3Face();

  // The HttpStreamHandler: answers in `response`, or returns the sink that takes the body.
  std::unique_ptr<net::BodySink> Handle(const net::HttpRequest& head, net::HttpResponse* response);

  struct Request;  // internal

 private:
  std::unique_ptr<net::BodySink> Dispatch(const net::HttpRequest& head,
                                          net::HttpResponse* response);
  // Per-operation metrics: requests by status, bytes in and out, time to the response headers.
  void Record(const std::string& op, int status, uint64_t bytes_in, uint64_t bytes_out,
              uint64_t start_micros);
  class MeteringSink;

  objects::ObjectStore* store_;
  S3FaceOptions options_;
};

}  // namespace cairn::s3

#endif  // CAIRN_FACES_S3_S3_FACE_H_
