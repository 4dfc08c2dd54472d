// napi glue only: every function here converts arguments, calls the core, converts the result.
#include <napi.h>

#include "core/version.h"

namespace {

Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("core", threefs::coreVersion());
  out.Set("build", threefs::buildInfo());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  return exports;
}

}  // namespace

NODE_API_MODULE(threefs_native, Init)
