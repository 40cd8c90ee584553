// osq's statement of osquery's extension interface (Thrift IDL). Written from osquery's
// published wire contract; field ids, types and method names must match osquery's exactly,
// since osqueryd, osqueryi and every extension SDK speak them. core/thrift/bindings_test.ts
// checks the TypeScript codec against this file.

namespace cpp osquery.extensions
namespace py osquery.extensions

// One plugin call's arguments: flat string keys and values.
typedef map<string, string> ExtensionPluginRequest
// A plugin's answer: rows of string keys and values.
typedef list<map<string, string>> ExtensionPluginResponse

// A flag of the core: current value, default and gflags type name.
struct InternalOptionInfo {
  1:string value,
  2:string default_value,
  3:string type,
}

// Flag name -> its state.
typedef map<string, InternalOptionInfo> InternalOptionList

// Who an extension is.
struct InternalExtensionInfo {
  1:string name,
  2:string version,
  3:string sdk_version,
  4:string min_sdk_version,
}

// The id the manager gives an extension (0 is the manager itself).
typedef i64 ExtensionRouteUUID
// Plugin name -> its route info.
typedef map<string, ExtensionPluginResponse> ExtensionRouteTable
// Registry name -> its plugins.
typedef map<string, ExtensionRouteTable> ExtensionRegistry
// Registered extensions by id.
typedef map<ExtensionRouteUUID, InternalExtensionInfo> InternalExtensionList

enum ExtensionCode {
  EXT_SUCCESS = 0,
  EXT_FAILED = 1,
  EXT_FATAL = 2,
}

// The outcome of a call: a code (0 = success), a message and the answering side's id.
struct ExtensionStatus {
  1:i32 code,
  2:string message,
  3:ExtensionRouteUUID uuid,
}

// A plugin's status and rows.
struct ExtensionResponse {
  1:ExtensionStatus status,
  2:ExtensionPluginResponse response,
}

// Declared by the interface; no method throws it.
exception ExtensionException {
  1:i32 code,
  2:string message,
  3:ExtensionRouteUUID uuid,
}

// What every extension (and the core) serves.
service Extension {
  // Liveness check.
  ExtensionStatus ping(),
  // Calls plugin `item` of registry `registry`.
  ExtensionResponse call(
    1:string registry,
    2:string item,
    3:ExtensionPluginRequest request),
  // Asks the process to stop.
  void shutdown(),
}

// What the core serves on its extensions socket, besides the Extension methods.
service ExtensionManager extends Extension {
  // The registered extensions.
  InternalExtensionList extensions(),
  // The core's flags.
  InternalOptionList options(),
  // Adds an extension and the plugins it offers; answers its new id.
  ExtensionStatus registerExtension(
    1:InternalExtensionInfo info,
    2:ExtensionRegistry registry),
  // Removes an extension and its plugins.
  ExtensionStatus deregisterExtension(
    1:ExtensionRouteUUID uuid,
  ),
  // Runs SQL in the core; rows as strings.
  ExtensionResponse query(
    1:string sql,
  ),
  // The result columns of SQL, in order, as single-entry {name: type} rows.
  ExtensionResponse getQueryColumns(
    1:string sql,
  ),
}
