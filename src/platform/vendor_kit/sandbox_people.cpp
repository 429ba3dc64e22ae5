#include "platform/vendor_kit/sandbox_people.hpp"

#include <sstream>
#include <stdexcept>

#include "core/util/embedded.hpp"

std::span<const zt::core::EmbeddedFile> zt_sandbox_files();

namespace zt::platform::vendor_kit {

namespace {

std::vector<SandboxPerson> load() {
  std::vector<SandboxPerson> out;
  for (const auto& f : zt_sandbox_files()) {
    if (f.name != "people.csv") continue;
    std::istringstream in{std::string(f.content)};
    bool header = true;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      if (header) {
        header = false;
        continue;
      }
      std::vector<std::string> cells;
      std::string cell;
      std::istringstream row(line);
      while (std::getline(row, cell, ',')) cells.push_back(cell);
      if (line.back() == ',') cells.emplace_back();
      if (cells.size() != 8) throw std::runtime_error("config/sandbox/people.csv: a row needs 8 cells: " + line);
      out.push_back({cells[0], cells[1], cells[2], cells[3], cells[4], std::stoi(cells[5]), std::stoi(cells[6]), cells[7]});
    }
  }
  return out;
}

}  // namespace

const std::vector<SandboxPerson>& sandbox_people() {
  static const std::vector<SandboxPerson> people = load();
  return people;
}

const SandboxPerson* sandbox_person(const std::string& id_number) {
  for (const auto& p : sandbox_people())
    if (p.id_number == id_number) return &p;
  return nullptr;
}

const SandboxPerson* sandbox_person_by_card(const std::string& card_no) {
  for (const auto& p : sandbox_people())
    if (p.card_no == card_no) return &p;
  return nullptr;
}

}  // namespace zt::platform::vendor_kit
