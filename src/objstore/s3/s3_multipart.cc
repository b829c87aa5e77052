// Multipart upload: the writer and the four S3 calls behind it.
#include <algorithm>
#include <deque>
#include <future>
#include <utility>

#include "objstore/s3/http_time.h"
#include "objstore/s3/s3_store.h"
#include "objstore/s3/xml.h"

namespace strata {

using s3::HttpResponse;

// Parts are uploaded on the store's pool while the caller keeps appending; at most
// parallel_parts are in flight, so memory stays bounded at (parallel_parts + 1) parts.
class S3MultipartWriter : public MultipartWriter {
 public:
  S3MultipartWriter(S3ObjectStore* store, std::string key)
      : store_(store), key_(std::move(key)), object_(store->FullKey(key_)) {}
  ~S3MultipartWriter() override {
    if (state_ == State::kOpen) (void)Abort();
  }

  Status Append(std::string_view data) override {
    if (state_ != State::kOpen) return FailedPrecondition("writer for " + key_ + " is closed");
    const size_t part_size = static_cast<size_t>(store_->options_.part_size);
    // One copy per byte: a full buffer becomes the part as it is (no re-slicing).
    if (buffer_.capacity() < part_size && buffer_.size() + data.size() >= part_size)
      buffer_.reserve(part_size);
    while (!data.empty()) {
      size_t take = std::min(part_size - buffer_.size(), data.size());
      buffer_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (buffer_.size() < part_size) break;
      auto part = std::make_shared<const std::string>(std::exchange(buffer_, std::string()));
      Status st = StartPart(*part, part);
      if (!st.ok()) return Fail(st);
      if (data.size() >= part_size) buffer_.reserve(part_size);
    }
    return Status::Ok();
  }

  // The writer's only data, uploaded in parts straight from `data` without copying it: for
  // Put, whose caller keeps `data` alive until Complete() or Abort() (or the destructor)
  // has waited for every part in flight.
  Status AppendBorrowed(std::string_view data) {
    if (state_ != State::kOpen || !buffer_.empty() || !upload_id_.empty())
      return FailedPrecondition("writer for " + key_ + " already has data");
    const size_t part_size = static_cast<size_t>(store_->options_.part_size);
    for (size_t offset = 0; offset < data.size(); offset += part_size) {
      Status st = StartPart(data.substr(offset, part_size), nullptr);
      if (!st.ok()) return Fail(st);
    }
    return Status::Ok();
  }

  Status Complete() override {
    if (state_ != State::kOpen) return FailedPrecondition("writer for " + key_ + " is closed");
    if (upload_id_.empty()) {
      // Never filled a part: one plain PUT is cheaper and just as atomic.
      Status st = store_->PutObject(object_, buffer_, false);
      state_ = st.ok() ? State::kDone : State::kFailed;
      return st;
    }
    if (!buffer_.empty()) {
      auto part = std::make_shared<const std::string>(std::exchange(buffer_, std::string()));
      Status st = StartPart(*part, part);
      if (!st.ok()) return Fail(st);
    }
    while (!inflight_.empty()) {
      Status st = WaitOldest();
      if (!st.ok()) return Fail(st);
    }
    Status st = store_->CompleteUpload(object_, upload_id_, etags_);
    if (!st.ok()) return Fail(st);
    state_ = State::kDone;
    return Status::Ok();
  }

  Status Abort() override {
    if (state_ != State::kOpen) return FailedPrecondition("writer for " + key_ + " is closed");
    state_ = State::kAborted;
    return AbortUpload();
  }

 private:
  enum class State { kOpen, kDone, kAborted, kFailed };

  // Uploads `bytes` as the next part on the store's pool. `owner` keeps them alive while the
  // part is in flight; without one the caller guarantees that (AppendBorrowed).
  Status StartPart(std::string_view bytes, std::shared_ptr<const std::string> owner) {
    if (upload_id_.empty()) {
      ASSIGN_OR_RETURN(upload_id_, store_->InitiateUpload(object_));
    }
    if (static_cast<int>(inflight_.size()) >= store_->options_.parallel_parts)
      RETURN_IF_ERROR(WaitOldest());
    int number = static_cast<int>(etags_.size() + inflight_.size()) + 1;
    inflight_.push_back(store_->part_pool_.Submit(
        [store = store_, object = object_, id = upload_id_, number, bytes,
         owner = std::move(owner)] { return store->UploadPart(object, id, number, bytes); }));
    return Status::Ok();
  }

  Status WaitOldest() {
    Result<std::string> etag = inflight_.front().get();
    inflight_.pop_front();
    if (!etag.ok()) return etag.status();
    etags_.push_back(std::move(etag).value());
    return Status::Ok();
  }

  // Parts already uploaded cost storage until the upload is aborted, so a failed writer
  // aborts at once rather than leaving it to a bucket lifecycle rule.
  Status Fail(const Status& cause) {
    state_ = State::kFailed;
    (void)AbortUpload();
    return cause;
  }

  Status AbortUpload() {
    while (!inflight_.empty()) {
      (void)inflight_.front().get();
      inflight_.pop_front();
    }
    buffer_.clear();
    if (upload_id_.empty()) return Status::Ok();
    return store_->AbortUpload(object_, upload_id_);
  }

