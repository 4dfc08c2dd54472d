// napi glue only: every function converts its arguments into a plain struct on the main thread, runs the
// core in an AsyncWorker (no napi value is touched off the main thread), and settles a promise.
#include <napi.h>

#include <string>

#include "core/io_engine.h"
#include "core/throughput.h"
#include "core/version.h"

namespace {

std::string textOr(const Napi::Object& options, const char* key, const std::string& fallback) {
  const Napi::Value value = options.Get(key);
  return value.IsString() ? value.As<Napi::String>().Utf8Value() : fallback;
}

double numberOr(const Napi::Object& options, const char* key, double fallback) {
  const Napi::Value value = options.Get(key);
  return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
}

bool boolOr(const Napi::Object& options, const char* key, bool fallback) {
  const Napi::Value value = options.Get(key);
  return value.IsBoolean() ? value.As<Napi::Boolean>().Value() : fallback;
}

// Round trip of a known pattern through one engine (threefs::verifyEngine), off the main thread.
class EngineCheckWorker : public Napi::AsyncWorker {
 public:
  struct Input {
    threefs::EngineOptions engine;
    std::string dir;
    uint32_t blockSize = 65536;
    uint32_t blocks = 64;
    int depth = 8;
    bool direct = true;
  };

  EngineCheckWorker(Napi::Env env, Input input) : Napi::AsyncWorker(env), input_(std::move(input)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      engine_ = threefs::verifyEngine(input_.engine, input_.dir, input_.blockSize, input_.blocks, input_.depth, input_.direct, &note_);
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }

  void OnOK() override {
    Napi::Object result = Napi::Object::New(Env());
    result.Set("engine", engine_);
    result.Set("note", note_);
    result.Set("blocks", input_.blocks);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Input input_;
  std::string engine_;
  std::string note_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("core", threefs::coreVersion());
  out.Set("build", threefs::buildInfo());
  return out;
}

Napi::Value EngineCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "engineCheck needs an options object");
  const Napi::Object options = info[0].As<Napi::Object>();
  EngineCheckWorker::Input input;
  input.dir = textOr(options, "dir", "");
  if (input.dir.empty()) throw Napi::TypeError::New(env, "engineCheck needs options.dir");
  try {
    input.engine.kind = threefs::parseEngineKind(textOr(options, "engine", "auto"));
  } catch (const std::exception& error) {
    throw Napi::TypeError::New(env, error.what());
  }
  input.engine.dataDir = input.dir;
  input.engine.mountPoint = textOr(options, "mountPoint", "");
  input.engine.usrbioLibrary = textOr(options, "usrbioLibrary", "");
  input.blockSize = static_cast<uint32_t>(numberOr(options, "blockSize", 65536));
  input.blocks = static_cast<uint32_t>(numberOr(options, "blocks", 64));
  input.depth = static_cast<int>(numberOr(options, "depth", 8));
  input.direct = boolOr(options, "direct", true);
  auto* worker = new EngineCheckWorker(env, std::move(input));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself when done
  return promise;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("engineCheck", Napi::Function::New(env, EngineCheck, "engineCheck"));
  return exports;
}

}  // namespace

NODE_API_MODULE(threefs_native, Init)
