#pragma once
// The target graph: which components a target list needs, in start order.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/app/component.hpp"

namespace zt::core {

class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Resolves "all" or a comma list of component names into the components to run, dependencies
// first. An unknown target lists the valid ones; a cycle is reported spelled out ("a -> b -> a").
std::vector<const ComponentSpec*> resolve_targets(const std::vector<ComponentSpec>& specs,
                                                  const std::vector<std::string>& targets);

// Checks the whole graph (unknown dependencies, cycles) without resolving a target.
void validate_graph(const std::vector<ComponentSpec>& specs);

// Human-readable listing for `zhongtai targets`.
std::string describe_graph(const std::vector<ComponentSpec>& specs);

std::vector<std::string> split_list(const std::string& text);

}  // namespace zt::core