  S3ObjectStore* const store_;
  const std::string key_;
  const std::string object_;
  State state_ = State::kOpen;
  std::string buffer_;
  std::string upload_id_;
  std::deque<std::future<Result<std::string>>> inflight_;
  std::vector<std::string> etags_;
};

Status S3ObjectStore::PutMultipart(std::string_view key, std::string_view data) {
  S3MultipartWriter writer(this, std::string(key));
  RETURN_IF_ERROR(writer.AppendBorrowed(data));
  return writer.Complete();
}

Result<std::unique_ptr<MultipartWriter>> S3ObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return std::unique_ptr<MultipartWriter>(
      std::make_unique<S3MultipartWriter>(this, std::string(key)));
}

Result<std::string> S3ObjectStore::InitiateUpload(const std::string& object) {
  Call call{Kind::kPut, "POST", object, {{"uploads", ""}}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (response.status != 200) return ErrorFor(response, call);
  std::string id = s3::XmlText(response.body, "UploadId");
  if (id.empty())
    return Internal("S3 CreateMultipartUpload for '" + object + "' at " + options_.endpoint +
                    " returned no UploadId");
  return id;
}

Result<std::string> S3ObjectStore::UploadPart(const std::string& object,
                                              const std::string& upload_id, int part_number,
                                              std::string_view data) {
  Call call{Kind::kPut, "PUT",
            object,     {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
            {},         data};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (!s3::XmlFind(response.body, "Error") && response.status == 200) {
    std::string_view etag = response.Header("etag");
    if (etag.empty())
      return Internal("S3 UploadPart " + std::to_string(part_number) + " of '" + object + "' at " +
                      options_.endpoint + " returned no ETag");
    return std::string(etag);
  }
  return ErrorFor(response, call);
}

Status S3ObjectStore::CompleteUpload(const std::string& object, const std::string& upload_id,
                                     const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i)
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            s3::XmlEscape(etags[i]) + "</ETag></Part>";
  body += "</CompleteMultipartUpload>";
  Call call{Kind::kPut, "POST", object, {{"uploadId", upload_id}}, {}, body};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  // S3 may answer 200 and still report a failure in the body (it sends the status line
  // before the assembly finishes). Only the error matters: RGW 16 leaves <ETag> empty.
  if (response.status == 200 && !s3::XmlFind(response.body, "Error")) return Status::Ok();
  if (response.status == 200) response.status = 500;
  return ErrorFor(response, call);
}

Result<std::vector<PendingUpload>> S3ObjectStore::ListPendingUploads(std::string_view prefix) {
  std::vector<PendingUpload> out;
  const std::string full_prefix = FullKey(prefix);
  std::string key_marker, id_marker;
  for (;;) {
    Call call{Kind::kList, "GET", "", {{"uploads", ""}, {"prefix", full_prefix}}, {}, {}};
    if (!key_marker.empty()) {
      call.query.emplace_back("key-marker", key_marker);
      call.query.emplace_back("upload-id-marker", id_marker);
    }
    ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    if (response.status != 200) return ErrorFor(response, call);
    for (std::string_view entry : s3::XmlFindAll(response.body, "Upload")) {
      std::string full = s3::XmlText(entry, "Key");
      std::string id = s3::XmlText(entry, "UploadId");
      std::optional<int64_t> initiated = s3::ParseIso8601Ms(s3::XmlText(entry, "Initiated"));
      if (!full.starts_with(full_prefix) || id.empty() || !initiated)
        return Internal("S3 ListMultipartUploads of s3://" + options_.bucket + "/" + full_prefix +
                        " returned a malformed entry");
      out.push_back(PendingUpload{full.substr(prefix_.size()), std::move(id), *initiated});
    }
    if (s3::XmlText(response.body, "IsTruncated") != "true") break;
    std::string next_key = s3::XmlText(response.body, "NextKeyMarker");
    std::string next_id = s3::XmlText(response.body, "NextUploadIdMarker");
    if (next_key.empty() || (next_key == key_marker && next_id == id_marker))
      return Internal("S3 ListMultipartUploads of s3://" + options_.bucket + "/" + full_prefix +
                      " is truncated without a new marker");
    key_marker = std::move(next_key);
    id_marker = std::move(next_id);
  }
  std::sort(out.begin(), out.end(),
            [](const PendingUpload& a, const PendingUpload& b) { return a.key < b.key; });
  return out;
}

Status S3ObjectStore::AbortPendingUpload(const PendingUpload& upload) {
  RETURN_IF_ERROR(ValidateKey(upload.key));
  if (upload.upload_id.empty())
    return InvalidArgument("no upload id for the upload of '" + upload.key + "'");
  return AbortUpload(FullKey(upload.key), upload.upload_id);
}

Status S3ObjectStore::AbortUpload(const std::string& object, const std::string& upload_id) {
  Call call{Kind::kPut, "DELETE", object, {{"uploadId", upload_id}}, {}, {}};
  ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  // 404 NoSuchUpload: already aborted or completed by an earlier attempt.
  if (response.status == 200 || response.status == 204 || response.status == 404)
    return Status::Ok();
  return ErrorFor(response, call);
}

}  // namespace strata
