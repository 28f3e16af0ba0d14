// magnumctl's output: what the API returned, as the Python clients show it (a Field/Value
// table for one object, a table of columns for a list) or as JSON or YAML for scripts.
// Inputs are JSON texts (the API's bodies), so that this header needs no JSON library.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::ctl {

enum class OutputFormat { kTable, kJson, kYaml };

// "table", "json" or "yaml"; anything else is kInvalidArgument.
Result<OutputFormat> ParseOutputFormat(std::string_view name);

// One object (`json_object`: the text of a JSON object). `fields`, when not empty, selects
// and orders the fields (an absent one is shown empty in a table and left out otherwise);
// else a table lists every field sorted by name and JSON/YAML keep the object as it is.
// kInvalidArgument when the text is not a JSON object.
Result<std::string> RenderObject(std::string_view json_object, OutputFormat format,
                                 const std::vector<std::string>& fields);

// A list (`json_array`: the text of a JSON array of objects). The table shows `columns`;
// JSON and YAML give every field of each item, or only `columns` when `only_columns`.
Result<std::string> RenderList(std::string_view json_array, OutputFormat format,
                               const std::vector<std::string>& columns, bool only_columns);

// Any JSON text as a block-style YAML document (strings that plain YAML would misread are
// double-quoted). kInvalidArgument when the text is not JSON.
Result<std::string> JsonToYaml(std::string_view json);

// An aligned ASCII table (+---+ borders, as prettytable draws them); a cell with line
// breaks spans several lines. Widths count UTF-8 code points.
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

}  // namespace magnum::ctl
