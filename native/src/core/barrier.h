// Barriers through files on the shared filesystem: a node announces a step by creating a file
// atomically (write + rename), and waits for the other nodes' files. A node that fails leaves a
// failed-<node> file, so the others stop waiting at once instead of at the timeout.
#pragma once
#include <string>
#include <vector>

namespace threefs {

// Waits until every path exists. Throws when a file named failed-* appears in `dir` (naming the node)
// or when `timeoutSeconds` pass.
void waitForFiles(const std::vector<std::string>& paths, const std::string& dir, double timeoutSeconds);
// Records that node `node` failed, with the reason, for waitForFiles on other nodes.
void announceFailure(const std::string& dir, const std::string& node, const std::string& reason);
// Creates `path` with `content` atomically.
void writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace threefs
