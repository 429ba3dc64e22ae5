#include "platform/suitability/store/evidence_store.hpp"

#include <fmt/format.h>

#include "core/observe/trace.hpp"
#include "core/util/digest.hpp"

namespace zt::platform::suitability {

namespace {

using core::Refusal;
constexpr const char* kContext = "suit_evidence.data";

Refusal invalid(std::string message) { return Refusal{400, "SUIT_EVIDENCE_INVALID", std::move(message)}; }

// Whether the bytes are what the declared type says (its signature at the start).
bool looks_like(const std::string& type, const std::string& bytes) {
  if (type == "image/jpeg") return bytes.size() > 3 && bytes.compare(0, 3, "\xFF\xD8\xFF") == 0;
  if (type == "image/png") return bytes.size() > 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1A\n") == 0;
  if (type == "application/pdf") return bytes.size() > 5 && bytes.compare(0, 5, "%PDF-") == 0;
  return false;
}

EvidenceFile file_of(const core::storage::Row& r) {
  return EvidenceFile{r.string(0), r.string(1), r.string(2), r.int64(3), r.string(4), r.int64(5)};
}

}  // namespace

bool EvidenceStore::names_upload(const std::string& entry) {
  if (entry.size() != 18 || !entry.starts_with("EV")) return false;
  for (std::size_t i = 2; i < entry.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(entry[i]))) return false;
  return true;
}

std::variant<EvidenceFile, Refusal> EvidenceStore::add(core::storage::Tx& tx, const std::string& customer,
                                                       const std::string& name, const std::string& content_type,
                                                       const std::string& base64, const std::string& today,
                                                       std::int64_t now_ms) const {
  if (name.empty() || name.size() > 100) return invalid("文件名应为1至100字节");
  if (content_type != "image/jpeg" && content_type != "image/png" && content_type != "application/pdf")
    return invalid("证明材料应为JPEG、PNG图片或PDF文件");
  // Larger than the limit however it decodes: refused before decoding.
  if (static_cast<std::int64_t>(base64.size()) > (max_bytes_ + 2) / 3 * 4 + 4)
    return Refusal{413, "SUIT_EVIDENCE_TOO_LARGE",
                   fmt::format("单个文件不能超过{}KB，请压缩后重新上传", max_bytes_ / 1024)};
  const auto bytes = core::base64_decode(base64);
  if (!bytes || bytes->empty()) return invalid("文件内容无法读取（应为base64编码）");
  if (static_cast<std::int64_t>(bytes->size()) > max_bytes_)
    return Refusal{413, "SUIT_EVIDENCE_TOO_LARGE",
                   fmt::format("单个文件不能超过{}KB，请压缩后重新上传", max_bytes_ / 1024)};
  if (!looks_like(content_type, *bytes)) return invalid("文件内容与类型不符，请上传JPEG、PNG图片或PDF文件");
  // Counted only for a file that is kept, in one conditional upsert (no read-then-write).
  if (tx.query(
            "INSERT INTO suit_evidence_quota (customer_id, day, n) VALUES (?, ?, 1) ON CONFLICT (customer_id, day) DO "
            "UPDATE SET n = suit_evidence_quota.n + 1 WHERE suit_evidence_quota.n < ? RETURNING n",
            {customer, today, per_day_})
          .empty())
    return Refusal{429, "SUIT_TOO_MANY_EVIDENCE", fmt::format("今日已上传{}份证明材料，请明日再试", per_day_)};
  EvidenceFile f{"EV" + core::observe::random_hex_id(8),
                 name,
                 content_type,
                 static_cast<std::int64_t>(bytes->size()),
                 core::sha256_hex(*bytes),
                 now_ms};
  tx.exec(
      "INSERT INTO suit_evidence (id, customer_id, name, content_type, size, sha256, data, uploaded_at_ms) VALUES (?, "
      "?, "
      "?, ?, ?, ?, ?, ?)",
      {f.id, customer, f.name, f.content_type, f.size, f.sha256, keys_.seal(*bytes, kContext), now_ms});
  return f;
}

std::optional<Refusal> EvidenceStore::check_owned(core::storage::Tx& tx, const std::string& customer,
                                                  const std::vector<std::string>& entries) const {
  for (const auto& e : entries) {
    if (!names_upload(e)) continue;  // a description of what was supplied
    if (tx.query("SELECT id FROM suit_evidence WHERE id = ? AND customer_id = ?", {e, customer}).empty())
      return Refusal{400, "SUIT_EVIDENCE_UNKNOWN", fmt::format("证明材料 {} 不存在或不是您上传的", e)};
  }
  return std::nullopt;
}

std::optional<std::pair<EvidenceFile, std::string>> EvidenceStore::open(core::storage::Tx& tx,
                                                                        const std::string& customer,
                                                                        const std::string& id) const {
  auto rows = tx.query(
      "SELECT id, name, content_type, size, sha256, uploaded_at_ms, data FROM suit_evidence WHERE id = ? AND "
      "customer_id = ?",
      {id, customer});
  if (rows.empty()) return std::nullopt;
  auto bytes = keys_.open(rows.at(0).string(6), kContext);
  if (!bytes) throw std::runtime_error("suitability: evidence " + id + " cannot be opened with the keys at hand");
  return std::make_pair(file_of(rows.at(0)), std::move(*bytes));
}

}  // namespace zt::platform::suitability
