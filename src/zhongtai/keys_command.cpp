#include "zhongtai/keys_command.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "core/app/app.hpp"
#include "core/http/identity.hpp"
#include "core/util/digest.hpp"
#include "core/util/files.hpp"

namespace zt {

namespace {

// Written with mode 0600 (a new file), or printed.
int emit(const std::string& text, const std::string& out) {
  if (out.empty()) {
    std::cout << text;
    return 0;
  }
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    std::cerr << "zhongtai keys: cannot create " << out << " (it must not exist yet)\n";
    return 1;
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    std::cerr << "zhongtai keys: cannot write " << out << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int keys_master_command(const KeysOptions& options) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::cerr << "zhongtai keys: no randomness\n";
    return 1;
  }
  return emit(core::base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)) + "\n", options.out);
}

int keys_derive_command(const std::vector<core::ComponentSpec>& specs, const KeysOptions& options) {
  auto master = core::read_text_file(options.master_file);
  if (!master) {
    std::cerr << "zhongtai keys: cannot read the master " << options.master_file << "\n";
    return 1;
  }
  while (!master->empty() && (master->back() == '\n' || master->back() == '\r' || master->back() == ' ')) master->pop_back();
  if (master->size() < 16) {
    std::cerr << "zhongtai keys: the master in " << options.master_file << " is too short\n";
    return 1;
  }
  auto peers = core::service_names(specs);
  for (const auto& s : options.services)
    if (std::find(peers.begin(), peers.end(), s) == peers.end()) {
      std::cerr << "zhongtai keys: " << s << " is no service of this binary (zhongtai targets lists them)\n";
      return 2;
    }
  for (const auto& p : options.peers)
    if (std::find(peers.begin(), peers.end(), p) == peers.end()) peers.push_back(p);
  const auto keys = core::http::ServiceKeys::derive(*master, options.services, peers);
  std::string text = keys.serialize();
  // Derived keys are stable: a file written again for the same services is the same file, so a
  // rolling upgrade that adds a service only needs the new pairs handed out.
  return emit(text, options.out);
}

}  // namespace zt
