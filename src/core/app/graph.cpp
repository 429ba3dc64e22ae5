#include "core/app/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace zt::core {

namespace {

using SpecMap = std::map<std::string, const ComponentSpec*>;

SpecMap index(const std::vector<ComponentSpec>& specs) {
  SpecMap m;
  for (const auto& s : specs) {
    if (s.name == "all") throw TargetError("'all' is reserved for the composite target");
    if (!m.emplace(s.name, &s).second) throw TargetError(fmt::format("component '{}' is declared twice", s.name));
  }
  return m;
}

void visit(const SpecMap& m, const ComponentSpec* s, std::map<std::string, int>& state,
           std::vector<std::string>& stack, std::vector<const ComponentSpec*>& order, const std::set<std::string>& chosen) {
  state[s->name] = 1;  // on the stack
  stack.push_back(s->name);
  std::vector<std::string> edges = s->dependencies;
  for (const auto& a : s->after) {
    if (!m.count(a)) throw TargetError(fmt::format("component '{}' is ordered after unknown component '{}'", s->name, a));
    if (chosen.count(a)) edges.push_back(a);  // ordering only: never pulls the component in
  }
  for (const auto& dep : edges) {
    auto it = m.find(dep);
    if (it == m.end()) throw TargetError(fmt::format("component '{}' depends on unknown component '{}'", s->name, dep));
    int st = state[dep];
    if (st == 1) {
      std::string cycle;
      auto from = std::find(stack.begin(), stack.end(), dep);
      for (auto i = from; i != stack.end(); ++i) cycle += *i + " -> ";
      throw TargetError(fmt::format("dependency cycle: {}{}", cycle, dep));
    }
    if (st == 0) visit(m, it->second, state, stack, order, chosen);
  }
  stack.pop_back();
  state[s->name] = 2;
  order.push_back(s);
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    pos = comma + 1;
  }
  return out;
}

std::vector<const ComponentSpec*> resolve_targets(const std::vector<ComponentSpec>& specs,
                                                  const std::vector<std::string>& targets) {
  SpecMap m = index(specs);
  std::vector<const ComponentSpec*> roots;
  if (targets.empty()) throw TargetError("no target given");
  for (const auto& t : targets) {
    if (t == "all") {
      for (const auto& s : specs) roots.push_back(&s);
      continue;
    }
    auto it = m.find(t);
    if (it == m.end()) {
      std::string valid = "all";
      for (const auto& s : specs) valid += ", " + s.name;
      throw TargetError(fmt::format("unknown target '{}'; valid targets: {}", t, valid));
    }
    roots.push_back(it->second);
  }
  // First the closure over hard dependencies (what runs), then the order, where `after` edges
  // count only between components that both run.
  std::set<std::string> chosen;
  std::vector<const ComponentSpec*> pending(roots);
  while (!pending.empty()) {
    const ComponentSpec* s = pending.back();
    pending.pop_back();
    if (!chosen.insert(s->name).second) continue;
    for (const auto& d : s->dependencies) {
      auto it = m.find(d);
      if (it == m.end()) throw TargetError(fmt::format("component '{}' depends on unknown component '{}'", s->name, d));
      pending.push_back(it->second);
    }
  }
  // Those that follow their dependencies, wherever all of them run (and so on, until none is added).
  for (bool added = true; added;) {
    added = false;
    for (const auto& s : specs) {
      if (!s.follows_dependencies || chosen.count(s.name) || s.dependencies.empty()) continue;
      if (std::all_of(s.dependencies.begin(), s.dependencies.end(), [&](const std::string& d) { return chosen.count(d) > 0; })) {
        chosen.insert(s.name);
        roots.push_back(&s);
        added = true;
      }
    }
  }
  std::map<std::string, int> state;
  std::vector<std::string> stack;
  std::vector<const ComponentSpec*> order;
  for (const ComponentSpec* r : roots)
    if (state[r->name] == 0) visit(m, r, state, stack, order, chosen);
  return order;
}

void validate_graph(const std::vector<ComponentSpec>& specs) { resolve_targets(specs, {"all"}); }

std::string describe_graph(const std::vector<ComponentSpec>& specs) {
  std::string out;
  std::size_t width = 3;
  for (const auto& s : specs) width = std::max(width, s.name.size());
  for (const auto& s : specs) {
    std::string deps;
    for (const auto& d : s.dependencies) deps += (deps.empty() ? "" : ", ") + d;
    out += fmt::format("{:<{}}  {}{}\n", s.name, width, s.description,
                       deps.empty() ? std::string() : fmt::format("  [needs: {}]", deps));
  }
  std::string all;
  for (const auto* s : resolve_targets(specs, {"all"})) all += (all.empty() ? "" : ", ") + s->name;
  out += fmt::format("{:<{}}  every component in one process: {}\n", "all", width, all);
  return out;
}

}  // namespace zt::core
