"""The S3 face against real clients: boto3, awscli, s3cmd and rclone, on the real cairnd."""
import datetime
import hashlib
import os
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import S3_ACCESS_KEY, S3_SECRET_KEY, Cairnd

import boto3  # noqa: E402  (python3-boto3, installed by scripts/bootstrap)
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

MIB = 1 << 20


def client(s3d, secret=S3_SECRET_KEY, access=S3_ACCESS_KEY, **config):
    return boto3.client(
        "s3", endpoint_url=s3d.s3_url, aws_access_key_id=access,
        aws_secret_access_key=secret, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      **config))


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def data(n, seed=1):
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


# ----- boto3 ---------------------------------------------------------------------------------


def test_boto3_buckets(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="alpha")
    c.create_bucket(Bucket="beta")
    names = [b["Name"] for b in c.list_buckets()["Buckets"]]
    assert names == ["alpha", "beta"]
    c.head_bucket(Bucket="alpha")
    assert c.get_bucket_location(Bucket="alpha").get("LocationConstraint") in (None, "")
    with pytest.raises(ClientError) as e:
        c.create_bucket(Bucket="alpha")
    assert error_code(e) == "BucketAlreadyOwnedByYou"
    with pytest.raises(ClientError) as e:
        c.create_bucket(Bucket="Bad_Name")
    assert error_code(e) == "InvalidBucketName"
    with pytest.raises(ClientError) as e:
        c.head_bucket(Bucket="missing")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    c.put_object(Bucket="beta", Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        c.delete_bucket(Bucket="beta")
    assert error_code(e) == "BucketNotEmpty"
    c.delete_bucket(Bucket="alpha")
    assert [b["Name"] for b in c.list_buckets()["Buckets"]] == ["beta"]


def test_boto3_objects(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    body = data(3 * MIB + 17)
    put = c.put_object(Bucket="bkt", Key="dir/obj.bin", Body=body, ContentType="application/x-test",
                       Metadata={"Color": "blue"}, CacheControl="max-age=60",
                       ContentDisposition="attachment")
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = c.get_object(Bucket="bkt", Key="dir/obj.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"color": "blue"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "attachment"
    head = c.head_object(Bucket="bkt", Key="dir/obj.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == put["ETag"]
    # Ranges, including a suffix range and one running past the end.
    r = c.get_object(Bucket="bkt", Key="dir/obj.bin", Range="bytes=100-199")
    assert r["Body"].read() == body[100:200]
    assert r["ContentRange"] == "bytes 100-199/%d" % len(body)
    assert c.get_object(Bucket="bkt", Key="dir/obj.bin", Range="bytes=-10")["Body"].read() == body[-10:]
    assert c.get_object(Bucket="bkt", Key="dir/obj.bin",
                        Range="bytes=%d-" % (len(body) - 5))["Body"].read() == body[-5:]
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="bkt", Key="dir/obj.bin", Range="bytes=%d-" % len(body))
    assert error_code(e) == "InvalidRange"
    # Conditional reads.
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="bkt", Key="dir/obj.bin", IfNoneMatch=put["ETag"])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="bkt", Key="dir/obj.bin", IfMatch='"0000"')
    assert error_code(e) == "PreconditionFailed"
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="bkt", Key="dir/obj.bin", IfUnmodifiedSince=past)
    assert error_code(e) == "PreconditionFailed"
    assert c.get_object(Bucket="bkt", Key="dir/obj.bin",
                        IfModifiedSince=past)["ContentLength"] == len(body)
    assert c.get_object(Bucket="bkt", Key="dir/obj.bin",
                        IfUnmodifiedSince=future)["ContentLength"] == len(body)
    # response-* overrides.
    r = c.get_object(Bucket="bkt", Key="dir/obj.bin", ResponseContentType="text/plain",
                     ResponseContentDisposition="inline")
    assert r["ContentType"] == "text/plain" and r["ContentDisposition"] == "inline"
    # Empty object, odd keys.
    for key in ["empty", "sp ace+plus", "ünïcödé/ключ", "a%2Fb", "tilde~x"]:
        c.put_object(Bucket="bkt", Key=key, Body=b"" if key == "empty" else key.encode())
        assert c.get_object(Bucket="bkt", Key=key)["Body"].read() == (
            b"" if key == "empty" else key.encode())
    # Errors.
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="bkt", Key="nope")
    assert error_code(e) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        c.get_object(Bucket="nobucket", Key="x")
    assert error_code(e) == "NoSuchBucket"
    # Delete is idempotent.
    c.delete_object(Bucket="bkt", Key="dir/obj.bin")
    c.delete_object(Bucket="bkt", Key="dir/obj.bin")
    with pytest.raises(ClientError) as e:
        c.head_object(Bucket="bkt", Key="dir/obj.bin")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_boto3_conditional_put(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    headers = {}

    def add_headers(request, **kwargs):
        for k, v in headers.items():
            request.headers[k] = v

    c.meta.events.register("before-sign.s3.PutObject", add_headers)
    headers["If-None-Match"] = "*"
    first = c.put_object(Bucket="bkt", Key="k", Body=b"one")
    with pytest.raises(ClientError) as e:
        c.put_object(Bucket="bkt", Key="k", Body=b"two")
    assert error_code(e) == "PreconditionFailed"
    headers.clear()
    headers["If-Match"] = '"deadbeef"'
    with pytest.raises(ClientError) as e:
        c.put_object(Bucket="bkt", Key="k", Body=b"two")
    assert error_code(e) == "PreconditionFailed"
    headers["If-Match"] = first["ETag"]
    c.put_object(Bucket="bkt", Key="k", Body=b"three")
    assert c.get_object(Bucket="bkt", Key="k")["Body"].read() == b"three"


def test_boto3_listing(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    keys = ["a/1", "a/2", "a/b/3", "c", "d/4", "e e"] + ["p/%03d" % i for i in range(25)]
    for k in keys:
        c.put_object(Bucket="bkt", Key=k, Body=k.encode())
    r = c.list_objects_v2(Bucket="bkt", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "d/", "p/"]
    assert [o["Key"] for o in r["Contents"]] == ["c", "e e"]
    r = c.list_objects_v2(Bucket="bkt", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    # Paging with continuation tokens and with the paginator.
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = c.list_objects_v2(Bucket="bkt", Prefix="p/", MaxKeys=7, **kw)
        seen += [o["Key"] for o in r["Contents"]]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert seen == ["p/%03d" % i for i in range(25)]
    pages = c.get_paginator("list_objects").paginate(Bucket="bkt", PaginationConfig={"PageSize": 4})
    assert sorted(o["Key"] for p in pages for o in p.get("Contents", [])) == sorted(keys)
    r = c.list_objects_v2(Bucket="bkt", StartAfter="p/020")
    assert [o["Key"] for o in r["Contents"]] == ["p/%03d" % i for i in range(21, 25)]
    r = c.list_objects_v2(Bucket="bkt", Prefix="e", EncodingType="url")
    # An explicit EncodingType leaves decoding to the caller (botocore decodes only its own).
    assert [o["Key"] for o in r["Contents"]] == ["e%20e"]
    r = c.list_objects(Bucket="bkt", Marker="d/4", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["e e", "p/000"]
    assert r["IsTruncated"]


def test_boto3_copy_and_delete_objects(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="src")
    c.create_bucket(Bucket="dst")
    body = data(2 * MIB, 5)
    c.put_object(Bucket="src", Key="o", Body=body, Metadata={"a": "1"}, ContentType="text/x")
    c.copy_object(Bucket="dst", Key="copy", CopySource={"Bucket": "src", "Key": "o"})
    got = c.get_object(Bucket="dst", Key="copy")
    assert got["Body"].read() == body and got["Metadata"] == {"a": "1"}
    c.copy_object(Bucket="dst", Key="copy2", CopySource="src/o", MetadataDirective="REPLACE",
                  Metadata={"b": "2"}, ContentType="text/y")
    got = c.head_object(Bucket="dst", Key="copy2")
    assert got["Metadata"] == {"b": "2"} and got["ContentType"] == "text/y"
    with pytest.raises(ClientError) as e:
        c.copy_object(Bucket="src", Key="o", CopySource="src/o")
    assert error_code(e) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        c.copy_object(Bucket="dst", Key="x", CopySource="src/missing")
    assert error_code(e) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        c.copy_object(Bucket="dst", Key="x", CopySource="src/o", CopySourceIfMatch='"nope"')
    assert error_code(e) == "PreconditionFailed"
    r = c.delete_objects(Bucket="dst", Delete={"Objects": [{"Key": "copy"}, {"Key": "copy2"},
                                                         {"Key": "never-there"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["copy", "copy2", "never-there"]
    assert c.list_objects_v2(Bucket="dst")["KeyCount"] == 0


def test_boto3_multipart(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    parts = [data(5 * MIB, 1), data(5 * MIB, 2), data(1234, 3)]
    up = c.create_multipart_upload(Bucket="bkt", Key="big", ContentType="video/x")
    uid = up["UploadId"]
    other = c.create_multipart_upload(Bucket="bkt", Key="other")["UploadId"]
    listed = c.list_multipart_uploads(Bucket="bkt")["Uploads"]
    assert sorted(u["UploadId"] for u in listed) == sorted([uid, other])
    etags = []
    for i, p in enumerate(parts, start=1):
        etags.append(c.upload_part(Bucket="bkt", Key="big", UploadId=uid, PartNumber=i,
                                   Body=p)["ETag"])
    lp = c.list_parts(Bucket="bkt", Key="big", UploadId=uid)
    assert [p["PartNumber"] for p in lp["Parts"]] == [1, 2, 3]
    assert [p["Size"] for p in lp["Parts"]] == [len(p) for p in parts]
    with pytest.raises(ClientError) as e:
        c.complete_multipart_upload(Bucket="bkt", Key="big", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]})
    assert error_code(e) == "InvalidPartOrder"
    with pytest.raises(ClientError) as e:
        c.complete_multipart_upload(Bucket="bkt", Key="big", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": '"00"'}]})
    assert error_code(e) == "InvalidPart"
    done = c.complete_multipart_upload(Bucket="bkt", Key="big", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert done["ETag"] == '"%s-3"' % hashlib.md5(md5s).hexdigest()
    got = c.get_object(Bucket="bkt", Key="big")
    assert got["Body"].read() == b"".join(parts)
    assert got["ContentType"] == "video/x"
    # UploadPartCopy from the finished object, then abort.
    up2 = c.create_multipart_upload(Bucket="bkt", Key="pc")["UploadId"]
    r = c.upload_part_copy(Bucket="bkt", Key="pc", UploadId=up2, PartNumber=1,
                           CopySource="bkt/big", CopySourceRange="bytes=0-5242879")
    assert r["CopyPartResult"]["ETag"] == etags[0]
    c.abort_multipart_upload(Bucket="bkt", Key="pc", UploadId=up2)
    with pytest.raises(ClientError) as e:
        c.list_parts(Bucket="bkt", Key="pc", UploadId=up2)
    assert error_code(e) == "NoSuchUpload"
    c.abort_multipart_upload(Bucket="bkt", Key="other", UploadId=other)
    assert c.list_multipart_uploads(Bucket="bkt").get("Uploads", []) == []


def test_boto3_transfer_manager(s3d, tmp_path):
    from boto3.s3.transfer import TransferConfig
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    src = tmp_path / "src.bin"
    body = data(21 * MIB + 5, 9)
    src.write_bytes(body)
    cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB,
                         max_concurrency=4)
    c.upload_file(str(src), "bkt", "t/big.bin", Config=cfg)
    dst = tmp_path / "dst.bin"
    c.download_file("bkt", "t/big.bin", str(dst), Config=cfg)
    assert dst.read_bytes() == body
    assert c.head_object(Bucket="bkt", Key="t/big.bin")["ETag"].endswith('-3"')


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_200mib_multipart_survives_restart(tmp_path):
    from boto3.s3.transfer import TransferConfig
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        for _ in range(200):
            f.write(os.urandom(MIB))
    cfg = TransferConfig(multipart_threshold=16 * MIB, multipart_chunksize=16 * MIB,
                         max_concurrency=4)
    d = s3_daemon(tmp_path / "data").start()
    try:
        c = client(d)
        c.create_bucket(Bucket="bkt")
        c.upload_file(str(src), "bkt", "big/200mib.bin", Config=cfg)
        c.put_object(Bucket="bkt", Key="big/small.txt", Body=b"small")
    finally:
        d.stop()  # a clean SIGTERM restart
    d2 = s3_daemon(tmp_path / "data").start()
    try:
        c2 = client(d2)
        listed = {o["Key"]: o["Size"] for o in c2.list_objects_v2(Bucket="bkt")["Contents"]}
        assert listed == {"big/200mib.bin": 200 * MIB, "big/small.txt": 5}
        assert c2.head_object(Bucket="bkt", Key="big/200mib.bin")["ETag"].endswith('-13"')
        dst = tmp_path / "back.bin"
        c2.download_file("bkt", "big/200mib.bin", str(dst), Config=cfg)
        assert file_sha256(dst) == file_sha256(src)
    finally:
        d2.stop()


def test_auth_failures(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    with pytest.raises(ClientError) as e:
        client(s3d, secret="wrong").list_buckets()
    assert error_code(e) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        client(s3d, access="NOSUCHKEY").list_buckets()
    assert error_code(e) == "InvalidAccessKeyId"
    # Anonymous requests are refused with S3 error XML.
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(s3d.s3_url + "/bkt")
    assert e.value.code == 403
    assert b"<Code>AccessDenied</Code>" in e.value.read()


def test_presigned_urls(s3d):
    c = client(s3d, signature_version="s3v4")
    c.create_bucket(Bucket="bkt")
    c.put_object(Bucket="bkt", Key="file.txt", Body=b"hello presigned")
    url = c.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "file.txt"},
                                   ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"hello presigned"
    put_url = c.generate_presigned_url("put_object", Params={"Bucket": "bkt", "Key": "up.txt"},
                                       ExpiresIn=300)
    req = urllib.request.Request(put_url, data=b"uploaded", method="PUT")
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
    assert c.get_object(Bucket="bkt", Key="up.txt")["Body"].read() == b"uploaded"
    # A tampered signature is refused.
    bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad)
    assert e.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()
    # So is an expired one.
    short = c.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "file.txt"},
                                     ExpiresIn=1)
    import time
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(short)
    assert e.value.code == 403
    assert b"Request has expired" in e.value.read()


def test_presigned_urls_sigv2_default_config(s3d):
    """Debian 12's boto3 (1.26) presigns with SigV2 (AWSAccessKeyId/Signature/Expires) unless
    told signature_version='s3v4': the default client config must give working URLs."""
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    key = "dir/a b+c.txt"
    c.put_object(Bucket="bkt", Key=key, Body=b"hello v2")
    url = c.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": key},
                                   ExpiresIn=300)
    if "AWSAccessKeyId=" not in url:
        pytest.skip("this botocore presigns with SigV4 by default")
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"hello v2"
    # A response-* override is a signed sub-resource, and is applied.
    typed = c.generate_presigned_url(
        "get_object", Params={"Bucket": "bkt", "Key": key,
                              "ResponseContentType": "text/plain; charset=utf-8"},
        ExpiresIn=300)
    with urllib.request.urlopen(typed) as r:
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert r.read() == b"hello v2"
    # V2 signs Content-Type, and urllib sends one with every body, so presign it.
    put_url = c.generate_presigned_url(
        "put_object", Params={"Bucket": "bkt", "Key": "up.txt",
                              "ContentType": "application/octet-stream"},
        ExpiresIn=300)
    assert "AWSAccessKeyId=" in put_url
    req = urllib.request.Request(put_url, data=b"uploaded v2", method="PUT",
                                 headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
    assert c.get_object(Bucket="bkt", Key="up.txt")["Body"].read() == b"uploaded v2"
    # Another Content-Type than the signed one is refused.
    req = urllib.request.Request(put_url, data=b"other", method="PUT",
                                 headers={"Content-Type": "text/html"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()
    # A tampered signature is refused.
    bad = url.replace("Signature=", "Signature=A")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad)
    assert e.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in e.value.read()
    # So is an expired one.
    short = c.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": key},
                                     ExpiresIn=1)
    import time
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(short)
    assert e.value.code == 403
    assert b"Request has expired" in e.value.read()


def test_sigv2_header_auth(s3d, tmp_path):
    """Clients that sign with `Authorization: AWS ak:sig`: s3cmd with signature_v2 (objects,
    listings, multipart sub-resources) and boto's "s3" signer on the operations it signs right
    (path-style, this botocore signs sub-resources twice, e.g. "/bkt?delete?delete", which S3
    refuses too: boto/boto3#4433)."""
    cfg = tmp_path / "s3cfg"
    host = f"127.0.0.1:{s3d.s3_port}"
    cfg.write_text(f"""[default]
access_key = {S3_ACCESS_KEY}
secret_key = {S3_SECRET_KEY}
host_base = {host}
host_bucket = {host}
use_https = False
signature_v2 = True
bucket_location = us-east-1
""")
    s3cmd = ["s3cmd", "-c", str(cfg)]
    env = dict(os.environ)
    run(s3cmd + ["mb", "s3://sig2"], env)
    f = tmp_path / "f.bin"
    f.write_bytes(data(11 * MIB + 1, 9))
    run(s3cmd + ["put", "--multipart-chunk-size-mb=5", str(f), "s3://sig2/dir/f b+c.bin"], env)
    assert "s3://sig2/dir/f b+c.bin" in run(s3cmd + ["ls", "--recursive", "s3://sig2"], env)
    out = tmp_path / "out.bin"
    run(s3cmd + ["get", "s3://sig2/dir/f b+c.bin", str(out)], env)
    assert out.read_bytes() == f.read_bytes()

    c = client(s3d, signature_version="s3")
    c.create_bucket(Bucket="bkt")
    c.put_object(Bucket="bkt", Key="dir/a b+c.txt", Body=b"v2 body", ContentType="text/x-v2",
                 Metadata={"Color": "blue"})
    got = c.get_object(Bucket="bkt", Key="dir/a b+c.txt")
    assert got["Body"].read() == b"v2 body"
    assert got["ContentType"] == "text/x-v2" and got["Metadata"] == {"color": "blue"}
    assert [o["Key"] for o in c.list_objects(Bucket="bkt", Prefix="dir/")["Contents"]] == [
        "dir/a b+c.txt"]
    c.delete_object(Bucket="bkt", Key="dir/a b+c.txt")
    with pytest.raises(ClientError) as e:
        client(s3d, secret="wrong", signature_version="s3").head_bucket(Bucket="bkt")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as e:
        client(s3d, access="AKIDUNKNOWN", signature_version="s3").list_buckets()
    assert error_code(e) == "InvalidAccessKeyId"


def s3_daemon(data_dir):
    d = Cairnd(data_dir, s3=True,
               extra_args=["--s3-access-key", S3_ACCESS_KEY, "--s3-secret-key", S3_SECRET_KEY])
    d.s3_url = f"http://127.0.0.1:{d.s3_port}"
    return d


def test_acknowledged_puts_survive_kill(tmp_path):
    d = s3_daemon(tmp_path / "data").start()
    try:
        c = client(d)
        c.create_bucket(Bucket="bkt")
        bodies = {f"k{i}": data(100_000 * (i + 1), i) for i in range(5)}
        for k, v in bodies.items():
            c.put_object(Bucket="bkt", Key=k, Body=v)
    finally:
        d.stop(sig=signal.SIGKILL)
    d2 = s3_daemon(tmp_path / "data").start()
    try:
        c2 = client(d2)
        assert sorted(o["Key"] for o in c2.list_objects_v2(Bucket="bkt")["Contents"]) == sorted(
            bodies)
        for k, v in bodies.items():
            assert c2.get_object(Bucket="bkt", Key=k)["Body"].read() == v
    finally:
        d2.stop()


def test_generated_root_credentials(tmp_path):
    d = Cairnd(tmp_path / "data", s3=True).start()
    try:
        path = tmp_path / "data" / "s3-credentials.toml"
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        values = dict(line.split(" = ") for line in path.read_text().splitlines()
                      if " = " in line)
        access, secret = values["access_key"].strip('"'), values["secret_key"].strip('"')
        assert access in d.output()
        d.s3_url = f"http://127.0.0.1:{d.s3_port}"
        c = client(d, access=access, secret=secret)
        c.create_bucket(Bucket="root")
        assert [b["Name"] for b in c.list_buckets()["Buckets"]] == ["root"]
    finally:
        d.stop()


# ----- awscli, s3cmd, rclone -----------------------------------------------------------------


def tool_env(s3d):
    return dict(os.environ, AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY,
                AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")


def run(args, env, **kw):
    r = subprocess.run(args, env=env, capture_output=True, timeout=300, **kw)
    assert r.returncode == 0, f"{args} failed:\n{r.stdout.decode()}\n{r.stderr.decode()}"
    return r.stdout.decode()


def test_awscli(s3d, tmp_path):
    env = tool_env(s3d)
    aws = ["aws", "--endpoint-url", s3d.s3_url]
    run(aws + ["s3", "mb", "s3://cli"], env)
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:  # 1 GiB + 3 bytes, far above the 8 MiB multipart threshold
        for _ in range(1024):
            f.write(os.urandom(MIB))
        f.write(b"end")
    run(aws + ["s3", "cp", str(big), "s3://cli/big.bin"], env)
    tree = tmp_path / "tree"
    for i in range(1000):
        sub = tree / f"d{i % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i}.txt").write_bytes(data(100 + i * 7, i))
    (tree / "sub").mkdir()
    (tree / "sub" / "deep.txt").write_text("deep\n")
    run(aws + ["s3", "sync", str(tree), "s3://cli/tree"], env)
    listing = run(aws + ["s3", "ls", "--recursive", "s3://cli/"], env)
    assert "tree/sub/deep.txt" in listing and "big.bin" in listing
    assert len([l for l in listing.splitlines() if " tree/" in l]) == 1001
    out = tmp_path / "out.bin"
    run(aws + ["s3", "cp", "s3://cli/big.bin", str(out)], env)
    assert file_sha256(out) == file_sha256(big)
    back = tmp_path / "back"
    run(aws + ["s3", "sync", "s3://cli/tree", str(back)], env)
    for i in range(1000):
        rel = f"d{i % 10}/f{i}.txt"
        assert (back / rel).read_bytes() == (tree / rel).read_bytes(), rel
    assert (back / "sub" / "deep.txt").read_text() == "deep\n"
    head = run(aws + ["s3api", "head-object", "--bucket", "cli", "--key", "big.bin"], env)
    assert '"ContentLength": %d' % (1024 * MIB + 3) in head
    run(aws + ["s3", "rm", "--recursive", "s3://cli/tree"], env)
    assert "tree/" not in run(aws + ["s3", "ls", "--recursive", "s3://cli/"], env)


def test_s3cmd(s3d, tmp_path):
    cfg = tmp_path / "s3cfg"
    host = f"127.0.0.1:{s3d.s3_port}"
    cfg.write_text(f"""[default]
access_key = {S3_ACCESS_KEY}
secret_key = {S3_SECRET_KEY}
host_base = {host}
host_bucket = {host}
use_https = False
signature_v2 = False
bucket_location = us-east-1
""")
    s3cmd = ["s3cmd", "-c", str(cfg)]
    env = dict(os.environ)
    run(s3cmd + ["mb", "s3://cmd"], env)
    f = tmp_path / "f.bin"
    f.write_bytes(data(12 * MIB + 1, 7))
    run(s3cmd + ["put", "--multipart-chunk-size-mb=5", str(f), "s3://cmd/f.bin"], env)
    small = tmp_path / "small.txt"
    small.write_text("small file\n")
    run(s3cmd + ["put", str(small), "s3://cmd/dir/small.txt"], env)
    ls = run(s3cmd + ["ls", "--recursive", "s3://cmd"], env)
    assert "s3://cmd/f.bin" in ls and "s3://cmd/dir/small.txt" in ls
    out = tmp_path / "out.bin"
    run(s3cmd + ["get", "s3://cmd/f.bin", str(out)], env)
    assert out.read_bytes() == f.read_bytes()
    run(s3cmd + ["del", "s3://cmd/dir/small.txt"], env)
    assert "small.txt" not in run(s3cmd + ["ls", "--recursive", "s3://cmd"], env)


def test_rclone(s3d, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}  # plain http here
    env.update(RCLONE_CONFIG="/dev/null",
               RCLONE_CONFIG_CAIRN_TYPE="s3", RCLONE_CONFIG_CAIRN_PROVIDER="Other",
               RCLONE_CONFIG_CAIRN_ACCESS_KEY_ID=S3_ACCESS_KEY,
               RCLONE_CONFIG_CAIRN_SECRET_ACCESS_KEY=S3_SECRET_KEY,
               RCLONE_CONFIG_CAIRN_ENDPOINT=s3d.s3_url,
               RCLONE_CONFIG_CAIRN_REGION="us-east-1",
               RCLONE_CONFIG_CAIRN_FORCE_PATH_STYLE="true")
    src = tmp_path / "src"
    (src / "nested").mkdir(parents=True)
    for i in range(8):
        (src / f"file{i}.dat").write_bytes(data(1000 * i + 1, i))
    (src / "nested" / "big.dat").write_bytes(data(11 * MIB, 42))
    run(["rclone", "mkdir", "cairn:rcl"], env)
    run(["rclone", "sync", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", str(src),
         "cairn:rcl/data"], env)
    run(["rclone", "check", str(src), "cairn:rcl/data"], env)
    # Change the source and sync again: only the difference moves, and check agrees.
    (src / "file3.dat").write_bytes(b"changed")
    (src / "file4.dat").unlink()
    run(["rclone", "sync", str(src), "cairn:rcl/data"], env)
    run(["rclone", "check", str(src), "cairn:rcl/data"], env)
    down = tmp_path / "down"
    run(["rclone", "sync", "cairn:rcl/data", str(down)], env)
    run(["rclone", "check", str(src), str(down)], env)
    listing = run(["rclone", "ls", "cairn:rcl"], env)
    assert "data/nested/big.dat" in listing
    dst = tmp_path / "dst"
    run(["rclone", "copy", "cairn:rcl/data", str(dst)], env)
    assert (dst / "nested" / "big.dat").read_bytes() == (src / "nested" / "big.dat").read_bytes()
    run(["rclone", "delete", "cairn:rcl/data/nested"], env)
    assert "big.dat" not in run(["rclone", "ls", "cairn:rcl"], env)


def test_merkle_proof_and_cairn_verify(s3d, tmp_path):
    import json
    from conftest import binary
    c = client(s3d, signature_version="s3v4")
    c.create_bucket(Bucket="bkt")
    body = data(3 * MIB, 77)
    c.put_object(Bucket="bkt", Key="m", Body=body)
    root = c.head_object(Bucket="bkt", Key="m")["ResponseMetadata"]["HTTPHeaders"][
        "x-cairn-merkle-root"]
    proof = json.loads(signed_get(s3d, "/bkt/m?proof&chunk=2"))
    assert proof["chunk"] == 2 and proof["chunk_count"] > 3 and proof["root"] == root
    chunk = body[proof["offset"]:proof["offset"] + proof["length"]]
    ranged = c.get_object(Bucket="bkt", Key="m", Range="bytes=%d-%d" % (
        proof["offset"], proof["offset"] + proof["length"] - 1))["Body"].read()
    assert ranged == chunk
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "chunk.bin").write_bytes(chunk)
    cairn = binary("cairn")
    ok = subprocess.run([cairn, "verify", "--proof", str(tmp_path / "proof.json"), "--data",
                         str(tmp_path / "chunk.bin"), "--root", root], capture_output=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert b"ok: chunk 2" in ok.stdout
    (tmp_path / "chunk.bin").write_bytes(b"x" + chunk[1:])
    bad = subprocess.run([cairn, "verify", "--proof", str(tmp_path / "proof.json"), "--data",
                          str(tmp_path / "chunk.bin")], capture_output=True)
    assert bad.returncode == 1 and b"FAILED" in bad.stdout
    proof["path"][0] = "00" * 32
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    bad = subprocess.run([cairn, "verify", "--proof", str(tmp_path / "proof.json")],
                         capture_output=True)
    assert bad.returncode == 1


def signed_get(s3d, path_and_query):
    """A GET signed with SigV4 by botocore's own signer (for sub-resources boto3 lacks)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="GET", url=s3d.s3_url + path_and_query)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
    SigV4Auth(Credentials(S3_ACCESS_KEY, S3_SECRET_KEY), "s3", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, headers=dict(req.headers.items()))
    return urllib.request.urlopen(r).read()


def test_operation_metrics(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    c.put_object(Bucket="bkt", Key="k", Body=b"12345")
    c.get_object(Bucket="bkt", Key="k")["Body"].read()
    with pytest.raises(ClientError):
        c.get_object(Bucket="bkt", Key="missing")
    text = urllib.request.urlopen(s3d.url("/metrics")).read().decode()
    assert 'cairn_s3_operations_total{code="200",op="PutObject"} 1' in text
    assert 'cairn_s3_operations_total{code="404",op="GetObject"} 1' in text
    assert 'cairn_s3_bytes_received_total{op="PutObject"} 5' in text
    assert 'cairn_s3_operation_seconds_count{op="GetObject"} 2' in text


def test_ephemeral_urls(s3d):
    from conftest import binary
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    c.put_object(Bucket="bkt", Key="docs/a.txt", Body=b"alpha")
    c.put_object(Bucket="bkt", Key="docs/b.txt", Body=b"beta")
    c.put_object(Bucket="bkt", Key="private.txt", Body=b"secret")

    def url(*args):
        r = subprocess.run([binary("cairn"), "url", "create", *args, "--data-dir", s3d.data_dir,
                            "--endpoint", s3d.s3_url], capture_output=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode().strip()

    def status(u, method="GET", body=None):
        try:
            with urllib.request.urlopen(urllib.request.Request(u, data=body, method=method)) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    one = url("s3://bkt/docs/a.txt", "--ttl", "1h")
    assert status(one) == (200, b"alpha")
    token_base = one[:one.rindex("/") + 1]
    code, body = status(token_base + "b.txt")  # another key: out of scope
    assert code == 403 and b"AccessDenied" in body
    assert status(one, "PUT", b"overwrite")[0] == 403  # read-only token
    prefix = url("s3://bkt/docs/", "--prefix", "--ttl", "10m")
    assert status(prefix + "docs/a.txt") == (200, b"alpha")
    assert status(prefix + "docs/b.txt") == (200, b"beta")
    assert status(prefix + "private.txt")[0] == 403
    writer = url("s3://bkt/uploads/new.bin", "--write", "--ttl", "5m")
    assert status(writer, "PUT", b"fresh bytes")[0] == 200
    assert c.get_object(Bucket="bkt", Key="uploads/new.bin")["Body"].read() == b"fresh bytes"
    # A tampered token is refused.
    parts = one.split("/")
    token = parts[-3]
    parts[-3] = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert status("/".join(parts))[0] == 403
    # An expired token is refused (1 s lifetime).
    short = url("s3://bkt/docs/a.txt", "--ttl", "1s")
    import time
    time.sleep(2.1)
    code, body = status(short)
    assert code == 403 and b"expired" in body


def test_public_buckets(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="pub")
    c.put_object(Bucket="pub", Key="hello.txt", Body=b"hello world")

    def anon(path, method="GET"):
        try:
            req = urllib.request.Request(s3d.s3_url + path, method=method)
            with urllib.request.urlopen(req) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    code, body = anon("/pub/hello.txt")
    assert code == 403 and b"AccessDenied" in body
    grants = c.get_bucket_acl(Bucket="pub")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    c.put_bucket_acl(Bucket="pub", ACL="public-read")
    grants = c.get_bucket_acl(Bucket="pub")["Grants"]
    assert {g["Permission"] for g in grants} == {"FULL_CONTROL", "READ"}
    assert anon("/pub/hello.txt") == (200, b"hello world")
    assert anon("/pub/hello.txt", "HEAD")[0] == 200
    code, body = anon("/pub?prefix=hel")
    assert code == 200 and b"<Key>hello.txt</Key>" in body
    # Reads only: anonymous writes and deletes stay refused, and so do other buckets.
    assert anon("/pub/new.txt", "PUT")[0] == 403
    assert anon("/pub/hello.txt", "DELETE")[0] == 403
    assert anon("/pub/hello.txt?response-content-type=x")[0] == 403
    c.create_bucket(Bucket="priv")
    assert anon("/priv?prefix=")[0] == 403
    c.put_bucket_acl(Bucket="pub", ACL="private")
    assert anon("/pub/hello.txt")[0] == 403
    c.create_bucket(Bucket="pub2", ACL="public-read")
    c.put_object(Bucket="pub2", Key="k", Body=b"v")
    assert anon("/pub2/k") == (200, b"v")


def signed_headers(s3d, method, path, payload_hash, extra=None):
    """SigV4 headers for a raw request, from botocore's signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=s3d.s3_url + path, headers=dict(extra or {}))
    req.headers["Host"] = "127.0.0.1:%d" % s3d.s3_port
    req.headers["x-amz-content-sha256"] = payload_hash
    SigV4Auth(Credentials(S3_ACCESS_KEY, S3_SECRET_KEY), "s3", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def raw_request(s3d, head, body=b"", close_after_send=False):
    import socket
    s = socket.create_connection(("127.0.0.1", s3d.s3_port), timeout=10)
    s.sendall(head + body)
    if close_after_send:
        s.close()
        return b""
    out = b""
    while True:
        try:
            piece = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not piece:
            break
        out += piece
        if b"\r\n\r\n" in out and (b"</Error>" in out or out.startswith(b"HTTP/1.1 200")):
            break
    s.close()
    return out


def aws_chunked_body(headers, chunks, tamper=None):
    import hmac
    auth = headers["Authorization"]
    seed = auth.split("Signature=")[1]
    scope = auth.split("Credential=")[1].split(",")[0].split("/", 1)[1]
    date = headers["X-Amz-Date"]
    key = ("AWS4" + S3_SECRET_KEY).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    empty = hashlib.sha256(b"").hexdigest()
    prev, out = seed, b""
    for i, data in enumerate(chunks + [b""]):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", date, scope, prev, empty,
                         hashlib.sha256(data).hexdigest()])
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        prev = sig
        if tamper == i:
            sig = "0" * 64
        out += b"%x;chunk-signature=%s\r\n" % (len(data), sig.encode()) + data + b"\r\n"
    return out


def test_bad_input_never_stores_partial_objects(s3d):
    c = client(s3d)
    c.create_bucket(Bucket="bkt")
    chunks = [data(65536, 1), data(65536, 2), data(1000, 3)]
    total = sum(len(x) for x in chunks)

    def chunked_put(key, tamper=None):
        extra = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(total)}
        h = signed_headers(s3d, "PUT", "/bkt/" + key, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra)
        body = aws_chunked_body(h, chunks, tamper)
        head = ("PUT /bkt/%s HTTP/1.1\r\n" % key + "".join(
            "%s: %s\r\n" % kv for kv in h.items()) + "Content-Length: %d\r\n\r\n" % len(body))
        return raw_request(s3d, head.encode(), body)

    # A correctly signed aws-chunked upload works end to end...
    ok = chunked_put("good")
    assert ok.startswith(b"HTTP/1.1 200"), ok.decode(errors="replace")
    assert c.get_object(Bucket="bkt", Key="good")["Body"].read() == b"".join(chunks)
    # ... and one bad chunk signature refuses the whole object.
    for i in range(3):
        bad = chunked_put(f"bad{i}", tamper=i)
        assert b" 403 " in bad.split(b"\r\n")[0] and b"SignatureDoesNotMatch" in bad, bad[:300]
    # A body cut short by the client leaves nothing behind.
    h = signed_headers(s3d, "PUT", "/bkt/cut", "UNSIGNED-PAYLOAD")
    head = ("PUT /bkt/cut HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in h.items()) +
            "Content-Length: 1000000\r\n\r\n").encode()
    raw_request(s3d, head, b"x" * 400000, close_after_send=True)
    # A body whose payload hash does not match is refused.
    h = signed_headers(s3d, "PUT", "/bkt/hash", hashlib.sha256(b"other").hexdigest())
    head = ("PUT /bkt/hash HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in h.items()) +
            "Content-Length: 5\r\n\r\n").encode()
    assert b"XAmzContentSHA256Mismatch" in raw_request(s3d, head, b"hello")
    # Malformed XML and huge headers get their errors.
    up = c.create_multipart_upload(Bucket="bkt", Key="mp")["UploadId"]
    body = b"<CompleteMultipartUpload><Part><PartNumber>1</Part>"
    h = signed_headers(s3d, "POST", "/bkt/mp?uploadId=" + up, hashlib.sha256(body).hexdigest())
    head = ("POST /bkt/mp?uploadId=%s HTTP/1.1\r\n" % up + "".join(
        "%s: %s\r\n" % kv for kv in h.items()) + "Content-Length: %d\r\n\r\n" % len(body))
    assert b"MalformedXML" in raw_request(s3d, head.encode(), body)
    huge = b"GET /bkt/good HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    assert raw_request(s3d, huge).startswith(b"HTTP/1.1 431")
    import time
    time.sleep(0.5)
    keys = [o["Key"] for o in c.list_objects_v2(Bucket="bkt").get("Contents", [])]
    assert keys == ["good"]
    # The server is still healthy.
    assert c.get_object(Bucket="bkt", Key="good")["Body"].read() == b"".join(chunks)
